"""Renders at once: one per core, within the memory budget (pure threads, no app)."""

from __future__ import annotations

import threading
import time

import pytest

from bundler.packages.budget import RenderBudget, estimate_mb
from bundler.queue import worker_threads


def _run_all(budget: RenderBudget, sizes: list[int]) -> tuple[int, int]:
    """Run one thread per size; return the most renders and megabytes seen at once."""
    lock = threading.Lock()
    peak = {"running": 0, "mb": 0}
    now = {"running": 0, "mb": 0}

    def render(mb: int) -> None:
        with budget.reserve(mb):
            with lock:
                now["running"] += 1
                now["mb"] += min(mb, budget.budget_mb)
                peak["running"] = max(peak["running"], now["running"])
                peak["mb"] = max(peak["mb"], now["mb"])
            time.sleep(0.05)
            with lock:
                now["running"] -= 1
                now["mb"] -= min(mb, budget.budget_mb)

    threads = [threading.Thread(target=render, args=(size,)) for size in sizes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert not any(t.is_alive() for t in threads)
    assert budget.running == 0 and budget.reserved_mb == 0
    return peak["running"], peak["mb"]


def test_small_renders_use_every_slot():
    running, _ = _run_all(RenderBudget(slots=2, budget_mb=4096), [200] * 6)
    assert running == 2


def test_renders_never_reserve_more_than_the_budget_together():
    running, mb = _run_all(RenderBudget(slots=4, budget_mb=2000), [900] * 6)
    assert running == 2
    assert mb <= 2000


def test_a_render_larger_than_the_budget_runs_alone_instead_of_never():
    running, mb = _run_all(RenderBudget(slots=2, budget_mb=1000), [3000, 3000, 100])
    assert running == 1
    assert mb <= 1000


@pytest.mark.parametrize(("wishes", "cap", "expected"), [(0, 3072, 150), (1000, 3072, 1050)])
def test_the_estimate_follows_the_size_up_to_the_cap(wishes, cap, expected):
    assert estimate_mb(wishes, cap) == expected
    assert estimate_mb(10_000, cap) == cap


def test_the_worker_runs_one_job_per_core_unless_configured(app, monkeypatch):
    monkeypatch.setitem(app.config, "BUILD_CONCURRENCY", 0)
    monkeypatch.setattr("os.cpu_count", lambda: 6)
    assert worker_threads(app) == 6
    monkeypatch.setitem(app.config, "BUILD_CONCURRENCY", 3)
    assert worker_threads(app) == 3
