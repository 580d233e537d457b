"""Same seed, same numbers: serial, 2 threads, 2 processes and a 2-worker Dask LocalCluster give
bit-identical line summaries (contract of rxtwin.compute, applied to the line engine)."""

from __future__ import annotations

import numpy as np
import pytest

from rxtwin.compute import chunk_mapper
from rxtwin.line.results import LineSummary
from rxtwin.line.simulate import simulate


@pytest.mark.slow
def test_serial_processes_and_dask_give_bit_identical_summaries(build):
    x = build.make_line(3)
    runs = {
        backend: simulate(x, 120, entropy=20240601, chunk_size=30,
                          map_chunks=chunk_mapper(backend,
                                                  None if backend == "serial" else 2))
        for backend in ("serial", "threads", "processes", "dask")
    }
    serial = runs["serial"].summary
    assert serial.n_replications == 120
    for backend in ("threads", "processes", "dask"):
        assert runs[backend].summary.equals(serial), backend
        assert runs[backend].table().equals(runs["serial"].table()), backend


def test_summary_of_chunks_equals_summary_of_all_rows_with_undefined_ratios():
    # Column 1 is undefined (NaN) in some replications, as a fill rate without demand is.
    rng = np.random.default_rng(3)
    rows = rng.normal(size=(40, 3))
    rows[rng.random(40) < 0.3, 1] = np.nan
    whole = LineSummary.from_rows(rows)
    parts = LineSummary.from_rows(rows[:13]).merge(LineSummary.from_rows(rows[13:]))
    for s in (whole, parts):
        np.testing.assert_allclose(s.mean, np.nanmean(rows, axis=0), rtol=1e-12)
        np.testing.assert_allclose(s.std, np.nanstd(rows, axis=0, ddof=1), rtol=1e-10)
        assert s.count.tolist() == np.isfinite(rows).sum(axis=0).tolist()
    assert LineSummary.from_dict(whole.to_dict()).equals(whole)
