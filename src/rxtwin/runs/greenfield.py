"""The ``econ.greenfield`` run kind: a new line (or a new product) appraised arm by arm.

Composes the line simulator (:class:`rxtwin.runs.econ.LinePerformances`: every arm's line
simulated with the same entropy), the bundled appraisal terms
(:func:`rxtwin.runs.econ.bundled_appraisal_terms`) and the greenfield engine
(:func:`rxtwin.econ.greenfield.appraise_greenfield`):

* :func:`appraise_greenfield` -- simulate the arms and appraise them (Python API);
* :func:`greenfield_sensitivity` -- a tornado (or Sobol', Morris) of one arm's incremental
  NPV over the scenario's ``uncertain`` parameters
  (:func:`rxtwin.uq.technology.npv_sensitivity`);
* :class:`GreenfieldParams`, :func:`check_greenfield`, :func:`resolve_greenfield`,
  :func:`run_greenfield` (one chunk per arm: its simulated year; resumable),
  :func:`greenfield_figures` -- the run kind, registered in :mod:`rxtwin.runs.kinds`;
* :func:`run_greenfield_table` -- what ``rxtwin econ SCENARIO --greenfield`` does: the same
  run, created and executed in the store;
* :func:`run_greenfield_sensitivity_table` -- ``rxtwin sensitivity SCENARIO --greenfield``;
* :func:`greenfield_docs_tables` -- the tables ``docs/econ.md`` quotes, recomputed by a test.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from pydantic import Field

from rxtwin.econ import greenfield
from rxtwin.econ.greenfield import GreenfieldAppraisal, GreenfieldCase
from rxtwin.errors import InputError, Problem, UserInputError
from rxtwin.model.base import WholeNumber
from rxtwin.model.performance import LinePerformance
from rxtwin.model.scenario import Scenario
from rxtwin.runs.compute_setting import SERIAL, ComputeSetting
from rxtwin.runs.econ import (
    SENSITIVITY_METHODS,
    SENSITIVITY_RUN_KIND,
    SENSITIVITY_TABLE,
    EconTableRun,
    LinePerformances,
    bundled_appraisal_terms,
    record_econ_table_run,
    store_econ_table,
)
from rxtwin.runs.params import ProgressCallback, RunParams, fresh_seed
from rxtwin.stats.chunks import ChunkMapper, map_serial
from rxtwin.store import Store
from rxtwin.uq import technology as uq_technology

__all__ = [
    "DOCS_CASES",
    "DOCS_ENTROPY",
    "DOCS_REPLICATIONS",
    "DOCS_SCENARIO",
    "GREENFIELD_RUN_KIND",
    "GREENFIELD_TABLE",
    "GreenfieldParams",
    "GreenfieldRun",
    "appraise_greenfield",
    "check_greenfield",
    "greenfield_docs_tables",
    "greenfield_figures",
    "greenfield_markdown",
    "greenfield_sensitivity",
    "resolve_greenfield",
    "run_greenfield",
    "run_greenfield_sensitivity_table",
    "run_greenfield_table",
    "tornado_markdown",
    "worked_example_markdown",
]

GREENFIELD_RUN_KIND = "econ.greenfield"
GREENFIELD_TABLE = "greenfield"
"""Table of a greenfield run: :meth:`rxtwin.econ.greenfield.GreenfieldAppraisal.table`."""

_MAX_REPLICATIONS = 100_000


def appraise_greenfield(
    scenario: Scenario,
    *,
    line_id: str | None = None,
    technology_ids: Sequence[str] | None = None,
    reference_tech_id: str = "batch",
    case: GreenfieldCase | str = GreenfieldCase.NEW_LINE,
    horizon_yr: int | None = None,
    n_replications: int = 400,
    entropy: int = 0,
    map_chunks: ChunkMapper = map_serial,
    performances: dict[str, LinePerformance] | None = None,
) -> GreenfieldAppraisal:
    """Simulate each arm's line and appraise building it anew.

    :func:`rxtwin.econ.greenfield.appraise_greenfield` with the bundled terms and the
    performances of :class:`rxtwin.runs.econ.LinePerformances` (``n_replications`` each,
    the same ``entropy`` for every arm, chunks run by ``map_chunks``), or the
    ``performances`` given (no simulation then). ``line_id`` defaults to the scenario's
    first line, ``technology_ids`` to every technology of the scenario; ``horizon_yr``
    [yr] to the scenario's.
    """
    line_id = line_id or scenario.lines[0].id
    ids = list(dict.fromkeys([reference_tech_id, *(technology_ids if technology_ids
                                                   else [t.id for t in scenario.technologies])]))
    if performances is None:
        performances = LinePerformances(line_id, n_replications, entropy, map_chunks)(
            scenario, ids)
    return greenfield.appraise_greenfield(
        scenario, line_id, ids, performances, bundled_appraisal_terms(),
        reference_tech_id=reference_tech_id, case=case, horizon_yr=horizon_yr)


def greenfield_sensitivity(
    scenario: Scenario,
    method: str = "tornado",
    *,
    line_id: str | None = None,
    option_tech_id: str = "continuous",
    reference_tech_id: str = "batch",
    case: GreenfieldCase | str = GreenfieldCase.NEW_LINE,
    n: int = 16,
    rng: np.random.Generator,
    n_replications: int = 200,
    entropy: int = 0,
    map_chunks: ChunkMapper = map_serial,
) -> pd.DataFrame:
    """Sensitivity of the greenfield incremental NPV of ``option_tech_id`` against
    ``reference_tech_id`` to the scenario's ``uncertain`` parameters.

    :func:`rxtwin.uq.technology.npv_sensitivity` (``method`` sobol, morris or tornado) of
    :func:`rxtwin.econ.greenfield.greenfield_npv_usd`, with line simulations of
    ``n_replications`` per technology and the same ``entropy`` everywhere; a parameter
    only the cash flows read (``new_lines``, capex, installation, filing, the hurdle rate)
    re-simulates nothing. The table's columns are those of the uq function (a tornado:
    ``parameter``, ``low_value``, ``high_value``, ``output_base``, ``output_low``,
    ``output_high``, ``swing``; outputs in USD).
    """
    if method not in SENSITIVITY_METHODS:
        raise UserInputError(f"method = {method!r} is unknown; must be one of "
                             f"{', '.join(SENSITIVITY_METHODS)}")
    line_id = line_id or scenario.lines[0].id
    per_sample = method != "tornado"
    outcome = functools.partial(
        greenfield.greenfield_npv_usd, line_id=line_id, option_tech_id=option_tech_id,
        reference_tech_id=reference_tech_id, terms=bundled_appraisal_terms(),
        case=GreenfieldCase(case))
    performances_at = LinePerformances(line_id, n_replications, entropy,
                                       map_serial if per_sample else map_chunks)
    return uq_technology.npv_sensitivity(
        scenario, method, performances_at, outcome,
        technology_ids=[reference_tech_id, option_tech_id], n=n, rng=rng,
        map_chunks=map_chunks if per_sample else map_serial)


# ------------------------------------------------------------------ the run kind


class GreenfieldParams(RunParams):
    """A new line (or a new product) appraised arm by arm (``econ.greenfield``).

    Every arm builds the line anew and pays its own capex, training and filings; each arm
    is appraised alone at the firm's hurdle rate and against the reference arm. The run of
    ``rxtwin econ SCENARIO --greenfield --db``, which stores the same table for the same
    inputs.
    """

    line_id: str | None = Field(None, description="line id (empty = the scenario's first "
                                "line)")
    technologies: list[str] = Field(
        default_factory=list, description="arms, technology ids (empty = every technology "
        "of the scenario)")
    reference: str = Field("batch", description="reference arm the others are compared "
                           "with (a new batch train by default)")
    case: GreenfieldCase = Field(GreenfieldCase.NEW_LINE, description="new_line (the line "
                                 "is new) or new_product (the product too: it sells once "
                                 "developed and the line installed)")
    horizon_yr: WholeNumber | None = Field(None, ge=1, le=50, description="last year "
                                           "appraised [yr] (empty = the scenario's)")
    n_replications: WholeNumber = Field(400, ge=1, le=_MAX_REPLICATIONS,
                                        description="replication-years per arm")
    seed: WholeNumber = Field(default_factory=fresh_seed, ge=0,
                              description="root seed of every arm's simulation (the same: "
                              "common random numbers)")


def check_greenfield(scenario: Scenario, params: GreenfieldParams) -> list[Problem]:
    """Ids the scenario lacks, and a horizon no arm can operate within."""
    lines = [line.id for line in scenario.lines]
    if not lines:
        return [Problem("<params>", "line_id", params.line_id,
                        f"scenario '{scenario.name}' has no lines")]
    if params.line_id is not None and params.line_id not in lines:
        return [Problem("<params>", "line_id", params.line_id,
                        f"no such line; choose one of {', '.join(lines)}")]
    known = [t.id for t in scenario.technologies]
    problems = [Problem("<params>", field, tid,
                        f"no such technology; choose from {', '.join(known)}")
                for field, ids in (("reference", [params.reference]),
                                   ("technologies", params.technologies))
                for tid in ids if tid not in known]
    if problems:
        return problems
    horizon = params.horizon_yr or scenario.horizon_yr
    for tid in dict.fromkeys([params.reference, *(params.technologies or known)]):
        arm = greenfield.new_line_arm(scenario, tid)
        lead = greenfield.lead_time_months(arm, params.case)
        if math.ceil(lead / 12 - 1e-12) >= horizon:
            problems.append(Problem(
                "<params>", "horizon_yr", horizon,
                f"arm '{tid}' sells only after {lead:g} months; the horizon must be longer "
                f"than {math.ceil(lead / 12 - 1e-12)} years"))
    return problems


def resolve_greenfield(scenario: Scenario, params: GreenfieldParams) -> GreenfieldParams:
    """Checked parameters with the line (the scenario's first), the arms (every
    technology, the reference first) and the horizon (the scenario's) filled in."""
    ids = list(dict.fromkeys([params.reference, *(params.technologies
                                                  or [t.id for t in scenario.technologies])]))
    return GreenfieldParams.model_validate({
        **params.model_dump(), "line_id": params.line_id or scenario.lines[0].id,
        "technologies": ids, "horizon_yr": params.horizon_yr or scenario.horizon_yr})


def greenfield_n_chunks(params: GreenfieldParams) -> int:
    """One chunk per arm (its simulated year); the reference is an arm."""
    return len(dict.fromkeys([params.reference, *params.technologies]))


def _arm_record(scenario: Scenario, line_id: str, n_replications: int, entropy: int,
                technology_id: str) -> dict:
    """One arm's simulated year, as the JSON-safe chunk a greenfield run records: the
    :class:`~rxtwin.model.performance.LinePerformance` of ``technology_id`` (NaN as null)
    with the technology's id (a module-level task, so process pools and Dask can run it)."""
    performance = LinePerformances(line_id, n_replications, entropy)(
        scenario, [technology_id])[technology_id]
    return {"technology": technology_id,
            **{k: (None if isinstance(v, float) and math.isnan(v) else v)
               for k, v in dataclasses.asdict(performance).items()}}


def run_greenfield(scenario: Scenario, params: GreenfieldParams, store: Store, run_id: str,
                   progress: ProgressCallback, *, compute: ComputeSetting = SERIAL,
                   ) -> pd.DataFrame:
    """Simulate each arm into a started run (chunk ``i`` = arm ``i``'s
    :class:`~rxtwin.model.performance.LinePerformance`, skipped when already recorded, so an
    interrupted run resumes; the arms run where ``compute`` says), appraise them all and
    store :data:`GREENFIELD_TABLE`. Returns the table."""
    p = resolve_greenfield(scenario, params)
    ids = list(dict.fromkeys([p.reference, *p.technologies]))

    def record(index: int, arm: dict) -> None:
        store.record_chunk(run_id, index, arm)
        progress(len(store.done_chunk_indices(run_id)), len(ids))

    compute.map_chunks()(
        functools.partial(_arm_record, scenario, p.line_id, p.n_replications, p.seed), ids,
        done=store.chunk_summaries(run_id), on_chunk_done=record)
    records = store.chunk_summaries(run_id)
    performances = {}
    for index, tid in enumerate(ids):
        record = dict(records[index])
        record.pop("technology")
        performances[tid] = LinePerformance(**{k: (math.nan if v is None else float(v))
                                               for k, v in record.items()})
    result = appraise_greenfield(scenario, line_id=p.line_id, technology_ids=ids,
                                 reference_tech_id=p.reference, case=p.case,
                                 horizon_yr=p.horizon_yr, performances=performances)
    table = result.table()
    store_econ_table(store, run_id, GREENFIELD_TABLE, table)
    return table


def greenfield_figures(store: Store, run_id: str, scenario: Scenario | None,
                       params: GreenfieldParams) -> dict[str, go.Figure]:
    """Each arm's NPV at the hurdle and its NPV against the reference, as bars [USD]."""
    if GREENFIELD_TABLE not in store.list_summaries(run_id):
        return {}
    table = store.get_summary(run_id, GREENFIELD_TABLE)
    figure = go.Figure([
        go.Bar(name="NPV of the arm", x=table["technology"], y=table["npv_usd"]),
        go.Bar(name=f"NPV against {params.reference}", x=table["technology"],
               y=table["incremental_npv_usd"])])
    figure.update_layout(barmode="group", yaxis_title="NPV at the firm's hurdle rate [USD]",
                         xaxis_title="technology of the new line",
                         title=f"New line ({params.case.value}): NPV at the hurdle rate of "
                               "each arm, and against the reference")
    return {"greenfield": figure}


@dataclass(frozen=True)
class GreenfieldRun:
    """Result of :func:`run_greenfield_table`: the stored run and its table."""

    run_id: str
    params: GreenfieldParams
    table: pd.DataFrame


def run_greenfield_table(store: Store, scenario: Scenario, params: GreenfieldParams,
                         progress: ProgressCallback = lambda done, total: None, *,
                         compute: ComputeSetting = SERIAL) -> GreenfieldRun:
    """Create an :data:`GREENFIELD_RUN_KIND` run with ``params`` (checked and resolved
    against ``scenario``) and execute it (``rxtwin econ SCENARIO --greenfield``): the run
    the web app's ``econ.greenfield`` kind makes for the same parameters.

    Raises
    ------
    rxtwin.errors.InputError
        A parameter the scenario refutes (:func:`check_greenfield`).
    """
    problems = check_greenfield(scenario, params)
    if problems:
        raise InputError(problems)
    resolved = resolve_greenfield(scenario, params)
    digest = store.put_scenario(scenario.document(), scenario.name)
    run_id = store.create_run(GREENFIELD_RUN_KIND, digest, resolved.model_dump(mode="json"),
                              resolved.seed)
    store.start_run(run_id)
    start = time.perf_counter()
    try:
        run_greenfield(scenario, resolved, store, run_id, progress, compute=compute)
    except BaseException as error:
        store.fail_run(run_id, f"{type(error).__name__}: {error}"[:2000])
        raise
    store.finish_run(run_id, time.perf_counter() - start)
    # the stored table (infinite values as NaN), as the web app shows it
    return GreenfieldRun(run_id, resolved, store.get_summary(run_id, GREENFIELD_TABLE))


def run_greenfield_sensitivity_table(
    store: Store, scenario: Scenario, *, method: str, option_tech_id: str,
    reference_tech_id: str, line_id: str, case: GreenfieldCase | str, n: int,
    n_replications: int = 200, seed: int = 0, compute: ComputeSetting = SERIAL,
) -> EconTableRun:
    """:func:`greenfield_sensitivity` kept as an ``econ.sensitivity`` run (``rxtwin
    sensitivity SCENARIO --greenfield``), ``seed`` as both the sampling seed and the
    simulations' entropy, chunks run where ``compute`` says; the stored parameters say
    ``greenfield`` and the case."""
    start = time.perf_counter()
    frame = greenfield_sensitivity(
        scenario, method, line_id=line_id, option_tech_id=option_tech_id,
        reference_tech_id=reference_tech_id, case=case, n=n,
        rng=np.random.default_rng(seed), n_replications=n_replications, entropy=seed,
        map_chunks=compute.map_chunks())
    params = {"technology": option_tech_id, "baseline": reference_tech_id,
              "line_id": line_id, "method": method, "n": n,
              "n_replications": n_replications, "greenfield": True,
              "case": GreenfieldCase(case).value}
    run_id = record_econ_table_run(store, scenario, SENSITIVITY_RUN_KIND, params, seed,
                                   SENSITIVITY_TABLE, frame, time.perf_counter() - start)
    return EconTableRun(run_id, SENSITIVITY_TABLE, frame)


# ------------------------------------------------------------------ the docs' figures

DOCS_SCENARIO = "high_volume_single_product"
DOCS_ENTROPY = 20230601
DOCS_REPLICATIONS = 400
DOCS_CASES = (GreenfieldCase.NEW_LINE, GreenfieldCase.NEW_PRODUCT)
_DOCS_START = "<!-- greenfield:{name}:start -->"
_DOCS_END = "<!-- greenfield:{name}:end -->"


def _musd(value: float) -> str:
    return f"{value / 1e6:,.2f}"


def _pct(value: float) -> str:
    return "n/a" if not math.isfinite(value) else f"{value:.1%}"


def _yr(value: float) -> str:
    return "never" if math.isinf(value) else "n/a" if math.isnan(value) else f"{value:.1f}"


def greenfield_markdown(table: pd.DataFrame) -> str:
    """A :data:`GREENFIELD_TABLE` as the markdown table of ``docs/econ.md`` (MUSD, %/yr,
    years)."""
    lines = ["| arm | capex [MUSD] | first sale [yr] | operating profit [MUSD/yr] | "
             "NPV [MUSD] | IRR | payback [yr] | accept | vs reference [MUSD] |",
             "|---|---:|---:|---:|---:|---:|---:|---|---:|"]
    for _, r in table.iterrows():
        vs = "reference" if r["technology"] == r["reference"] else _musd(
            r["incremental_npv_usd"])
        lines.append(
            f"| {r['technology']} | {_musd(r['capex_usd'])} | {int(r['first_operating_yr'])} | "
            f"{_musd(r['operating_profit_usd_per_yr'])} | {_musd(r['npv_usd'])} | "
            f"{_pct(r['irr'])} | {_yr(r['payback_yr'])} | {'yes' if r['accept'] else 'no'} | "
            f"{vs} |")
    return "\n".join(lines)


def tornado_markdown(frame: pd.DataFrame) -> str:
    """A tornado table (:func:`greenfield_sensitivity`) as markdown, MUSD, largest swing
    first."""
    lines = ["| parameter | low → high | NPV at low [MUSD] | NPV at high [MUSD] | "
             "swing [MUSD] |", "|---|---|---:|---:|---:|"]
    for _, r in frame.iterrows():
        lines.append(f"| `{r['parameter']}` | {r['low_value']:.4g} → {r['high_value']:.4g} | "
                     f"{_musd(r['output_low'])} | {_musd(r['output_high'])} | "
                     f"{_musd(r['swing'])} |")
    return "\n".join(lines)


def worked_example_markdown(appraisal: GreenfieldAppraisal, technology_id: str) -> str:
    """The incremental cash flows of ``technology_id`` against the reference by year, as the
    worked example of ``docs/econ.md`` (MUSD): one-off costs (capex, training, filings),
    operating cash flow (every operating line), tax (income tax and salvage tax), the net
    flow, its discount factor at the hurdle and its present value; the last row sums the
    present values (the incremental NPV)."""
    flows = appraisal.incremental_cash_flows(technology_id)
    rate = appraisal.profile.hurdle_rate
    one_off = flows["capex_usd"] + flows["training_usd"] + flows["regulatory_filing_usd"]
    tax = flows["income_tax_usd"] + flows["salvage_tax_usd"]
    operating = flows["net_cash_flow_usd"] - one_off - tax
    lines = ["| year | one-off [MUSD] | operating [MUSD] | tax [MUSD] | net [MUSD] | "
             f"1/(1+{rate:g})^t | PV [MUSD] |", "|---:|---:|---:|---:|---:|---:|---:|"]
    total = 0.0
    for t in range(len(flows)):
        factor = (1.0 + rate) ** -t
        pv = flows["net_cash_flow_usd"].iloc[t] * factor
        total += pv
        lines.append(f"| {t} | {_musd(one_off.iloc[t])} | {_musd(operating.iloc[t])} | "
                     f"{_musd(tax.iloc[t])} | {_musd(flows['net_cash_flow_usd'].iloc[t])} | "
                     f"{factor:.4f} | {_musd(pv)} |")
    lines.append(f"| NPV | | | | | | **{_musd(total)}** |")
    return "\n".join(lines)


def _wrapped(name: str, body: str) -> str:
    return f"{_DOCS_START.format(name=name)}\n{body}\n{_DOCS_END.format(name=name)}"


def greenfield_docs_tables(map_chunks: ChunkMapper = map_serial) -> dict[str, str]:
    """The tables ``docs/econ.md`` quotes in "Greenfield: a new line or a new product",
    each between its markers: ``new_line`` and ``new_product`` (every arm of
    :data:`DOCS_SCENARIO`, :data:`DOCS_REPLICATIONS` replication-years each, entropy
    :data:`DOCS_ENTROPY`), ``worked`` (:func:`worked_example_markdown` of continuous
    against batch, new line) and ``tornado`` (continuous against batch, new line, same
    replications and entropy).

    Returns
    -------
    dict of str to str
        Name -> the markdown block, markers included.
    """
    from rxtwin.data.scenarios import load_scenario

    scenario = load_scenario(DOCS_SCENARIO)
    ids = [t.id for t in scenario.technologies]
    line_id = scenario.lines[0].id
    performances = LinePerformances(line_id, DOCS_REPLICATIONS, DOCS_ENTROPY, map_chunks)(
        scenario, ids)
    appraisals = {case: appraise_greenfield(scenario, technology_ids=ids, case=case,
                                            performances=performances) for case in DOCS_CASES}
    out = {case.value: _wrapped(case.value, greenfield_markdown(appraisal.table()))
           for case, appraisal in appraisals.items()}
    out["worked"] = _wrapped("worked", worked_example_markdown(
        appraisals[GreenfieldCase.NEW_LINE], "continuous"))
    tornado = greenfield_sensitivity(scenario, "tornado", rng=np.random.default_rng(
        DOCS_ENTROPY), n_replications=DOCS_REPLICATIONS, entropy=DOCS_ENTROPY,
        map_chunks=map_chunks)
    out["tornado"] = _wrapped("tornado", tornado_markdown(tornado))
    return out
