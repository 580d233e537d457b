"""The contract suite can fail: each check passes on a sound toy engine and raises
``AssertionError`` on a copy broken in the one way it guards against."""

from __future__ import annotations

import dataclasses
import functools
import threading
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest

from rxtwin.compute import chunk_mapper
from rxtwin.errors import UserInputError
from rxtwin.stats.seeding import chunk_rng, plan_chunks
from rxtwin.stats.summaries import HistogramSummary, MomentSummary, merge_all

from . import checks
from .engines import LINE, BadInput, EngineCase

TOY_EDGES = np.linspace(-3.0, 5.0, 17)


# ---------------------------------------------------------------------- a sound toy engine


@dataclass(frozen=True)
class ToyRun:
    entropy: int
    chunk_size: int
    summary: dict


def toy_task(mean: float, chunk, shift_per_rep: float = 0.0):
    """Draws of N(mean, 1) and whether they are positive, summarised (picklable)."""
    x = chunk_rng(chunk).normal(mean + shift_per_rep * chunk.n_reps, 1.0, chunk.n_reps)
    return toy_summary(x)


def toy_summary(x: np.ndarray) -> dict:
    return {"moments": MomentSummary.from_samples(np.column_stack([x, x > 0])),
            "histogram": HistogramSummary.from_samples(x, TOY_EDGES)}


def toy_run(mean, n, *, entropy, chunk_size, map_chunks, done=None, on_chunk_done=None,
            task=toy_task, plan=plan_chunks):
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise UserInputError(f"n_draws = {n!r}, must be an integer >= 1")
    entropy, chunks = plan(n, chunk_size, entropy)
    results = map_chunks(functools.partial(task, mean), chunks, done=done,
                         on_chunk_done=on_chunk_done)
    return ToyRun(entropy, chunk_size, merge_all(results))


def toy_table(result: ToyRun) -> pd.DataFrame:
    m = result.summary["moments"]
    return pd.DataFrame({"statistic": ["draw", "positive"], "mean": m.mean,
                         "std_error": m.std() / np.sqrt(m.count)})


def toy_estimates(result: ToyRun):
    m = result.summary["moments"]
    return m.mean, m.std() / np.sqrt(m.count), np.full(m.n_stats, m.count - 1.0)


TOY_DOCS = """# Toy

## Outputs

| column | unit | meaning |
|---|---|---|
| `statistic` | label | `draw` or `positive` |
| `mean` | - | mean |
| `std_error` | - | its standard error |
"""


@pytest.fixture
def toy(tmp_path) -> EngineCase:
    page = tmp_path / "toy.md"
    page.write_text(TOY_DOCS, encoding="utf-8")
    return EngineCase(
        name="toy", build=lambda: 0.5, run=toy_run, n=400, chunk_size=40,
        other_chunk_size=25, table=toy_table,
        columns={"statistic": "label", "mean": "-", "std_error": "-"},
        docs=(str(page), "## Outputs"),
        bad_inputs=(BadInput("n_draws", {"n": 0}), BadInput("chunk_size", {"chunk_size": 0}),
                    BadInput("entropy", {"entropy": -1})),
        summary=lambda result: result.summary, estimates=toy_estimates,
        names_column="statistic")


def broken(case: EngineCase, **run_changes) -> EngineCase:
    """``case`` whose run passes ``run_changes`` on to :func:`toy_run`."""
    return dataclasses.replace(case, name=f"{case.name}-broken",
                               run=functools.partial(case.run, **run_changes))


SOUND_CHECKS = [
    checks.check_same_seed_same_bits,
    checks.check_chunks_self_contained,
    checks.check_chunk_size_statistical,
    checks.check_appending_chunks,
    checks.check_resume,
    checks.check_merge_any_order,
    checks.check_documented_columns,
    checks.check_bad_inputs,
]


@pytest.mark.parametrize("check", SOUND_CHECKS, ids=lambda c: c.__name__)
def test_sound_toy_engine_passes(toy, check):
    check(toy)


def test_sound_toy_engine_passes_on_threads(toy):
    checks.check_backend_same_bits(toy, chunk_mapper("threads", workers=2), "threads")


# --------------------------------------------------------------------- determinism


def clock_seeded_task(mean, chunk):
    x = np.random.default_rng(time.time_ns()).normal(mean, 1.0, chunk.n_reps)
    return toy_summary(x)


def unseeded_task(mean, chunk):
    x = np.random.default_rng().normal(mean, 1.0, chunk.n_reps)
    return toy_summary(x)


@pytest.mark.parametrize("task", [clock_seeded_task, unseeded_task], ids=lambda t: t.__name__)
def test_engine_seeded_from_clock_or_os_fails_determinism(toy, task):
    with pytest.raises(AssertionError, match="not bit-identical"):
        checks.check_same_seed_same_bits(broken(toy, task=task))


def test_line_engine_ignoring_its_entropy_fails_determinism():
    # The real line engine behind a wrapper that draws fresh entropy from the clock.
    def clock_seeded(inputs, n, *, entropy, **kwargs):
        return LINE.run(inputs, n, entropy=time.time_ns(), **kwargs)

    with pytest.raises(AssertionError, match="not bit-identical"):
        checks.check_same_seed_same_bits(dataclasses.replace(LINE, run=clock_seeded))


def test_engine_with_a_fixed_seed_fails_determinism(toy):
    def fixed_seed(n, chunk_size, entropy):
        return plan_chunks(n, chunk_size, 12345)

    with pytest.raises(AssertionError, match="does not reach the random streams"):
        checks.check_same_seed_same_bits(broken(toy, plan=fixed_seed))


def thread_seeded_task(mean, chunk):
    x = np.random.default_rng(threading.get_ident()).normal(mean, 1.0, chunk.n_reps)
    return toy_summary(x)


def test_engine_seeded_from_its_worker_fails_backend_check(toy):
    case = broken(toy, task=thread_seeded_task)
    with pytest.raises(AssertionError, match="threads vs serial"):
        checks.check_backend_same_bits(case, chunk_mapper("threads", workers=2), "threads")


# ------------------------------------------------------------------------ chunking


_calls = {"n": 0}


def stateful_task(mean, chunk):
    """Draws depend on how many chunks this process ran before: not self-contained."""
    _calls["n"] += 1
    x = np.random.default_rng([chunk.seed.entropy, _calls["n"]]).normal(mean, 1.0, chunk.n_reps)
    return toy_summary(x)


def test_engine_with_hidden_state_between_chunks_fails_self_containment(toy):
    with pytest.raises(AssertionError, match="re-run from its pickled argument"):
        checks.check_chunks_self_contained(broken(toy, task=stateful_task))


def test_chunk_seeds_depending_on_the_number_of_chunks_fail_appending(toy):
    def plan_by_count(n, chunk_size, entropy):
        return plan_chunks(n, chunk_size, entropy + -(-n // chunk_size))

    with pytest.raises(AssertionError, match="chunk 0 of 3 vs of 5"):
        checks.check_appending_chunks(broken(toy, plan=plan_by_count))


def test_result_depending_on_chunk_size_fails_statistical_check(toy):
    # The mean shifts by 0.05 per replication of the chunk: 2.0 with chunks of 40, 1.25
    # with chunks of 25. The difference, 0.75, is 3 bounds: the standard error of the
    # difference is 0.07 (400 draws of sd 1 per run) and the bound t(1 - 0.001/4) x 0.07
    # = 0.25.
    case = broken(toy, task=functools.partial(toy_task, shift_per_rep=0.05))
    with pytest.raises(AssertionError, match="beyond the Monte Carlo error"):
        checks.check_chunk_size_statistical(case)


def test_chunk_size_check_for_unchunked_randomness_is_exact(toy):
    # A toy whose chunk size re-partitions streams fails the exact check.
    with pytest.raises(AssertionError, match="chunk size 40 vs 25"):
        checks.check_chunk_size_exact(toy)


def test_engine_ignoring_done_fails_resume(toy):
    def rerun_everything(mean, n, *, done=None, **kwargs):
        return toy_run(mean, n, **kwargs)

    with pytest.raises(AssertionError, match="resumed run reported chunks"):
        checks.check_resume(dataclasses.replace(toy, run=rerun_everything))


# ------------------------------------------------------------------------- merging


@dataclass(frozen=True, eq=False)
class FirstWinsMinimum(MomentSummary):
    """A merge that keeps the left operand's minimum: not commutative."""

    def merge(self, other):
        merged = MomentSummary.merge(self, other)
        return FirstWinsMinimum(merged.count, merged.mean, merged.m2, self.minimum.copy(),
                                merged.maximum.copy())


def test_non_commutative_merge_fails_merge_check(toy):
    def first_wins(chunk):
        m = chunk["moments"]
        return FirstWinsMinimum(m.count, m.mean.copy(), m.m2.copy(), m.minimum.copy(),
                                m.maximum.copy())

    case = dataclasses.replace(toy, chunk_summary=first_wins, summary=None)
    with pytest.raises(AssertionError, match="not commutative"):
        checks.check_merge_any_order(case)


def test_run_summary_that_is_not_the_fold_of_its_chunks_fails_merge_check(toy):
    def moments_lost(result):
        return {**result.summary, "moments": MomentSummary.empty(2)}

    with pytest.raises(AssertionError, match="chunk-order fold vs the run's summary"):
        checks.check_merge_any_order(dataclasses.replace(toy, summary=moments_lost))


def test_merge_tolerance_is_tight():
    # A mean off by 1e-9 relative is a wrong merge, not rounding.
    a = MomentSummary.from_samples(np.arange(10.0))
    off = MomentSummary(a.count, a.mean * (1 + 1e-9), a.m2.copy(), a.minimum.copy(),
                        a.maximum.copy())
    checks.assert_merged_equal(a, a, "same")
    with pytest.raises(AssertionError, match="beyond 1e-12 relative"):
        checks.assert_merged_equal(a, off, "off")
    wrong_count = MomentSummary(a.count + 1, a.mean.copy(), a.m2.copy(), a.minimum.copy(),
                                a.maximum.copy())
    with pytest.raises(AssertionError, match="count not exact"):
        checks.assert_merged_equal(a, wrong_count, "count")


# ------------------------------------------------------------------ documented columns


def test_undocumented_column_fails_column_check(toy):
    def extra_column(result):
        return toy_table(result).assign(p_value=0.5)

    with pytest.raises(AssertionError, match="p_value"):
        checks.check_documented_columns(dataclasses.replace(toy, table=extra_column))


def test_docs_unit_differing_from_the_engine_fails_column_check(toy):
    case = dataclasses.replace(toy, columns={**toy.columns, "mean": "USD"})
    with pytest.raises(AssertionError, match="documents"):
        checks.check_documented_columns(case)


def test_statistic_missing_from_the_docs_fails_column_check(toy, tmp_path):
    page = tmp_path / "short.md"
    page.write_text(TOY_DOCS.replace("`draw` or `positive`", "`draw`"), encoding="utf-8")
    with pytest.raises(AssertionError, match="does not name"):
        checks.check_documented_columns(dataclasses.replace(toy, docs=(str(page),
                                                                       "## Outputs")))


def test_docs_names_expand_braces_and_placeholders():
    patterns = checks.documented_names("`cost_{materials,qc}_usd` and `failure_events:<mode>`")
    for name in ("cost_materials_usd", "cost_qc_usd", "failure_events:press"):
        assert any(p.match(name) for p in patterns), name
    for name in ("cost_energy_usd", "failure_events:", "cost_qc_usd_x"):
        assert not any(p.match(name) for p in patterns), name


# ------------------------------------------------------------------------- bad inputs


def test_bad_input_with_plain_value_error_fails(toy):
    def value_error(mean, n, **kwargs):
        if n < 1:
            raise ValueError(f"n_draws = {n!r}, must be an integer >= 1")
        return toy_run(mean, n, **kwargs)

    with pytest.raises(AssertionError, match="not UserInputError"):
        checks.check_bad_inputs(dataclasses.replace(toy, run=value_error))


def test_bad_input_accepted_or_unnamed_fails(toy):
    accepted = dataclasses.replace(toy, bad_inputs=(BadInput("n_draws", {"n": 3}),))
    with pytest.raises(AssertionError, match="was accepted"):
        checks.check_bad_inputs(accepted)
    unnamed = dataclasses.replace(toy, bad_inputs=(BadInput("n_replications", {"n": 0}),))
    with pytest.raises(AssertionError, match="does not name 'n_replications'"):
        checks.check_bad_inputs(unnamed)
