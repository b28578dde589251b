"""The render pool: bounded children, reused, killed on overrun, not after a failure."""

from __future__ import annotations

import pytest

from bundler import pdf, pdf_pool

pytestmark = pytest.mark.pdf


def test_one_child_renders_job_after_job():
    with pdf_pool.RenderPool(1, memory_mb=2048) as pool:
        first = pool.render("<p>Een</p>")
        child = pool._idle[0]
        second = pool.render("<h1>Twee</h1><p>en</p><p style='break-before: page'>drie</p>")
        assert pool._idle == [child]  # the same process rendered both
        assert child.jobs == 2
    assert first.pdf.startswith(b"%PDF") and first.pages == 1
    assert second.pages == 2
    assert child.process.returncode is not None  # ended with the pool


def test_a_job_over_its_time_is_stopped_and_its_child_not_reused():
    with pdf_pool.RenderPool(1, timeout=0.05, memory_mb=2048) as pool:
        with pytest.raises(pdf.RenderError, match="langer dan"):
            pool.render("<p>x</p>")
        assert pool._idle == []
        pool.timeout = 120
        assert pool.render("<p>x</p>").pages == 1


def test_a_failed_job_reads_as_out_of_memory_under_a_small_cap():
    with pdf_pool.RenderPool(1, memory_mb=64) as pool, pytest.raises(pdf.RenderError) as error:
        pool.render("<p>x</p>")
    assert "geheugen" in str(error.value)
    assert pool._idle == []


def test_a_process_keeps_one_pool_per_setting_and_its_children_for_the_next_build():
    try:
        pool = pdf_pool.shared(1, timeout=60, memory_mb=2048)
        assert pdf_pool.shared(1, timeout=60, memory_mb=2048) is pool
        assert pdf_pool.shared(1, timeout=60, memory_mb=1024) is not pool
        pool.render("<p>Een</p>")
        child = pool._idle[0]
        pool.render("<p>Twee</p>")  # the next build's part: the same, already started child
        assert pool._idle == [child] and child.jobs == 2
    finally:
        pdf_pool.close_shared()
    assert child.process.returncode is not None
    assert pdf_pool.shared(1, timeout=60, memory_mb=2048) is not pool  # closed: a new one


def test_a_child_idle_too_long_is_ended():
    with pdf_pool.RenderPool(1, memory_mb=2048, idle_seconds=0.2) as pool:
        pool.render("<p>x</p>")
        child = pool._idle[0]
        child.process.wait(timeout=10)  # ended by the pool, not by its own choice
        assert pool._idle == []
        assert pool.render("<p>y</p>").pages == 1  # a new child takes the next job
        assert pool._idle[0] is not child
