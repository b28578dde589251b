"""Fault tests: marker `faults`, run by `make test-faults`; loopback only, bounded in time."""

from __future__ import annotations

import http.client
import re
import socket
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session

from bundler.accounts import create_user
from bundler.db import make_engine
from bundler.enums import Role
from bundler.models import Base
from bundler.refdata import load_reference_data


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/faults/" in str(item.fspath):
            item.add_marker(pytest.mark.faults)


ADMIN_EMAIL = "beheer@example.org"
ADMIN_PASSWORD = "fault tests admin password"
TOKEN = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


def free_port() -> int:
    """Return a free TCP port on 127.0.0.1."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def prepare_database(url: str) -> None:
    """Create the schema, the reference data and one administrator."""
    engine = make_engine(url)
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        load_reference_data(session)
        create_user(
            session, email=ADMIN_EMAIL, name="Beheer", role=Role.ADMIN, password=ADMIN_PASSWORD
        )
        session.commit()
    engine.dispose()


@dataclass
class Browser:
    """A tiny HTTP client with one cookie jar, for a server on 127.0.0.1 (no proxies)."""

    port: int
    timeout: float = 15.0
    cookies: dict[str, str] = field(default_factory=dict)

    def request(self, method: str, path: str, form: dict[str, str] | None = None) -> Any:
        from urllib.parse import urlencode

        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            response.text = response.read().decode("utf-8", "replace")
        finally:
            connection.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name] = rest.split(";", 1)[0]
        return response

    def token(self, path: str) -> str:
        match = TOKEN.search(self.request("GET", path).text)
        assert match, f"no CSRF token on {path}"
        return match.group(1)

    def sign_in(self, email: str, password: str) -> None:
        token = self.token("/aanmelden")
        response = self.request(
            "POST", "/aanmelden", {"email": email, "password": password, "csrf_token": token}
        )
        assert response.status == 302, response.status


def wait_until_serving(port: int, deadline: float = 30.0) -> None:
    """Wait for the server to answer its login page."""
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        try:
            if Browser(port, timeout=2).request("GET", "/aanmelden").status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"server on port {port} did not start within {deadline} s")


def base_config(tmp: Path, database_url: str) -> dict[str, Any]:
    """Configuration of an app for the fault tests."""
    return {
        "SECRET_KEY": "fault-tests",
        "DATABASE_URL": database_url,
        "UPLOAD_FOLDER": str(tmp / "uploads"),
        "STORAGE_FOLDER": str(tmp / "storage"),
        "HUEY_URL": f"sqlite:///{tmp / 'jobs.sqlite'}",
        "MFA_REQUIRED": False,
        "RATELIMIT_ENABLED": False,
    }
