"""A few long-lived, bounded render processes that render one job after another.

pdf.render_isolated starts a new interpreter for every render: about 1.5 s of Python and
WeasyPrint start-up, and one more process holding memory. A package rendered in parts renders
tens of parts, so `RenderPool` keeps at most `workers` children (`python -m bundler.pdf_pool`)
and hands each its next part. The bounds stay per render and per process:
- each child runs under the same address-space cap (RLIMIT_AS) as a render_isolated child;
- each job has a wall-clock timeout: a child that overruns it is killed (the job fails);
- a child whose job failed is never reused, and neither is one whose resident memory after a
  job has grown past half its cap; a job that ran out of memory in a child that had rendered
  before is tried once more in a fresh child (it may have failed on what earlier jobs left).

A process keeps one pool per setting (`shared`) for all its builds: a build after the first
finds its children started and warm (starting two children and their first render cost 0.5
s of every republish, and closing them 0.16 s more). A child idle for `IDLE_SECONDS` is
ended, so a quiet worker holds no render memory.

The protocol: the parent writes one line per job (`job.json out.pdf`) to the child's stdin,
the child answers one JSON line on its stdout ({"pages": n} or {"error": "..."}).
"""

from __future__ import annotations

import atexit
import contextlib
import datetime as dt
import json
import os
import resource
import selectors
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from bundler import pdf


class _Child:
    """One render process and the jobs it has rendered."""

    def __init__(self, memory_mb: int) -> None:
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", "bundler.pdf_pool", str(memory_mb)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=os.environ.copy(),
        )
        self.jobs = 0
        self.idle_since = 0.0
        self.stderr: list[bytes] = []
        self._reader = threading.Thread(target=self._drain, daemon=True)
        self._reader.start()

    def _drain(self) -> None:
        stream: IO[bytes] | None = self.process.stderr
        if stream is None:
            return
        for line in stream:
            self.stderr.append(line)
            del self.stderr[:-50]

    def ask(self, line: str, timeout: float) -> dict[str, Any] | None:
        """Send one job line; return the answer, or None when the child died or overran."""
        stdin, stdout = self.process.stdin, self.process.stdout
        assert stdin is not None
        assert stdout is not None
        try:
            stdin.write(line.encode() + b"\n")
            stdin.flush()
        except OSError:
            return None
        with selectors.DefaultSelector() as selector:
            selector.register(stdout, selectors.EVENT_READ)
            if not selector.select(timeout):
                self.kill()
                raise pdf.RenderError(
                    f"Het maken van de PDF duurde langer dan {timeout:g} seconden en is gestopt."
                )
        answer = stdout.readline()
        if not answer:
            self.process.wait()
            return None
        found: dict[str, Any] = json.loads(answer)
        return found

    def resident_mb(self) -> float:
        try:
            status = Path(f"/proc/{self.process.pid}/status").read_text()
        except OSError:
            return 0.0
        for row in status.splitlines():
            if row.startswith("VmRSS:"):
                return int(row.split()[1]) / 1024
        return 0.0

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        self._reader.join(timeout=5)  # the child's stderr ends with it
        for stream in (self.process.stdin, self.process.stdout, self.process.stderr):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()

    def close(self) -> None:
        """End the child: it exits when its stdin closes."""
        if self.process.stdin is not None and not self.process.stdin.closed:
            with contextlib.suppress(OSError):
                self.process.stdin.close()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=10)
        self.kill()


IDLE_SECONDS = 300.0  # a late change after a build comes in minutes, not hours


class RenderPool:
    """At most `workers` render children, reused job after job; use as a context manager.

    With `idle_seconds`, a child that waited that long for a job is ended.
    """

    def __init__(
        self,
        workers: int,
        *,
        timeout: float = 300,
        memory_mb: int = 3072,
        idle_seconds: float | None = None,
    ) -> None:
        self.workers = max(1, workers)
        self.timeout = timeout
        self.memory_mb = memory_mb
        self.idle_seconds = idle_seconds
        self._idle: list[_Child] = []
        self._lock = threading.Lock()
        self._slots = threading.Semaphore(self.workers)
        self._reaper: threading.Thread | None = None

    def __enter__(self) -> RenderPool:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for child in idle:
            child.close()

    def _keep(self, child: _Child) -> None:
        """Put a child back for the next job (and watch how long it waits, if asked)."""
        child.idle_since = time.monotonic()
        with self._lock:
            self._idle.append(child)
            if self.idle_seconds is None or (self._reaper and self._reaper.is_alive()):
                return
            self._reaper = threading.Thread(target=self._reap, daemon=True)
            self._reaper.start()

    def _reap(self) -> None:
        """End children idle longer than idle_seconds; stop when none is left to watch."""
        assert self.idle_seconds is not None
        while True:
            time.sleep(self.idle_seconds / 4)
            with self._lock:
                limit = time.monotonic() - self.idle_seconds
                expired = [c for c in self._idle if c.idle_since <= limit]
                self._idle = [c for c in self._idle if c.idle_since > limit]
                last = not self._idle
                if last:
                    self._reaper = None
            for child in expired:
                child.close()
            if last:
                return

    def render(
        self,
        html: str,
        attachments: Sequence[pdf.PdfAttachment] = (),
        created: dt.datetime | None = None,
    ) -> pdf.RenderResult:
        """Render in one of the pool's children; the same bounds as pdf.render_isolated."""
        with self._slots, tempfile.TemporaryDirectory(prefix="bundler-pdf-") as folder:
            job_path, out_path = Path(folder) / "job.json", Path(folder) / "out.pdf"
            job_path.write_text(json.dumps(pdf.job(html, attachments, created)), "utf-8")
            for _ in range(2):
                with self._lock:
                    child = self._idle.pop() if self._idle else None
                fresh = child is None
                child = child or _Child(self.memory_mb)
                answer = child.ask(f"{job_path} {out_path}", self.timeout)
                child.jobs += 1
                if answer is not None and "pages" in answer:
                    if child.resident_mb() < self.memory_mb / 2:
                        self._keep(child)
                    else:
                        child.close()
                    return pdf.RenderResult(out_path.read_bytes(), int(answer["pages"]))
                child.kill()
                text = str((answer or {}).get("error", "")) or b"".join(child.stderr).decode(
                    errors="replace"
                )
                lines = text.strip().splitlines()
                last = lines[-1] if lines else f"exit code {child.process.returncode}"
                out_of_memory = (answer is None and child.process.returncode < 0) or any(
                    sign in text for sign in pdf.MEMORY_SIGNS
                )
                if out_of_memory and not fresh:
                    continue  # perhaps what earlier jobs left: once more in a new child
                if out_of_memory:
                    raise pdf.RenderError(
                        f"Het maken van de PDF had meer dan {self.memory_mb} MB geheugen nodig "
                        f"en is gestopt ({last[:200]})."
                    )
                raise pdf.RenderError(f"Het maken van de PDF mislukte: {last[:500]}")
        raise pdf.RenderError("Het maken van de PDF mislukte.")  # pragma: no cover


_shared: dict[tuple[int, int, float, int], RenderPool] = {}
_shared_lock = threading.Lock()


def shared(workers: int, *, timeout: float, memory_mb: int) -> RenderPool:
    """Return this process's pool for these settings, kept for all its builds (see above)."""
    key = (os.getpid(), max(1, workers), timeout, memory_mb)  # a forked process starts anew
    with _shared_lock:
        pool = _shared.get(key)
        if pool is None:
            pool = _shared[key] = RenderPool(
                workers, timeout=timeout, memory_mb=memory_mb, idle_seconds=IDLE_SECONDS
            )
        return pool


@atexit.register
def close_shared() -> None:
    """End the children of every kept pool of this process (at exit, and between benches)."""
    with _shared_lock:
        pools = [p for key, p in _shared.items() if key[0] == os.getpid()]
        _shared.clear()
    for pool in pools:
        pool.close()


def _serve(memory_mb: int) -> int:
    """The child: load the renderer, cap the address space, render job lines from stdin."""
    in_use = pdf.load_renderer()
    limit = memory_mb * 1024 * 1024
    if in_use >= limit:
        sys.stderr.write(f"MemoryError: {in_use // 2**20} MB in gebruik vóór het renderen\n")
        return 1
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    for line in sys.stdin:
        job_path, out_path = line.split()
        started = time.perf_counter()
        try:
            pages = pdf.run_job(job_path, out_path)
        except MemoryError:
            sys.stdout.write(json.dumps({"error": "MemoryError"}) + "\n")
            sys.stdout.flush()
            return 1
        except Exception as error:
            sys.stdout.write(json.dumps({"error": f"{type(error).__name__}: {error}"}) + "\n")
            sys.stdout.flush()
            return 1
        seconds = time.perf_counter() - started
        sys.stdout.write(json.dumps({"pages": pages, "seconds": seconds}) + "\n")
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(_serve(int(sys.argv[1])))
