"""Generate ``data/examples/nir_replay_example.csv``: a seeded synthetic NIR log for ``rxtwin twin replay``.

Two hours of the default line (``twin_defaults.yaml``) running at steady state with two
API-feeder upsets - 35 % under-feeding for 120 s at t = 1800 s and 30 % over-feeding for
150 s at t = 4800 s - observed by the default NIR sensor (5 s sampling, 10 s delay,
2 % LC noise). Columns: ``time_s`` (reading time), ``nir_potency_pct`` (reading),
``true_potency_pct`` (true potency of the material read; known because it is synthetic).

Regenerate with::

    python -m rxtwin.runs.twin_example

A test checks that the shipped file equals the output of this script.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

import rxtwin.data
from rxtwin.data.twin_defaults import load_twin_defaults
from rxtwin.twin.estimation import pat_readings
from rxtwin.twin.feeders import FeedDisturbance
from rxtwin.twin.flowsheet import Flowsheet

SEED = 20231017
DURATION_S = 7200.0
UPSETS = (
    FeedDisturbance(feeder="api", start_s=1800.0, duration_s=120.0, magnitude_fraction=-0.35),
    FeedDisturbance(feeder="api", start_s=4800.0, duration_s=150.0, magnitude_fraction=0.30),
)
OUTPUT = Path(rxtwin.data.__file__).parent / "examples" / "nir_replay_example.csv"


def nir_replay_example_csv_text(seed: int = SEED) -> str:
    """CSV text of the example log (same seed -> same text)."""
    params = load_twin_defaults()
    rng = np.random.default_rng(seed)
    result = Flowsheet.from_parameters(params).simulate(DURATION_S, rng, UPSETS)
    readings = pat_readings(result.time_s, result.potency_pct, params.pat, rng)
    frame = pd.DataFrame({
        "time_s": readings.time_s,
        "nir_potency_pct": readings.reading_pct,
        "true_potency_pct": readings.true_pct,
    })
    return frame.to_csv(index=False, float_format="%.4f", lineterminator="\n")


def main() -> None:
    """Write the example CSV into the package's bundled examples."""
    OUTPUT.write_text(nir_replay_example_csv_text(), encoding="utf-8")


if __name__ == "__main__":
    main()
