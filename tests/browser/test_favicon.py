"""Every page names its icon, so no browser asks for a missing /favicon.ico."""

from __future__ import annotations

from typing import Any


def test_pages_have_an_icon_and_no_404(page: Any) -> None:
    failed: list[str] = []
    page.on("response", lambda r: failed.append(r.url) if r.status >= 400 else None)
    page.goto("/aanmelden")
    icon = page.locator("link[rel='icon']").get_attribute("href")
    assert icon and icon.endswith(".svg")
    response = page.request.get(icon)
    assert response.status == 200 and response.headers["content-type"].startswith("image/svg")
    page.wait_for_load_state("networkidle")
    assert failed == []
