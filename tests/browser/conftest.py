"""Browser fixtures: the app served on a loopback port, Debian's Chromium driven by Playwright."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import make_server

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = pytest.mark.browser


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Launch headless Chromium once per test session."""
    if not shutil.which(CHROMIUM):
        if os.environ.get("REQUIRE_BROWSER"):
            pytest.fail(f"Chromium is required (REQUIRE_BROWSER) but {CHROMIUM} is missing")
        pytest.skip(f"Chromium niet gevonden op {CHROMIUM}: browsertests overgeslagen")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    """Serve the test app on a free loopback port in a thread; return its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture
def page(browser: Any, live_server: str) -> Iterator[Any]:
    """Open a fresh browser context (own cookies) on the live server."""
    context = browser.new_context(base_url=live_server, locale="nl-NL")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


# WCAG 2.0/2.1/2.2 A and AA, axe's best practices and EN 301 549 (the European standard the
# Dutch accessibility statement refers to).
AXE_TAGS = [
    "wcag2a",
    "wcag2aa",
    "wcag21a",
    "wcag21aa",
    "wcag22aa",
    "best-practice",
    "EN-301-549",
]


def check_accessibility(page: Any) -> None:
    """Run axe-core with the WCAG A/AA, best-practice and EN 301 549 rules; fail on violations."""
    from axe_playwright_python.sync_playwright import Axe

    # A click that follows a link returns once the new page has committed, possibly before its
    # stylesheets apply; axe must measure the page as a person sees it (target sizes, contrast).
    page.wait_for_load_state("load")
    result = Axe().run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}})
    assert result.violations_count == 0, f"{page.url}\n{result.generate_report()}"


@pytest.fixture
def axe() -> Callable[[Any], None]:
    """Return the accessibility check, for use as `axe(page)`."""
    return check_accessibility


@pytest.fixture
def browser_login(page: Any) -> Callable[..., None]:
    """Return a function that signs in through the login form in the browser."""
    from tests.conftest import PASSWORD

    def do_login(email: str, password: str = PASSWORD) -> None:
        page.goto("/aanmelden")
        page.get_by_label("E-mailadres").fill(email)
        page.get_by_label("Wachtwoord").fill(password)
        page.get_by_role("button", name="Aanmelden").click()
        page.wait_for_url(lambda url: "/aanmelden" not in url)

    return do_login
