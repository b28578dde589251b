"""How many package renders run at once: one per core, within a memory budget.

Each render runs in its own child process (pdf.render_isolated), so renders in several
worker threads use several cores. What bounds them is memory: a render of 1,000 wishes peaks
at about 0.9 GB (bench/packages.py), and the machine's budget (RENDER_MEMORY_BUDGET_MB) is
shared. A render reserves its estimate before it starts and waits while the reservations
would exceed the budget; a render larger than the whole budget runs alone.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask

from bundler.queue import worker_threads

EXTENSION = "bundler.packages.budget"

# Measured with bench/packages.py (production path): about 150 MB plus 0.9 MB per wish.
BASE_MB = 150
PER_WISH_MB = 0.9


def estimate_mb(wishes: int, cap_mb: int) -> int:
    """Estimate a render's peak memory from its number of wishes, at most the child's cap."""
    return min(cap_mb, BASE_MB + math.ceil(PER_WISH_MB * wishes))


class RenderBudget:
    """A weighted semaphore: at most `slots` renders, their estimates within `budget_mb`."""

    def __init__(self, slots: int, budget_mb: int) -> None:
        self.slots = max(1, slots)
        self.budget_mb = max(1, budget_mb)
        self._condition = threading.Condition()
        self.running = 0
        self.reserved_mb = 0

    def _fits(self, mb: int) -> bool:
        if self.running >= self.slots:
            return False
        return self.running == 0 or self.reserved_mb + mb <= self.budget_mb

    @contextmanager
    def reserve(self, mb: int) -> Iterator[None]:
        """Wait until a render of about `mb` megabytes fits, and hold its place while it runs."""
        mb = min(max(0, mb), self.budget_mb)
        with self._condition:
            self._condition.wait_for(lambda: self._fits(mb))
            self.running += 1
            self.reserved_mb += mb
        try:
            yield
        finally:
            with self._condition:
                self.running -= 1
                self.reserved_mb -= mb
                self._condition.notify_all()


def render_budget(app: Flask) -> RenderBudget:
    """Return the app's render budget (one per process, shared by its worker threads)."""
    if EXTENSION not in app.extensions:
        app.extensions[EXTENSION] = RenderBudget(
            worker_threads(app), int(app.config["RENDER_MEMORY_BUDGET_MB"])
        )
    budget: RenderBudget = app.extensions[EXTENSION]
    return budget
