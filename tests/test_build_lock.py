"""Builds of one ministry never overlap across job consumers (PostgreSQL advisory lock)."""

from __future__ import annotations

import zlib

import pytest
from flask import Flask
from sqlalchemy import text

from bundler.packages import jobs


def _free(app: Flask, code: str) -> bool:
    """Try the lock from another connection (and let it go at once if it was free)."""
    key = zlib.crc32(code.encode()) - (1 << 31)
    engine = app.extensions["bundler.engine"]
    with engine.connect() as connection:
        taken = connection.scalar(
            text("SELECT pg_try_advisory_lock(CAST(:a AS integer), CAST(:b AS integer))"),
            {"a": jobs.BUILD_LOCK, "b": key},
        )
        if taken:
            connection.execute(
                text("SELECT pg_advisory_unlock(CAST(:a AS integer), CAST(:b AS integer))"),
                {"a": jobs.BUILD_LOCK, "b": key},
            )
        return bool(taken)


def test_a_ministry_build_holds_its_lock(app: Flask) -> None:
    if app.extensions["bundler.engine"].dialect.name != "postgresql":
        pytest.skip("PostgreSQL only (set TEST_DATABASE_URL); SQLite serialises writes itself")
    assert _free(app, "BZK")
    with jobs.ministry_build_lock(app, "BZK"):
        assert not _free(app, "BZK")
        assert _free(app, "JenV")  # other ministries build in parallel
    assert _free(app, "BZK")


def test_the_lock_is_released_when_the_build_fails(app: Flask) -> None:
    if app.extensions["bundler.engine"].dialect.name != "postgresql":
        pytest.skip("PostgreSQL only (set TEST_DATABASE_URL)")
    with pytest.raises(RuntimeError), jobs.ministry_build_lock(app, "VWS"):
        raise RuntimeError("render failed")
    assert _free(app, "VWS")
