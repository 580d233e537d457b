"""rxtwin.uq: uncertainty and sensitivity for any engine.

Sampling designs (Monte Carlo, Latin hypercube, scrambled Sobol') mapped through each
parameter's inverse CDF; scenario variants; outputs summarised as distributions (directly
or through mergeable chunk summaries); Sobol' indices and Morris screening via SALib;
tornado swings; a technology switch through its line performances
(:mod:`rxtwin.uq.technology`). See ``docs/uq.md``.
"""

from rxtwin.uq.design import DESIGN_METHODS, design_unit, salib_seed, sample_parameters
from rxtwin.uq.scenario_sampling import (
    apply_sample,
    base_values,
    scenario_model,
    scenario_variants,
)
from rxtwin.uq.sensitivity import evaluate, morris_screening, sobol_indices, tornado
from rxtwin.uq.summaries import distribution_summary, output_chunk_summary, summary_from_merged

__all__ = [
    "DESIGN_METHODS",
    "apply_sample",
    "base_values",
    "design_unit",
    "distribution_summary",
    "evaluate",
    "morris_screening",
    "output_chunk_summary",
    "salib_seed",
    "sample_parameters",
    "scenario_model",
    "scenario_variants",
    "sobol_indices",
    "summary_from_merged",
    "tornado",
]
