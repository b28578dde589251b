"""Scale-out, small: two app servers and two job consumers on one PostgreSQL, Redis as queue.

The bench (`bench/scaleout.py`) in miniature: "build all" asked on both servers at the same
moment; every step of both jobs gets an outcome (no job lost), none fails, and each ministry
gets exactly one new, whole version (the other job finds it unchanged). Needs a PostgreSQL
server (TEST_DATABASE_URL) and Redis (TEST_REDIS_URL, default redis://127.0.0.1:6379/12); skips
without them unless REQUIRE_POSTGRES is set. Loopback only, bounded by TIMEOUT.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bench import scaleout

TIMEOUT = 240
WISHES = 60


@pytest.fixture
def urls() -> tuple[str, str]:
    # The suite's PostgreSQL run sets TEST_DATABASE_URL; `make test-faults` passes the server
    # of that run as TEST_POSTGRES_URL.
    base = os.environ.get("TEST_DATABASE_URL", "")
    if not base.startswith("postgresql"):
        base = os.environ.get("TEST_POSTGRES_URL", "")
    queue = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/12")
    try:
        if not base.startswith("postgresql"):
            raise RuntimeError("neither TEST_DATABASE_URL nor TEST_POSTGRES_URL is PostgreSQL")
        url = make_url(base)
        probe = create_engine(url.set(database="postgres"))
        with probe.connect() as connection:
            connection.execute(text("SELECT 1"))
        probe.dispose()
        import redis

        redis.Redis.from_url(queue, socket_timeout=2).ping()
    except Exception as error:
        if os.environ.get("REQUIRE_POSTGRES"):
            raise
        pytest.skip(f"PostgreSQL and Redis needed: {error}")
    name = f"{url.database or 'bundler'}_scaleout"
    return url.set(database=name).render_as_string(hide_password=False), queue


def test_build_all_on_two_servers_publishes_each_version_once(
    urls: tuple[str, str], tmp_path: Path
) -> None:
    database, queue = urls
    scaleout.prepare(database, queue, WISHES, tmp_path)
    engine = create_engine(database)
    cluster = scaleout.Cluster(database, queue, tmp_path)
    try:
        found = scaleout.build_all_twice(cluster, engine, TIMEOUT)
    finally:
        cluster.stop()
        engine.dispose()
    assert found["finished"], f"steps still open after {TIMEOUT} s: {found['steps']}"
    assert sum(found["steps"].values()) == found["expected_steps"] > 0
    assert found["steps"].get("failed", 0) == 0, found["steps"]
    assert found["new_versions"] and set(found["new_versions"].values()) == {1}, found
    assert found["half"] == 0
