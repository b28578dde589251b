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
