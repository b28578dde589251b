"""The job queue (huey) every area shares; each area installs its own tasks on it.

The queue is chosen by HUEY_URL:
- `sqlite:///path` (default, in the instance folder): no extra service; `bundler serve`
  (`make run`) runs an embedded consumer in threads next to the web server;
- `redis://host:6379/0` or `postgresql://...`: several machines share the work; run
  `huey_consumer bundler.worker.huey -k thread -w 2` on each worker machine (same config).

An area registers an installer in its `init_app` (`register(app, install)`); the installer
adds the area's tasks and periodic tasks to the huey instance when the queue is first used,
and keeps the task objects it needs in `app.extensions`.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable
from typing import Any

from flask import Flask
from huey import Huey, MemoryHuey, PostgresHuey, RedisHuey, SqliteHuey

EXTENSION = "bundler.queue"
INSTALLERS = "bundler.queue.installers"
Installer = Callable[[Huey, Flask], None]


def queue_settings(url: str) -> tuple[type[Huey], dict[str, Any]]:
    """Return the huey class and its storage options for a queue URL."""
    if url.startswith("sqlite:///"):
        return SqliteHuey, {"filename": url[len("sqlite:///") :]}
    if url.startswith(("redis://", "rediss://", "unix://")):
        return RedisHuey, {"url": url}
    if url.startswith("postgresql"):
        return PostgresHuey, {"dsn": url.replace("postgresql+psycopg://", "postgresql://", 1)}
    if url.startswith("memory://"):
        return MemoryHuey, {}
    raise ValueError(f"unsupported HUEY_URL: {url.split(':', 1)[0]}")


def make_huey(url: str, *, immediate: bool = False) -> Huey:
    """Create the huey instance for a queue URL (sqlite, redis, postgresql or memory)."""
    kind, options = queue_settings(url)
    return kind("bundler", results=False, immediate=immediate, utc=True, **options)


def register(app: Flask, installer: Installer) -> None:
    """Have `installer(huey, app)` add an area's tasks when the app's queue is created."""
    app.extensions.setdefault(INSTALLERS, []).append(installer)


def get_huey(app: Flask) -> Huey:
    """Return the app's huey instance, creating it and installing every area's tasks once."""
    if EXTENSION not in app.extensions:
        huey = make_huey(app.config["HUEY_URL"], immediate=bool(app.config["HUEY_IMMEDIATE"]))
        app.extensions[EXTENSION] = huey
        for installer in app.extensions.get(INSTALLERS, []):
            installer(huey, app)
    instance: Huey = app.extensions[EXTENSION]
    return instance


def reset(app: Flask) -> None:
    """Forget the app's queue, so the next use creates it (and its tasks) again."""
    app.extensions.pop(EXTENSION, None)


def run_pending(app: Flask) -> int:
    """Run every queued task in this process (tests and one-off maintenance); return the count."""
    huey = get_huey(app)
    count = 0
    while (task := huey.dequeue()) is not None:
        huey.execute(task)
        count += 1
    return count


def worker_threads(app: Flask) -> int:
    """Return how many jobs a worker process runs at once: BUILD_CONCURRENCY, or one per core."""
    configured = int(app.config["BUILD_CONCURRENCY"])
    return configured if configured > 0 else (os.cpu_count() or 1)


def start_embedded_consumer(app: Flask, workers: int | None = None) -> Any:
    """Run a huey consumer in threads of this process, next to the web server (make run).

    One thread per render slot (BUILD_CONCURRENCY, default one per core): each render runs in
    its own child process, so "build all" uses every core within the memory budget.
    """
    huey = get_huey(app)
    count = workers if workers is not None else worker_threads(app)
    consumer = huey.create_consumer(workers=count, worker_type="thread", periodic=True)
    # The consumer installs its own signal handlers; give Ctrl+C back to the web server.
    kept = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    consumer.start()
    for signum, handler in kept.items():
        signal.signal(signum, handler)
    return consumer
