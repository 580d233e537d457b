"""Technology appraisal: the line simulator feeding the investment-appraisal core.

Composition only (the models are in :mod:`rxtwin.line` and :mod:`rxtwin.econ`):

* :func:`line_performance_from_results` -- a simulated line year as a
  :class:`~rxtwin.econ.line_performance.LinePerformance` (USD and units per year);
* :func:`simulate_performances` -- every technology of a line simulated with the same
  entropy (common random numbers);
* :func:`appraise_technology` -- cash flows and NPV/IRR/payback of switching a line from
  the incumbent (``baseline``) to another technology, against the firm's hurdle and payback;
* :func:`required_subsidy` -- the capex-grant or ITC share at which that NPV is zero;
* :func:`breakeven_1d`, :func:`breakeven_map_2d` -- break-even values and maps;
* :func:`subsidy_distribution`, :func:`npv_sensitivity` -- the scenario's ``uncertain``
  parameters propagated to the required subsidy and to the NPV.

No file I/O, no printing: the CLI (:mod:`rxtwin.cli.econ`) presents and stores the results.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum

import numpy as np
import pandas as pd

from rxtwin.data.appraisal_defaults import load_appraisal_defaults
from rxtwin.data.econ_defaults import cash_flow_defaults
from rxtwin.econ.appraisal import Appraisal, appraise
from rxtwin.econ.breakeven import BreakevenBracketError, solve_breakeven
from rxtwin.econ.switch import SwitchCashFlows, technology_switch_cash_flows
from rxtwin.errors import UserInputError
from rxtwin.line.from_scenario import line_inputs_from_scenario
from rxtwin.line.performance import line_performance_from_results
from rxtwin.line.plan import InfeasiblePlanError
from rxtwin.line.simulate import simulate
from rxtwin.model import Scenario
from rxtwin.model.finance import FirmProfile
from rxtwin.model.performance import LinePerformance
from rxtwin.stats.chunks import ChunkMapper, map_serial

__all__ = [
    "BreakevenParam",
    "TechnologyAppraisal",
    "appraisal_table",
    "appraise_technology",
    "breakeven_1d",
    "breakeven_map_2d",
    "firm_profile_of",
    "line_performance_from_results",
    "npv_sensitivity",
    "required_subsidy",
    "simulate_performances",
    "subsidy_distribution",
    "with_demand_scale",
    "with_first_products",
]

DEFAULT_BREAKEVEN_REPLICATIONS = 200


# ----------------------------------------------------------------- simulator -> money


def simulate_performances(
    scenario: Scenario,
    line_id: str,
    technology_ids: Sequence[str],
    *,
    n_replications: int,
    entropy: int,
    map_chunks: ChunkMapper = map_serial,
    policy: str | None = None,
) -> dict[str, LinePerformance]:
    """Simulate ``line_id`` with each technology (same entropy for all: common random
    numbers) and return each one's :class:`LinePerformance`."""
    out = {}
    carrying = scenario.firm.inventory_carrying_rate_per_yr
    for tid in dict.fromkeys(technology_ids):
        inputs = line_inputs_from_scenario(scenario, line_id, technology_id=tid, policy=policy)
        results = simulate(inputs, n_replications, entropy=entropy,
                           map_chunks=map_chunks)
        out[tid] = line_performance_from_results(results, inputs, carrying)
    return out


# ------------------------------------------------------------------ the appraisal


def firm_profile_of(scenario: Scenario) -> FirmProfile:
    """The scenario firm's hurdle rate, payback limit and tax rate as a FirmProfile."""
    firm = scenario.firm
    return FirmProfile(name=f"{firm.profile} firm ({scenario.name})",
                       hurdle_rate=firm.hurdle_rate, payback_limit_yr=firm.payback_limit_yr,
                       tax_rate=firm.tax_rate)


@dataclass(frozen=True)
class TechnologyAppraisal:
    """Result of :func:`appraise_technology`.

    Attributes
    ----------
    option, baseline : str
        Technology ids: the candidate and the incumbent.
    cash_flows : SwitchCashFlows
        Option, baseline and incremental cash-flow tables (USD by year).
    appraisal : Appraisal
        Metrics of the incremental net cash flow at the firm's hurdle rate.
    option_performance, baseline_performance : LinePerformance
        Full-rate yearly line performance of both technologies.
    products_moved : int
        Products on the line, one regulatory filing each.
    """

    option: str
    baseline: str
    cash_flows: SwitchCashFlows
    appraisal: Appraisal
    option_performance: LinePerformance
    baseline_performance: LinePerformance
    products_moved: int

    @property
    def incremental(self) -> pd.DataFrame:
        """Incremental cash-flow table (option - baseline) [USD]."""
        return self.cash_flows.incremental

    @property
    def npv_usd(self) -> float:
        """Incremental NPV at the hurdle rate [USD]."""
        return self.appraisal.npv_usd

    @property
    def verdict(self) -> str:
        """The firm's verdict on switching."""
        return f"{self.option} vs {self.baseline}: {self.appraisal.verdict}"


def appraise_technology(
    scenario: Scenario,
    line_id: str,
    option_tech_id: str,
    baseline_tech_id: str = "batch",
    *,
    n_replications: int = 400,
    entropy: int = 0,
    map_chunks: ChunkMapper = map_serial,
    capex_grant_fraction: float = 0.0,
    itc_fraction: float = 0.0,
    profile: FirmProfile | None = None,
    performances: Mapping[str, LinePerformance] | None = None,
) -> TechnologyAppraisal:
    """Appraise switching a line from the incumbent technology to another.

    Parameters
    ----------
    scenario : Scenario
    line_id : str
    option_tech_id : str
        Candidate technology.
    baseline_tech_id : str
        Incumbent technology (default ``"batch"``); its capex is sunk.
    n_replications : int
        Simulator replications per technology [-].
    entropy : int
        Root seed; the same for both technologies (common random numbers).
    map_chunks
        Passed to :func:`rxtwin.line.simulate.simulate`.
    capex_grant_fraction, itc_fraction : float
        Subsidies [-].
    profile : FirmProfile, optional
        Criteria; default the scenario's firm (:func:`firm_profile_of`).
    performances : mapping, optional
        Precomputed performances by technology id (skips the simulation), e.g. from
        :func:`simulate_performances` or stored runs.

    Returns
    -------
    TechnologyAppraisal

    Notes
    -----
    Rules (``docs/econ.md``, "Technology appraisal"):

    1. Incumbent keeps running during installation: the new line runs from year
       ``ceil(install_time_months / 12) + 1`` (assumption).
    2. Ramp-up: linear over ``ramp_up_months``; the incumbent covers the shortfall
       (assumption; :func:`rxtwin.econ.line_performance.blend_performance`).
    3. Capex = technology ``capex_usd`` in equal parts at the start of each install year
       (assumption: even spending).
    4. Training = ``training_usd``, filings = ``filing_cost_usd_per_product`` x products on
       the line (FDA approves product by product: Wosińska et al. 2023, Session 3), both
       expensed in the last install year.
    5. Operating flows = option - baseline line performance, simulated with the same seed.
    6. Tax at ``firm.tax_rate`` on incremental profit; depreciation MACRS GDS 5-yr
       half-year (IRS Pub. 946 Table B-2, asset class 28.0; ``technology_appraisal.yaml``).
    7. Horizon ``scenario.horizon_yr``; salvage 0 (assumption, same file).
    8. Verdict: incremental NPV at the hurdle rate >= 0 and simple payback <= limit.
    """
    profile = profile or firm_profile_of(scenario)
    line = scenario.line(line_id)
    option = scenario.technology(option_tech_id)
    scenario.technology(baseline_tech_id)
    if performances is not None and not {option_tech_id, baseline_tech_id} <= set(performances):
        missing = sorted({option_tech_id, baseline_tech_id} - set(performances))
        raise UserInputError(f"performances lack technologies {missing}; simulate them with the "
                             "same seed as the others")
    if performances is None:
        performances = simulate_performances(
            scenario, line_id, [baseline_tech_id, option_tech_id],
            n_replications=n_replications, entropy=entropy, map_chunks=map_chunks)
    defaults = load_appraisal_defaults()
    products = len(line.product_ids)
    flows = technology_switch_cash_flows(
        performances[option_tech_id], performances[baseline_tech_id],
        horizon_yr=scenario.horizon_yr,
        install_time_months=option.install_time_months,
        ramp_up_months=option.ramp_up_months,
        capex_usd=option.capex_usd,
        training_usd=option.training_usd,
        filing_cost_usd_per_product=option.filing_cost_usd_per_product,
        products_moved=products,
        tax_rate=profile.tax_rate,
        depreciation_method=defaults.depreciation_method,
        depreciation_life_yr=defaults.depreciation_life_yr,
        **cash_flow_defaults(),
        salvage_value_usd=defaults.salvage_value_fraction * option.capex_usd,
        waste_disposal_usd_per_unit=defaults.waste_disposal_usd_per_unit,
        capex_grant_fraction=capex_grant_fraction,
        itc_fraction=itc_fraction,
    )
    result = appraise(flows.incremental["net_cash_flow_usd"].to_numpy(), profile)
    return TechnologyAppraisal(
        option=option_tech_id, baseline=baseline_tech_id, cash_flows=flows, appraisal=result,
        option_performance=performances[option_tech_id],
        baseline_performance=performances[baseline_tech_id], products_moved=products)


APPRAISAL_COLUMNS = ("technology", "baseline", "npv_usd", "irr", "payback_yr",
                     "discounted_payback_yr", "profitability_index", "meets_hurdle",
                     "meets_payback", "accept")


def appraisal_table(appraisals: Sequence[TechnologyAppraisal]) -> pd.DataFrame:
    """One row per appraisal, columns :data:`APPRAISAL_COLUMNS` (NPV in USD, IRR per yr,
    paybacks in yr, ``inf`` when never)."""
    return pd.DataFrame([{
        "technology": a.option, "baseline": a.baseline, "npv_usd": a.appraisal.npv_usd,
        "irr": a.appraisal.irr, "payback_yr": a.appraisal.payback_yr,
        "discounted_payback_yr": a.appraisal.discounted_payback_yr,
        "profitability_index": a.appraisal.profitability_index,
        "meets_hurdle": a.appraisal.meets_hurdle, "meets_payback": a.appraisal.meets_payback,
        "accept": a.appraisal.accept} for a in appraisals], columns=list(APPRAISAL_COLUMNS))


class SubsidyKind(StrEnum):
    """Subsidy solved for by :func:`required_subsidy`."""

    CAPEX_GRANT = "capex_grant_fraction"
    ITC = "itc_fraction"


def required_subsidy(appraisal: TechnologyAppraisal, scenario: Scenario, line_id: str,
                     kind: SubsidyKind | str = SubsidyKind.CAPEX_GRANT) -> float:
    """Smallest capex-grant or ITC share at which the incremental NPV at the hurdle is 0.

    Parameters
    ----------
    appraisal : TechnologyAppraisal
        Unsubsidised appraisal (its performances are reused: no new simulation).
    scenario : Scenario
        The scenario it was made from.
    line_id : str
    kind : {"capex_grant_fraction", "itc_fraction"}

    Returns
    -------
    float
        The share [-]; 0.0 if the NPV is already >= 0; ``inf`` if even a share of 1 leaves
        the NPV negative (no capex subsidy can pay for a yearly operating loss).

    Notes
    -----
    NPV rises monotonically with either share (``rxtwin.econ.breakeven``); solved with
    :func:`rxtwin.econ.breakeven.solve_breakeven` on [0, 1].
    """
    kind = SubsidyKind(kind)
    profile = appraisal.appraisal.profile
    perf = {appraisal.option: appraisal.option_performance,
            appraisal.baseline: appraisal.baseline_performance}

    def npv(fraction: float) -> float:
        return appraise_technology(scenario, line_id, appraisal.option, appraisal.baseline,
                                   profile=profile, performances=perf,
                                   **{kind.value: fraction}).npv_usd

    if npv(0.0) >= 0.0:
        return 0.0
    if npv(1.0) < 0.0:
        return math.inf
    return solve_breakeven(npv, 0.0, 1.0, xtol=1e-9)


# ------------------------------------------------------------------ scenario variants


def with_first_products(scenario: Scenario, line_id: str, n_products: int) -> Scenario:
    """The scenario with ``line_id`` making only its first ``n_products`` products."""
    line = scenario.line(line_id)
    if not 1 <= n_products <= len(line.product_ids):
        raise UserInputError(f"products_per_line = {n_products} must be within 1.."
                             f"{len(line.product_ids)} (the products of line '{line_id}')")
    document = scenario.document()
    for entry in document["lines"]:
        if entry["id"] == line_id:
            entry["product_ids"] = entry["product_ids"][:n_products]
    return Scenario.model_validate(document)


def with_demand_scale(scenario: Scenario, line_id: str, scale: float) -> Scenario:
    """The scenario with every product of ``line_id`` at ``scale`` x its yearly demand."""
    if not (math.isfinite(scale) and scale > 0):
        raise UserInputError(f"volume_scale = {scale} must be finite and > 0")
    on_line = set(scenario.line(line_id).product_ids)
    document = scenario.document()
    for entry in document["products"]:
        if entry["id"] in on_line:
            entry["demand_units_per_yr"] = entry["demand_units_per_yr"] * scale
    return Scenario.model_validate(document)


class BreakevenParam(StrEnum):
    """Parameters :func:`breakeven_1d` and :func:`breakeven_map_2d` can vary.

    ``products_per_line`` (first k products, integer; re-simulates), ``volume_scale``
    (every product's demand x s; re-simulates), ``price_scale`` (every price x s; revenue
    x s, exact because prices do not enter the simulator's decisions), ``capex_grant`` and
    ``itc`` (subsidy shares) and ``capex_scale`` (option capex x s) -- no re-simulation.
    """

    PRODUCTS_PER_LINE = "products_per_line"
    VOLUME_SCALE = "volume_scale"
    PRICE_SCALE = "price_scale"
    CAPEX_GRANT = "capex_grant"
    ITC = "itc"
    CAPEX_SCALE = "capex_scale"


_SIMULATED = {BreakevenParam.PRODUCTS_PER_LINE, BreakevenParam.VOLUME_SCALE}


@dataclass(frozen=True)
class _Study:
    """What every break-even evaluation shares."""

    scenario: Scenario
    line_id: str
    technology_ids: tuple[str, ...]
    baseline: str
    n_replications: int
    entropy: int
    map_chunks: ChunkMapper


def _scale_revenue(perf: LinePerformance, scale: float) -> LinePerformance:
    return replace(perf, revenue_usd=perf.revenue_usd * scale)


def _point_npvs(study: _Study, values: Mapping[BreakevenParam, float],
                cache: dict) -> dict[str, float]:
    """Incremental NPV of every option at one point of the parameter space."""
    scenario = study.scenario
    sim_key = tuple(sorted((p.value, float(v)) for p, v in values.items() if p in _SIMULATED))
    if sim_key not in cache:
        variant = scenario
        for param, value in values.items():
            if param is BreakevenParam.PRODUCTS_PER_LINE:
                variant = with_first_products(variant, study.line_id, int(round(value)))
        for param, value in values.items():
            if param is BreakevenParam.VOLUME_SCALE:
                variant = with_demand_scale(variant, study.line_id, value)
        perf = {}
        for tid in (study.baseline, *study.technology_ids):
            try:
                perf.update(simulate_performances(
                    variant, study.line_id, [tid], n_replications=study.n_replications,
                    entropy=study.entropy, map_chunks=study.map_chunks))
            except InfeasiblePlanError:  # this technology cannot make the demand: no value
                if tid == study.baseline:
                    break
        cache[sim_key] = (variant, perf)
    variant, perf = cache[sim_key]
    price = values.get(BreakevenParam.PRICE_SCALE, 1.0)
    perf = {tid: _scale_revenue(p, price) for tid, p in perf.items()}
    capex_scale = values.get(BreakevenParam.CAPEX_SCALE, 1.0)
    out = {}
    for tid in study.technology_ids:
        if tid not in perf or study.baseline not in perf:
            out[tid] = math.nan
            continue
        option_variant = variant
        if capex_scale != 1.0:
            document = variant.document()
            for entry in document["technologies"]:
                if entry["id"] == tid:
                    entry["capex_usd"] = entry["capex_usd"] * capex_scale
            option_variant = Scenario.model_validate(document)
        out[tid] = appraise_technology(
            option_variant, study.line_id, tid, study.baseline, performances=perf,
            capex_grant_fraction=values.get(BreakevenParam.CAPEX_GRANT, 0.0),
            itc_fraction=values.get(BreakevenParam.ITC, 0.0)).npv_usd
    return out


def breakeven_1d(
    scenario: Scenario,
    param: BreakevenParam | str,
    *,
    line_id: str | None = None,
    option_tech_id: str = "continuous",
    baseline_tech_id: str = "batch",
    lo: float | None = None,
    hi: float | None = None,
    n_replications: int = DEFAULT_BREAKEVEN_REPLICATIONS,
    entropy: int = 0,
    map_chunks: ChunkMapper = map_serial,
) -> float:
    """Value of ``param`` at which switching to ``option_tech_id`` breaks even.

    Parameters
    ----------
    scenario : Scenario
    param : BreakevenParam or str
        See :class:`BreakevenParam`.
    line_id : str, optional
        Default: the scenario's first line.
    option_tech_id, baseline_tech_id : str
        Candidate and incumbent technologies.
    lo, hi : float, optional
        Bracket (default: [1, n products] for products_per_line, [0, 1] for subsidies,
        [0.25, 4] for the scales).
    n_replications, entropy, map_chunks
        Line simulations at each evaluated point (same entropy everywhere).

    Returns
    -------
    float
        The break-even value: incremental NPV at the firm's hurdle rate = 0, i.e. the
        option just meets the hurdle *and* just equals the incumbent (the two conditions
        coincide because the incumbent's capex is sunk: NPV(option) - NPV(baseline) is the
        incremental NPV). For ``products_per_line`` the smallest or largest integer k at
        which the sign changes (the NPV is evaluated only at integers).

    Raises
    ------
    BreakevenBracketError
        No sign change of the NPV in the bracket.

    Notes
    -----
    :func:`rxtwin.econ.breakeven.solve_breakeven` (Brent) on the incremental NPV, which is
    monotone in the subsidies, capex and price; for the simulated parameters the same
    entropy at every point (common random numbers) keeps the NPV a smooth function up to
    Monte Carlo noise.
    """
    param = BreakevenParam(param)
    line_id = line_id or scenario.lines[0].id
    n_products = len(scenario.line(line_id).product_ids)
    default_bracket = {
        BreakevenParam.PRODUCTS_PER_LINE: (1.0, float(n_products)),
        BreakevenParam.CAPEX_GRANT: (0.0, 1.0), BreakevenParam.ITC: (0.0, 1.0),
    }.get(param, (0.25, 4.0))
    lo = default_bracket[0] if lo is None else lo
    hi = default_bracket[1] if hi is None else hi
    study = _Study(scenario, line_id, (option_tech_id,), baseline_tech_id, n_replications,
                   entropy, map_chunks)
    cache: dict = {}

    def npv(x: float) -> float:
        return _point_npvs(study, {param: x}, cache)[option_tech_id]

    if param is BreakevenParam.PRODUCTS_PER_LINE:
        ks = list(range(int(math.ceil(lo)), int(math.floor(hi)) + 1))
        values = [npv(float(k)) for k in ks]
        for k, a, b in zip(ks[1:], values[:-1], values[1:], strict=True):
            if np.sign(a) != np.sign(b):
                return float(k if b >= 0 else k - 1)
        raise BreakevenBracketError(
            f"no break-even for products_per_line in [{ks[0]}, {ks[-1]}]: incremental NPV "
            f"{values[0]:,.0f} USD at {ks[0]} and {values[-1]:,.0f} USD at {ks[-1]}, no sign "
            "change between")
    return solve_breakeven(npv, lo, hi, xtol=1e-6, rtol=1e-8)


def breakeven_map_2d(
    scenario: Scenario,
    param_x: BreakevenParam | str,
    values_x: Sequence[float],
    param_y: BreakevenParam | str,
    values_y: Sequence[float],
    *,
    line_id: str | None = None,
    technology_ids: Sequence[str] | None = None,
    baseline_tech_id: str = "batch",
    n_replications: int = DEFAULT_BREAKEVEN_REPLICATIONS,
    entropy: int = 0,
    map_chunks: ChunkMapper = map_serial,
    progress: Callable[[int, int], None] | None = None,
) -> pd.DataFrame:
    """Incremental NPV of every technology over a 2-D grid, and the winner per cell.

    Parameters
    ----------
    scenario : Scenario
    param_x, param_y : BreakevenParam or str
        Distinct parameters (see :class:`BreakevenParam`).
    values_x, values_y : sequence of float
        Grid values.
    line_id : str, optional
    technology_ids : sequence of str, optional
        Candidates (default every technology but the baseline).
    baseline_tech_id : str
    n_replications, entropy
        Line simulations per grid point (same entropy everywhere).
    map_chunks : ChunkMapper
        Runs the map's rows (:mod:`rxtwin.stats.chunks`; serial by default) (one task per x
        value; a row's simulations run serially inside its task).
    progress : callable, optional
        ``progress(done_points, total_points)``, called as rows finish.

    Returns
    -------
    pandas.DataFrame
        One row per (x, y, technology): columns ``param_x`` value, ``param_y`` value,
        ``technology``, ``npv_usd`` (incremental NPV at the hurdle rate vs the baseline;
        NaN where the option or the baseline cannot make the demand, i.e. its campaign plan
        is infeasible), ``winner`` (the technology with the
        highest NPV in the cell, or the baseline when no option has NPV >= 0;
        ``"infeasible"`` when no value exists).
    """
    px, py = BreakevenParam(param_x), BreakevenParam(param_y)
    if px is py:
        raise UserInputError(f"param_x and param_y are both '{px.value}'; give two parameters")
    line_id = line_id or scenario.lines[0].id
    techs = tuple(technology_ids or [t.id for t in scenario.technologies
                                     if t.id != baseline_tech_id])
    # each map row (one x value) is a task; its points' line simulations run serially in
    # that task, so the chunk mapper parallelises over rows (a 200-replication simulation is
    # a single chunk and would not parallelise itself)
    study = _Study(scenario, line_id, techs, baseline_tech_id, n_replications, entropy,
                   map_serial)
    task = functools.partial(_map_row, study, px, py, tuple(float(y) for y in values_y))
    total = len(values_x)

    def on_row_done(index: int, _rows) -> None:
        if progress:
            on_row_done.done += 1
            progress(on_row_done.done * len(values_y), total * len(values_y))

    on_row_done.done = 0
    row_blocks = map_chunks(task, [float(x) for x in values_x], on_chunk_done=on_row_done)
    rows = [row for block in row_blocks for row in block]
    return pd.DataFrame(rows, columns=[px.value, py.value, "technology", "npv_usd", "winner"])


def _map_row(study: _Study, px: BreakevenParam, py: BreakevenParam,
             values_y: tuple[float, ...], x: float) -> list[dict]:
    """The cells of one map row (module level: picklable for process pools)."""
    cache: dict = {}
    rows = []
    for y in values_y:
        npvs = _point_npvs(study, {px: x, py: y}, cache)
        finite = {t: v for t, v in npvs.items() if math.isfinite(v)}
        if not finite:
            winner = "infeasible"
        else:
            best = max(finite, key=finite.get)
            winner = best if finite[best] >= 0 else study.baseline
        rows.extend({px.value: x, py.value: y, "technology": t, "npv_usd": v,
                     "winner": winner} for t, v in npvs.items())
        if len(cache) > 4:  # keep memory flat on long rows
            cache.pop(next(iter(cache)))
    return rows


# ------------------------------------------------------------------ uncertainty

#: Scenario fields that only the cash-flow model reads (no line simulation needed).
ECON_ONLY_FIELDS = frozenset({
    "capex_usd", "install_time_months", "ramp_up_months", "filing_cost_usd_per_product",
    "training_usd", "useful_life_yr", "development_months",
    "hurdle_rate", "payback_limit_yr", "tax_rate",
})


def _touches_line(path: str) -> set[str] | None:
    """Technologies whose line simulation a path changes: ``set()`` for an econ-only path,
    ``{tid}`` for a technology's line field, ``None`` for anything else (all of them)."""
    parts = path.split(".")
    if parts[0] == "horizon_yr":
        return set()
    if parts[0] == "firm" and len(parts) > 1 and parts[1] in ECON_ONLY_FIELDS:
        return set()
    if parts[0] == "technologies" and len(parts) > 2:
        return set() if parts[2] in ECON_ONLY_FIELDS else {parts[1]}
    return None


def _variant_npv_function(scenario: Scenario, line_id: str, option: str, baseline: str,
                          n_replications: int, entropy: int, map_chunks: ChunkMapper):
    """``f(values) -> (variant, performances)``: re-simulates only what a sample touches."""
    from rxtwin.uq.scenario_sampling import apply_sample

    base_perf = simulate_performances(scenario, line_id, [baseline, option],
                                      n_replications=n_replications, entropy=entropy,
                                      map_chunks=map_chunks)

    def variant_and_performances(values: Mapping[str, float]):
        variant = apply_sample(scenario, dict(values))
        touched: set[str] = set()
        for path in values:
            hit = _touches_line(path)
            touched |= {baseline, option} if hit is None else hit
        touched &= {baseline, option}
        perf = dict(base_perf)
        if touched:
            perf.update(simulate_performances(variant, line_id, sorted(touched),
                                              n_replications=n_replications, entropy=entropy,
                                              map_chunks=map_chunks))
        return variant, perf

    return variant_and_performances


def subsidy_distribution(
    scenario: Scenario,
    *,
    line_id: str | None = None,
    option_tech_id: str = "continuous",
    baseline_tech_id: str = "batch",
    n_samples: int = 64,
    rng: np.random.Generator,
    n_replications: int = 400,
    entropy: int = 0,
    map_chunks: ChunkMapper = map_serial,
) -> pd.DataFrame:
    """Required subsidies over Latin-hypercube samples of ``scenario.uncertain``.

    Returns
    -------
    pandas.DataFrame
        One row per sample: the sampled values (one column per path), ``npv_usd``
        (unsubsidised incremental NPV at the sample's hurdle rate), ``subsidy_pv_usd``
        (``max(0, -npv_usd)``: the untaxed lump sum at year 0 that makes the NPV zero, always
        finite), ``capex_grant_fraction`` and ``itc_fraction`` required (``inf`` where even a
        share of 1 cannot make the NPV zero).

    Notes
    -----
    Line simulations are run once per technology for the base scenario and again, for a
    sample, only for the technologies whose line parameters the sample changes (paths in
    :data:`ECON_ONLY_FIELDS` never re-simulate; a technology's other fields re-simulate
    that technology; anything else re-simulates both). All with the same entropy.
    """
    from rxtwin.uq.design import sample_parameters

    line_id = line_id or scenario.lines[0].id
    samples = sample_parameters(scenario.uncertain, n_samples, "lhs", rng)
    variant_of = _variant_npv_function(scenario, line_id, option_tech_id, baseline_tech_id,
                                       n_replications, entropy, map_chunks)
    rows = []
    for _, row in samples.iterrows():
        variant, perf = variant_of(row.to_dict())
        base = appraise_technology(variant, line_id, option_tech_id, baseline_tech_id,
                                   performances=perf)
        rows.append({**row.to_dict(), "npv_usd": base.npv_usd,
                     "subsidy_pv_usd": max(0.0, -base.npv_usd),
                     "capex_grant_fraction": required_subsidy(base, variant, line_id,
                                                              SubsidyKind.CAPEX_GRANT),
                     "itc_fraction": required_subsidy(base, variant, line_id,
                                                      SubsidyKind.ITC)})
    return pd.DataFrame(rows)


def npv_sensitivity(
    scenario: Scenario,
    method: str,
    *,
    line_id: str | None = None,
    option_tech_id: str = "continuous",
    baseline_tech_id: str = "batch",
    n: int = 64,
    rng: np.random.Generator,
    n_replications: int = 200,
    entropy: int = 0,
    map_chunks: ChunkMapper = map_serial,
) -> pd.DataFrame:
    """Sensitivity of the incremental NPV to the scenario's ``uncertain`` parameters.

    Parameters
    ----------
    method : {"sobol", "morris", "tornado"}
        :func:`rxtwin.uq.sobol_indices` (``n`` base samples, a power of two),
        :func:`rxtwin.uq.morris_screening` (``n`` trajectories) or
        :func:`rxtwin.uq.tornado` (5 % / 95 % quantiles; ``n`` unused).

    Returns
    -------
    pandas.DataFrame
        The uq function's table.

    Notes
    -----
    Model evaluations run serially (each may run line simulations, which use ``map_chunks``); re-simulation rules as in :func:`subsidy_distribution`.
    """
    from rxtwin.uq.scenario_sampling import base_values
    from rxtwin.uq.sensitivity import morris_screening, sobol_indices, tornado

    line_id = line_id or scenario.lines[0].id
    if not scenario.uncertain:
        raise UserInputError(f"scenario '{scenario.name}' has no 'uncertain' parameters")
    variant_of = _variant_npv_function(scenario, line_id, option_tech_id, baseline_tech_id,
                                       n_replications, entropy, map_chunks)

    def model(values: Mapping[str, float]) -> float:
        variant, perf = variant_of(values)
        return appraise_technology(variant, line_id, option_tech_id, baseline_tech_id,
                                   performances=perf).npv_usd

    if method == "sobol":
        return sobol_indices(model, scenario.uncertain, n, rng)
    if method == "morris":
        return morris_screening(model, scenario.uncertain, n, rng)
    if method == "tornado":
        return tornado(model, base_values(scenario, scenario.uncertain), scenario.uncertain)
    raise UserInputError(f"method = {method!r} is unknown; must be sobol, morris or tornado")
