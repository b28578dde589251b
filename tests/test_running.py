"""Running it: `bundler serve` uses a production WSGI server; packaging installs every file."""

from __future__ import annotations

import configparser
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from setuptools import find_namespace_packages

ROOT = Path(__file__).resolve().parents[1]


def test_serve_uses_waitress_not_the_development_server(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    import waitress
    import werkzeug.serving

    served: dict[str, Any] = {}
    monkeypatch.setattr(waitress, "serve", lambda wsgi, **options: served.update(options))

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the development server must not serve")

    monkeypatch.setattr(werkzeug.serving, "run_simple", refuse)
    result = app.test_cli_runner().invoke(args=["serve", "--no-worker", "--port", "5999"])
    assert result.exit_code == 0, result.output
    assert served["port"] == 5999 and served["host"] == "127.0.0.1"
    assert "http://127.0.0.1:5999/" in result.output


def test_packages_include_the_data_folders() -> None:
    """setuptools warns about (and may one day drop) data folders missing from `packages`."""
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    assert config["options"]["packages"].strip() == "find_namespace:"
    find = config["options.packages.find"]
    found = set(
        find_namespace_packages(
            str(ROOT), include=find["include"].split(), exclude=find["exclude"].split()
        )
    )
    folders = {
        str(path.parent.relative_to(ROOT)).replace("/", ".")
        for pattern in ("bundler/**/*.py", "bundler/**/*.csv", "bundler/**/*.po", "forms/*.py")
        for path in ROOT.glob(pattern)
        if "__pycache__" not in path.parts
    }
    assert sorted(folders - found) == []
    assert {
        "bundler.data",
        "bundler.migrations.versions",
        "bundler.translations.en.LC_MESSAGES",
    } <= found
    assert not [name for name in found if "__pycache__" in name]
