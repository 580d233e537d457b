"""The contract checks: plain functions of an :class:`~.engines.EngineCase` that raise
``AssertionError`` when the engine breaks the contract (so they can be run on broken
engines, ``test_contract_checks.py``).

What is invariant, and how exactly (docs/compute.md, rxtwin.stats.summaries):

* same entropy, same chunk size, any backend or worker count, resumed or not: every array
  of the result is bit-identical;
* appending chunks (same chunk size): the earlier chunks are bit-identical;
* another chunk size: for engines whose chunks carry their own streams, other numbers from
  the same distribution (checked statistically); for engines that draw before chunking,
  the same bits;
* merging: ``a.merge(b)`` equals ``b.merge(a)`` bit for bit; any order or grouping gives
  the same counts, minima, maxima and histograms exactly and the same means and sums of
  squared deviations to rounding (1e-12 relative), because floating-point addition is not
  associative.
"""

from __future__ import annotations

import dataclasses
import pickle
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from rxtwin.errors import UserInputError
from rxtwin.stats.chunks import ChunkMapper, map_serial
from rxtwin.stats.summaries import merge_all

ENTROPY = 20250611
REPO = Path(__file__).resolve().parents[2]
# Family-wise error rate of the statistical chunk-size check (Bonferroni over statistics).
ALPHA = 0.001
# Merges in another order or grouping agree to this relative tolerance (docs/compute.md:
# ~1e-15 relative is rounding; 1e-12 leaves room for long folds, not for a wrong merge).
MERGE_RTOL = 1e-12


# ------------------------------------------------------------------------ comparing results


def flatten(obj: Any, prefix: str = "") -> dict[str, np.ndarray]:
    """Every number and label of a result as named arrays (dataclasses, mappings,
    DataFrames and sequences are walked)."""
    out: dict[str, np.ndarray] = {}
    if isinstance(obj, pd.DataFrame):
        out[f"{prefix}.index"] = obj.index.to_numpy()
        out[f"{prefix}.columns"] = obj.columns.to_numpy()
        for column in obj.columns:
            out[f"{prefix}[{column}]"] = obj[column].to_numpy()
        out.update(flatten(dict(obj.attrs), f"{prefix}.attrs"))
    elif dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        for field in dataclasses.fields(obj):
            out.update(flatten(getattr(obj, field.name), f"{prefix}.{field.name}"))
    elif isinstance(obj, Mapping):
        out[f"{prefix}.keys"] = np.array([repr(k) for k in obj], dtype=object)
        for key, value in obj.items():
            out.update(flatten(value, f"{prefix}[{key!r}]"))
    elif isinstance(obj, list | tuple):
        out[f"{prefix}.len"] = np.array(len(obj))
        for i, value in enumerate(obj):
            out.update(flatten(value, f"{prefix}[{i}]"))
    else:
        out[prefix] = np.asarray(obj)
    return out


def _same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    if a.dtype != b.dtype or a.shape != b.shape:
        return False
    if a.dtype.kind == "O" or a.dtype.kind in "SU":
        return repr(a.tolist()) == repr(b.tolist())
    return np.ascontiguousarray(a).tobytes() == np.ascontiguousarray(b).tobytes()


def differences(first: Any, second: Any) -> list[str]:
    """Names of the arrays that differ in any bit between two results, with a sample."""
    a, b = flatten(first), flatten(second)
    if a.keys() != b.keys():
        return [f"fields differ: {sorted(a.keys() ^ b.keys())}"]
    out = []
    for key in a:
        if not _same_bits(a[key], b[key]):
            detail = ""
            if a[key].dtype.kind in "fiu" and a[key].shape == b[key].shape:
                with np.errstate(invalid="ignore"):
                    delta = np.abs(a[key].astype(float) - b[key].astype(float))
                detail = f" (max |difference| {np.nanmax(delta, initial=0.0):.3g})"
            out.append(f"{key}{detail}")
    return out


def assert_same_bits(first: Any, second: Any, what: str) -> None:
    """Every array of two results equal bit for bit (and ``equals`` where it exists)."""
    diff = differences(first, second)
    assert not diff, f"{what}: not bit-identical in {diff[:6]}"
    if hasattr(first, "equals") and not isinstance(first, pd.DataFrame):
        assert first.equals(second), f"{what}: equals() is False"


# ------------------------------------------------------------------------ running a case


class RecordingMapper:
    """A chunk mapper that runs serially and keeps the task, the chunk arguments and the
    chunk results (in chunk order) of every call."""

    def __init__(self, inner: ChunkMapper = map_serial):
        self.inner = inner
        self.calls: list[tuple[Callable, list, list]] = []

    def __call__(self, task, chunk_args, *, done=None, on_chunk_done=None):
        results = self.inner(task, chunk_args, done=done, on_chunk_done=on_chunk_done)
        self.calls.append((task, list(chunk_args), list(results)))
        return results


def run(case, inputs=None, **overrides):
    """Run ``case`` with the checks' defaults (entropy ``ENTROPY``, the case's ``n`` and
    chunk size, serial), overridden by keyword."""
    kwargs = dict(n=case.n, entropy=ENTROPY, chunk_size=case.chunk_size, map_chunks=map_serial)
    kwargs.update(overrides)
    return case.run(case.build() if inputs is None else inputs, **kwargs)


def run_recording(case, inputs=None, **overrides) -> tuple[Any, dict[int, Any]]:
    """Run and collect the chunk results reported through ``on_chunk_done``."""
    chunks: dict[int, Any] = {}

    def record(index, result):
        assert index not in chunks, f"{case.name}: on_chunk_done called twice for chunk {index}"
        chunks[index] = result

    return run(case, inputs, on_chunk_done=record, **overrides), chunks


# ------------------------------------------------------------------------------- checks


def check_same_seed_same_bits(case) -> None:
    """Two runs with the same entropy are bit-identical; another entropy changes them."""
    first = run(case)
    second = run(case)
    assert_same_bits(first, second, f"{case.name}: two runs with entropy {ENTROPY}")
    if case.summary is not None:  # the summary's own equals() agrees
        assert_same_bits(case.summary(first), case.summary(second), f"{case.name}: summaries")
    other = run(case, entropy=ENTROPY + 1)
    assert differences(first, other), (
        f"{case.name}: entropy {ENTROPY + 1} gave the same bits as {ENTROPY}; "
        "the entropy does not reach the random streams")


def check_backend_same_bits(case, map_chunks: ChunkMapper, backend: str) -> None:
    """A run on ``map_chunks`` is bit-identical to the serial run."""
    assert_same_bits(run(case, map_chunks=map_chunks), run(case),
                     f"{case.name}: {backend} vs serial")


def check_chunks_self_contained(case) -> None:
    """Each chunk's result depends only on its argument: the engine's chunk task and
    chunk arguments survive pickling (as processes and Dask need) and, run again on their
    own, reproduce the chunk's result bit for bit; ``on_chunk_done`` reports every chunk
    once with that result."""
    mapper = RecordingMapper()
    _, reported = run_recording(case, map_chunks=mapper)
    assert mapper.calls, f"{case.name}: the engine did not use map_chunks"
    for task, chunk_args, results in mapper.calls:
        assert len(chunk_args) >= 3, f"{case.name}: only {len(chunk_args)} chunks; make n larger"
        assert sorted(reported) == list(range(len(results))), (
            f"{case.name}: on_chunk_done reported chunks {sorted(reported)}")
        for i, (arg, result) in enumerate(zip(chunk_args, results, strict=True)):
            assert_same_bits(reported[i], result, f"{case.name}: chunk {i} as reported")
            task_copy, arg_copy = pickle.loads(pickle.dumps((task, arg)))
            assert_same_bits(task_copy(arg_copy), result,
                             f"{case.name}: chunk {i} re-run from its pickled argument")


def check_appending_chunks(case) -> None:
    """More chunks of the same size leave the earlier chunks bit-identical."""
    size = case.chunk_size
    _, short = run_recording(case, n=3 * size)
    _, long = run_recording(case, n=5 * size)
    assert len(short) == 3 and len(long) == 5, (len(short), len(long))
    for i in range(3):
        assert_same_bits(short[i], long[i], f"{case.name}: chunk {i} of 3 vs of 5")


def check_chunk_size_exact(case) -> None:
    """Engines that draw before chunking: any chunk size gives the same bits."""
    assert_same_bits(run(case), run(case, chunk_size=case.other_chunk_size),
                     f"{case.name}: chunk size {case.chunk_size} vs {case.other_chunk_size}")


def check_chunk_size_statistical(case, alpha: float = ALPHA) -> None:
    """Engines whose chunks carry their own streams: another chunk size re-partitions the
    streams, so the means agree within a Student-t bound.

    For every statistic ``j``: ``|m_a - m_b| <= t_{1 - alpha / (2 K), nu} sqrt(se_a^2 +
    se_b^2)`` with ``K`` statistics compared (Bonferroni) and ``nu`` the smaller degrees of
    freedom of the two. The two runs share entropy (chunk 0 starts from the same stream),
    so they are positively correlated and the bound is conservative; it still catches a
    result that depends on the chunk size by more than the Monte Carlo error.
    """
    a = run(case)
    b = run(case, chunk_size=case.other_chunk_size)
    mean_a, se_a, dof_a = (np.asarray(v, dtype=float) for v in case.estimates(a))
    mean_b, se_b, dof_b = (np.asarray(v, dtype=float) for v in case.estimates(b))
    defined_a, defined_b = np.isfinite(mean_a), np.isfinite(mean_b)
    assert np.array_equal(defined_a, defined_b), (
        f"{case.name}: statistics {np.flatnonzero(defined_a != defined_b).tolist()} are "
        "defined with one chunk size only")
    se = np.sqrt(se_a**2 + se_b**2)
    assert (defined_a & (se > 0)).any(), f"{case.name}: no statistic varies; nothing compared"
    k = int(defined_a.sum())
    dof = np.maximum(np.minimum(dof_a, dof_b), 1.0)
    bound = stats.t.ppf(1.0 - alpha / (2 * k), dof) * se
    scale = np.maximum(np.abs(mean_a), np.abs(mean_b))
    with np.errstate(invalid="ignore"):
        bad = defined_a & ~(np.abs(mean_a - mean_b) <= bound + 1e-12 * scale)
    assert not bad.any(), (
        f"{case.name}: chunk size {case.chunk_size} vs {case.other_chunk_size} changes "
        f"statistics {np.flatnonzero(bad).tolist()} beyond the Monte Carlo error: "
        f"means {mean_a[bad][:5]} vs {mean_b[bad][:5]}, bounds {bound[bad][:5]}")


def check_resume(case) -> None:
    """Resuming with ``done=`` some chunks gives the same bits and runs only the rest."""
    full, chunks = run_recording(case)
    n_chunks = len(chunks)
    assert n_chunks >= 3, f"{case.name}: only {n_chunks} chunks; make n larger"
    done = {i: chunks[i] for i in range(0, n_chunks, 2)}
    resumed, ran = run_recording(case, done=done)
    assert sorted(ran) == [i for i in range(n_chunks) if i not in done], (
        f"{case.name}: resumed run reported chunks {sorted(ran)}, done were {sorted(done)}")
    assert_same_bits(resumed, full, f"{case.name}: resumed vs uninterrupted")


def _merge_tree(summaries: list):
    """Merge as a balanced binary tree (another grouping than the left fold)."""
    while len(summaries) > 1:
        summaries = [merge_all(summaries[i:i + 2]) for i in range(0, len(summaries), 2)]
    return summaries[0]


def assert_merged_equal(reference: Any, other: Any, what: str) -> None:
    """Counts, minima, maxima, edges and histogram counts bit for bit; ``mean`` and
    ``m2`` of moment summaries to ``MERGE_RTOL`` relative (with an absolute floor of
    1e-15 of the data's magnitude, for means near 0)."""
    ref, got = flatten(reference), flatten(other)
    assert ref.keys() == got.keys(), f"{what}: fields differ"
    for key, want in ref.items():
        have = got[key]
        leaf = key.rsplit(".", 1)[-1]
        if leaf in ("mean", "m2") and want.dtype.kind == "f":
            parent = key[: -len(leaf)]
            magnitude = np.maximum(np.abs(ref[parent + "minimum"]), np.abs(ref[parent + "maximum"]))
            magnitude = np.where(np.isfinite(magnitude), magnitude, 0.0)
            floor = 1e-15 * (magnitude if leaf == "mean"
                             else ref[parent + "count"] * magnitude**2)
            assert have.shape == want.shape, f"{what}: {key} shape {have.shape}"
            excess = np.abs(have - want) - (MERGE_RTOL * np.abs(want) + floor)
            assert np.all(excess <= 0), (
                f"{what}: {key} differs by up to {np.max(np.abs(have - want)):.3g}, "
                f"beyond {MERGE_RTOL:g} relative")
        else:
            assert _same_bits(want, have), f"{what}: {key} not exact: {want} vs {have}"


def check_merge_any_order(case, n_permutations: int = 4) -> None:
    """Chunk summaries merge in any order and grouping to the same summary; folded in
    chunk order they are the run's own summary, bit for bit."""
    result, chunks = run_recording(case)
    summaries = [case.chunk_summary(chunks[i]) for i in range(len(chunks))]
    assert len(summaries) >= 3, f"{case.name}: only {len(summaries)} chunks"
    reference = merge_all(summaries)
    if case.summary is not None:
        assert_same_bits(reference, case.summary(result),
                         f"{case.name}: chunk-order fold vs the run's summary")
    for i in range(len(summaries) - 1):
        assert_same_bits(merge_all([summaries[i], summaries[i + 1]]),
                         merge_all([summaries[i + 1], summaries[i]]),
                         f"{case.name}: merge of chunks {i} and {i + 1} is not commutative")
    rng = np.random.default_rng(ENTROPY)
    orders = [list(range(len(summaries)))[::-1]]
    orders += [rng.permutation(len(summaries)).tolist() for _ in range(n_permutations)]
    for order in orders:
        assert_merged_equal(reference, merge_all([summaries[i] for i in order]),
                            f"{case.name}: merged in order {order}")
        assert_merged_equal(reference, _merge_tree([summaries[i] for i in order]),
                            f"{case.name}: merged as a tree in order {order}")


_TOKEN = re.compile(r"`([^`\n]+)`")
_BRACES = re.compile(r"\{([^{}]*,[^{}]*)\}")


def _expand(token: str) -> list[str]:
    """``cost_{a,b}_usd`` -> ``cost_a_usd``, ``cost_b_usd``."""
    match = _BRACES.search(token)
    if match is None:
        return [token]
    return [expanded for choice in match.group(1).split(",")
            for expanded in _expand(token[:match.start()] + choice.strip() + token[match.end():])]


def documented_names(page: str) -> list[re.Pattern]:
    """Every code token of a docs page, brace lists expanded, ``<placeholder>`` a
    wildcard."""
    patterns = []
    for token in _TOKEN.findall(page):
        for name in _expand(token):
            parts = re.split(r"<[^<>]+>", name)
            patterns.append(re.compile(".+".join(re.escape(p) for p in parts) + r"\Z"))
    return patterns


def docs_column_table(page: str, heading: str) -> dict[str, str]:
    """``{column: unit}`` from the first ``| column | unit | ... |`` table under the
    heading that starts with ``heading``."""
    lines = page.splitlines()
    starts = [i for i, line in enumerate(lines) if line.startswith("#")
              and line.startswith(heading)]
    assert starts, f"no heading starting with {heading!r}"
    rows: dict[str, str] = {}
    in_table = False
    for line in lines[starts[0] + 1:]:
        if line.startswith("#"):
            break
        if not line.startswith("|"):
            if in_table:
                break
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if not in_table:
            assert cells[:2] == ["column", "unit"], f"table under {heading!r}: header {cells}"
            in_table = True
            continue
        if set(cells[0]) <= set("-: "):
            continue
        match = re.fullmatch(r"`([^`]+)`", cells[0])
        assert match, f"table under {heading!r}: first cell {cells[0]!r} is not one `column`"
        rows[match.group(1)] = cells[1]
    assert rows, f"no | column | unit | table under {heading!r}"
    return rows


def check_documented_columns(case) -> None:
    """The result table has exactly the engine's documented columns, in order, each with a
    unit; the docs page lists the same columns with the same units; in long tables every
    statistic is named on the docs page."""
    table = case.table(run(case))
    columns = dict(case.columns)
    assert list(table.columns) == list(columns), (
        f"{case.name}: table columns {list(table.columns)} vs documented {list(columns)}")
    blank = [c for c, unit in columns.items() if not (isinstance(unit, str) and unit.strip())]
    assert not blank, f"{case.name}: columns without a unit: {blank}"
    page_path, heading = case.docs
    page = (REPO / page_path).read_text(encoding="utf-8")
    documented = docs_column_table(page, heading)
    assert documented == columns, (
        f"{case.name}: {page_path} documents {documented}, the engine {columns}")
    if case.names_column is not None:
        patterns = documented_names(page)
        names = pd.unique(table[case.names_column].astype(str))
        missing = [n for n in names if not any(p.match(n) for p in patterns)]
        assert not missing, f"{case.name}: {page_path} does not name {missing}"


def check_bad_inputs(case) -> None:
    """Each bad argument raises ``UserInputError`` whose message names the field and
    shows the value."""
    inputs = case.build()
    assert case.bad_inputs, f"{case.name}: no bad inputs listed"
    for bad in case.bad_inputs:
        try:
            run(case, inputs, **bad.changes)
        except UserInputError as error:
            message = str(error)
        except Exception as error:
            raise AssertionError(f"{case.name}: {dict(bad.changes)} raised "
                                 f"{type(error).__name__}({error}), not UserInputError") from error
        else:
            raise AssertionError(f"{case.name}: {dict(bad.changes)} was accepted")
        assert bad.field in message, (
            f"{case.name}: {dict(bad.changes)}: message {message!r} does not name {bad.field!r}")
        assert bad.value_text() in message, (
            f"{case.name}: {dict(bad.changes)}: message {message!r} does not show "
            f"{bad.value_text()!r}")
