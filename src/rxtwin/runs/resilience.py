"""Technologies and measures compared on one seed: the line and the network together.

For one line of a scenario, every option (the incumbent, each other technology run on the
line, each intervention applied to the incumbent) is simulated twice from the same root
entropy: on the line (OEE, rejected lots, fill rate; :mod:`rxtwin.line.simulate`) and in
the supply network, where the site that runs the line takes its quality outages from it
(:func:`rxtwin.runs.site_failures.supply_inputs_with_lines`). The network runs of all
options share their chunks' seeds (common random numbers: the same outage arrivals and
duration draws per site and mode, the same demand), so the shortage-days an option avoids
against the incumbent are estimated from paired chunk differences, per cause.

:func:`compare_resilience` is the study; the ``resilience.compare`` run kind
(:data:`RESILIENCE_RUN_KIND`) stores it, one recorded chunk per option, resumable.
docs/supply_simulation.md, "Comparing technologies and measures".
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import NamedTuple

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from pydantic import Field
from scipy import stats

from rxtwin.data.disruption_defaults import load_disruption_defaults
from rxtwin.errors import Problem, UserInputError
from rxtwin.line.from_scenario import continuous_refusal, line_inputs_from_scenario
from rxtwin.line.performance import line_performance_from_results
from rxtwin.line.simulate import simulate
from rxtwin.model.base import WholeNumber
from rxtwin.model.disruption import DisruptionDefaults
from rxtwin.model.performance import LinePerformance
from rxtwin.model.scenario import Scenario
from rxtwin.model.variants import with_line_technology
from rxtwin.runs.compute_setting import SERIAL, ComputeSetting
from rxtwin.runs.params import ProgressCallback, RunParams, fresh_seed
from rxtwin.runs.site_failures import supply_inputs_with_lines
from rxtwin.stats.chunks import ChunkMapper, map_serial
from rxtwin.stats.seeding import plan_chunks
from rxtwin.store import Store
from rxtwin.supply.disruption import disruption_chunk_task

__all__ = [
    "MANUFACTURING_QUALITY_CATEGORIES",
    "RESILIENCE_CATEGORIES_TABLE",
    "RESILIENCE_CAUSES_TABLE",
    "RESILIENCE_OPTIONS_TABLE",
    "RESILIENCE_PRODUCTS_TABLE",
    "RESILIENCE_RUN_KIND",
    "OptionOutcome",
    "ResilienceOption",
    "ResilienceParams",
    "ResilienceTables",
    "check_resilience_params",
    "compare_resilience",
    "recorded_options",
    "resilience_figures",
    "resilience_n_chunks",
    "resilience_options",
    "resilience_summaries",
    "resilience_tables",
    "resolve_resilience",
    "run_resilience",
    "simulate_option",
]

RESILIENCE_RUN_KIND = "resilience.compare"
RESILIENCE_OPTIONS_TABLE = "resilience_options"
RESILIENCE_CAUSES_TABLE = "resilience_causes"
RESILIENCE_CATEGORIES_TABLE = "resilience_categories"
RESILIENCE_PRODUCTS_TABLE = "resilience_products"
# Line statistics of an option, in the order of the options table.
_LINE_COLUMNS = ("oee", "oee_ci95", "rejected_lots_per_yr", "line_fill_rate")

#: Outage categories that the FDA's root-cause analysis would count as "manufacturing or
#: product-quality problems" (FDA Drug Shortages Task Force, "Drug Shortages: Root Causes
#: and Potential Solutions", 2019): regulatory and quality events, escalations of a line's
#: failures, substandard inputs and plant infrastructure. Natural disasters and demand (no
#: site outage) are not; the assignment is a judgement, stated here.
MANUFACTURING_QUALITY_CATEGORIES = frozenset({
    "regulatory_action", "qa_lapse", "recall", "oai_inspection", "warning_letter",
    "import_alert", "consent_decree", "substandard_input", "site_infrastructure",
})


@dataclass(frozen=True)
class ResilienceOption:
    """One option of the comparison.

    Attributes
    ----------
    label : str
        Row label (the technology or intervention id; the incumbent's ends in
        ``" (incumbent)"``).
    kind : str
        ``"incumbent"``, ``"technology"`` or ``"intervention"``.
    technology_id : str
        Technology the line runs.
    intervention_ids : tuple of str
        Interventions applied.
    """

    label: str
    kind: str
    technology_id: str
    intervention_ids: tuple[str, ...]


def resilience_options(scenario: Scenario, line_id: str,
                       technology_ids: Sequence[str] | None = None,
                       intervention_ids: Sequence[str] | None = None,
                       ) -> list[ResilienceOption]:
    """The incumbent (the line's own technology, no intervention), then each technology
    (None: every other technology of the scenario), then each intervention alone on the
    incumbent (None: every intervention of the scenario).

    A continuous technology is refused for a line holding a product not amenable to
    continuous processing (:func:`rxtwin.line.from_scenario.continuous_refusal`): left out
    of the default list, an error naming the products when asked for by id."""
    incumbent = scenario.line(line_id).technology_id
    if technology_ids is None:
        technology_ids = [t.id for t in scenario.technologies if t.id != incumbent
                          and continuous_refusal(scenario, line_id, t) is None]
    if intervention_ids is None:
        intervention_ids = [i.id for i in scenario.interventions]
    options = [ResilienceOption(f"{incumbent} (incumbent)", "incumbent", incumbent, ())]
    for tid in technology_ids:
        refusal = continuous_refusal(scenario, line_id, scenario.technology(tid))
        if refusal is not None:
            raise UserInputError(refusal)
        options.append(ResilienceOption(tid, "technology", tid, ()))
    known = {i.id for i in scenario.interventions}
    for iid in intervention_ids:
        if iid not in known:
            raise UserInputError(f"no intervention '{iid}' in scenario '{scenario.name}' "
                                 f"(known: {', '.join(sorted(known)) or 'none'})")
        options.append(ResilienceOption(iid, "intervention", incumbent, (iid,)))
    return options


@dataclass(frozen=True)
class OptionOutcome:
    """An option's line statistics and its network's shortage-days per chunk and cause.

    Attributes
    ----------
    option : ResilienceOption
    line : dict of str to float
        ``oee``, ``oee_ci95``, ``rejected_lots_per_yr``, ``line_fill_rate`` (means over
        replication-years; ``oee_ci95`` the Student-t 95 % half-width).
    chunk_years : ndarray (k,)
        Scenario-years of each network chunk [-].
    causes : tuple of str
        Cause labels, as the supply summary's (``"none (demand)"`` first).
    categories : tuple of str
        Category of each cause.
    shortage_days : ndarray (k, C)
        Shortage-days per chunk and cause, summed over the scenario's products [d].
    episodes : ndarray (k, C)
        Shortage episodes per chunk and cause, summed over products [-].
    product_ids : tuple of str, (P,)
    product_shortage_days : ndarray (k, P)
        Shortage-days per scenario-year of each product, per chunk [d/yr].
    product_unmet_units : ndarray (k, P)
        Demand lost per scenario-year of each product, per chunk [units/yr].
    product_holding_cost : ndarray (k, P)
        Holding cost of each product's stock in every tier per scenario-year, per chunk
        [USD/yr].
    performance : LinePerformance
        The line's simulated year in money and units
        (:func:`rxtwin.line.performance.line_performance_from_results` at the firm's
        carrying rate), what the pricing of the option for the firm needs.
    """

    option: ResilienceOption
    line: dict[str, float]
    chunk_years: np.ndarray
    causes: tuple[str, ...]
    categories: tuple[str, ...]
    shortage_days: np.ndarray
    episodes: np.ndarray
    product_ids: tuple[str, ...]
    product_shortage_days: np.ndarray
    product_unmet_units: np.ndarray
    product_holding_cost: np.ndarray
    performance: LinePerformance

    def to_dict(self) -> dict:
        """JSON-safe dict (the run's recorded chunk)."""
        o = self.option
        return {"option": {"label": o.label, "kind": o.kind, "technology_id": o.technology_id,
                           "intervention_ids": list(o.intervention_ids)},
                "line": self.line, "chunk_years": self.chunk_years.tolist(),
                "causes": list(self.causes), "categories": list(self.categories),
                "shortage_days": self.shortage_days.tolist(),
                "episodes": self.episodes.tolist(),
                "product_ids": list(self.product_ids),
                "product_shortage_days": self.product_shortage_days.tolist(),
                "product_unmet_units": self.product_unmet_units.tolist(),
                "product_holding_cost": self.product_holding_cost.tolist(),
                "performance": asdict(self.performance)}

    @classmethod
    def from_dict(cls, data: dict) -> OptionOutcome:
        """Inverse of :meth:`to_dict`."""
        o = data["option"]
        n_causes = len(data["causes"])
        n_products = len(data["product_ids"])
        return cls(ResilienceOption(o["label"], o["kind"], o["technology_id"],
                                    tuple(o["intervention_ids"])),
                   {k: float(v) for k, v in data["line"].items()},
                   np.asarray(data["chunk_years"], dtype=float),
                   tuple(data["causes"]), tuple(data["categories"]),
                   np.asarray(data["shortage_days"], dtype=float).reshape(-1, n_causes),
                   np.asarray(data["episodes"], dtype=float).reshape(-1, n_causes),
                   tuple(data["product_ids"]),
                   np.asarray(data["product_shortage_days"], dtype=float).reshape(
                       -1, len(data["product_ids"])),
                   np.asarray(data["product_unmet_units"], dtype=float).reshape(
                       -1, n_products),
                   np.asarray(data["product_holding_cost"], dtype=float).reshape(
                       -1, n_products),
                   LinePerformance(**{k: float(v) for k, v in data["performance"].items()}))


def simulate_option(scenario: Scenario, option: ResilienceOption, line_id: str, *,
                    n_years: int, chunk_size: int, entropy: int, line_replications: int,
                    defaults: DisruptionDefaults) -> OptionOutcome:
    """Simulate one option on the line and in the network from ``entropy``.

    The line runs ``line_replications`` replication-years; the network ``n_years``
    scenario-years in chunks of ``chunk_size`` (the chunk plan, and so the chunks' seeds,
    depend only on ``n_years``, ``chunk_size`` and ``entropy``: every option sees the same
    random inputs).
    """
    line_inputs = line_inputs_from_scenario(
        scenario, line_id, technology_id=option.technology_id,
        intervention_ids=list(option.intervention_ids))
    line_run = simulate(line_inputs, line_replications, entropy=entropy)
    performance = line_performance_from_results(
        line_run, line_inputs, scenario.firm.inventory_carrying_rate_per_yr)
    oee = line_run.table().set_index(["statistic", "product"], drop=False)
    row = oee[(oee["statistic"] == "oee") & oee["product"].isna()].iloc[0]
    line = {"oee": float(row["mean"]),
            "oee_ci95": float(row["ci95_high"] - row["mean"]),
            "rejected_lots_per_yr": line_run.mean("rejected_lots"),
            "line_fill_rate": line_run.mean("fill_rate")}
    variant = with_line_technology(scenario, line_id, option.technology_id)
    inputs = supply_inputs_with_lines(variant, option.intervention_ids, defaults)
    _, chunks = plan_chunks(n_years, chunk_size, entropy)
    years, days, episodes, product_days, product_unmet, holding = [], [], [], [], [], []
    causes = categories = None
    for chunk in chunks:
        summary = disruption_chunk_task(inputs, chunk)
        causes, categories = summary.causes.labels, summary.causes.categories
        years.append(chunk.n_reps)
        days.append(summary.causes.shortage_days.sum(axis=0))
        episodes.append(summary.causes.episodes_count.sum(axis=0))
        product_days.append(summary.statistic("shortage_days")[0])
        product_unmet.append(summary.statistic("unmet_units")[0])
        holding.append(summary.statistic("holding_cost_usd")[0])
    return OptionOutcome(option, line, np.asarray(years, dtype=float), tuple(causes),
                         tuple(categories), np.asarray(days, dtype=float),
                         np.asarray(episodes, dtype=float), inputs.product_ids,
                         np.asarray(product_days, dtype=float),
                         np.asarray(product_unmet, dtype=float),
                         np.asarray(holding, dtype=float), performance)


def _per_cause(outcome: OptionOutcome, causes: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Shortage-days and episodes per chunk-year, (k, len(causes)), in ``causes`` order
    (0 for a cause the option does not have)."""
    index = {c: j for j, c in enumerate(outcome.causes)}
    days = np.zeros((len(outcome.chunk_years), len(causes)))
    episodes = np.zeros_like(days)
    for j, cause in enumerate(causes):
        if cause in index:
            days[:, j] = outcome.shortage_days[:, index[cause]] / outcome.chunk_years
            episodes[:, j] = outcome.episodes[:, index[cause]] / outcome.chunk_years
    return days, episodes


def _paired(base: np.ndarray, other: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean of ``base - other`` over chunks and its 95 % Student-t half-width (batch means
    of paired chunks; NaN with one chunk).

    .. math:: \\bar\\Delta \\pm t_{0.975, k-1}\\, s_\\Delta / \\sqrt{k}
    """
    diff = base - other
    k = diff.shape[0]
    if k < 2:
        return diff.mean(axis=0), np.full(diff.shape[1:], np.nan)
    half = stats.t.ppf(0.975, k - 1) * diff.std(axis=0, ddof=1) / math.sqrt(k)
    return diff.mean(axis=0), half


class ResilienceTables(NamedTuple):
    """The comparison's tables (:func:`resilience_tables`)."""

    options: pd.DataFrame
    by_cause: pd.DataFrame
    by_category: pd.DataFrame
    by_product: pd.DataFrame


def resilience_tables(outcomes: Sequence[OptionOutcome]) -> ResilienceTables:
    """The comparison's tables; the first outcome is the incumbent.

    Returns
    -------
    ResilienceTables
        ``options``: one row per option: ``option``, ``kind``, ``technology_id``,
        ``interventions``, ``oee`` and ``oee_ci95`` [-], ``rejected_lots_per_yr``
        [lots/yr], ``line_fill_rate`` [-], ``shortage_days_per_yr`` [d/yr] (summed over
        products), ``shortage_days_avoided_per_yr`` and ``_ci95`` [d/yr] (incumbent -
        option, paired chunks), ``quality_shortage_days_per_yr``,
        ``quality_shortage_days_avoided_per_yr`` and ``_ci95`` [d/yr] (the causes in
        :data:`MANUFACTURING_QUALITY_CATEGORIES`), ``quality_share_of_episodes`` [-].
        ``by_cause``: one row per option and cause with shortage-days under some option:
        ``option``, ``cause``, ``category``, ``shortage_days_per_yr``,
        ``shortage_days_avoided_per_yr`` and ``_ci95`` [d/yr]. ``by_category``: the same
        per option and cause category (the causes of a category summed per chunk before
        the interval is taken). ``by_product``: one row per option and product:
        ``option``, ``product_id``, ``shortage_days_per_yr``,
        ``shortage_days_avoided_per_yr`` and ``_ci95`` [d/yr], ``unmet_units_per_yr``,
        ``unmet_units_avoided_per_yr`` and ``_ci95`` [units/yr],
        ``holding_cost_usd_per_yr``, ``holding_cost_change_usd_per_yr`` (option -
        incumbent) and ``_ci95`` [USD/yr] (what the pricing of an option for the firm and
        for society needs, product by product).
    """
    if not outcomes:
        raise UserInputError("no option to compare")
    base = outcomes[0]
    causes: list[str] = []
    category: dict[str, str] = {}
    for outcome in outcomes:
        for cause, cat in zip(outcome.causes, outcome.categories, strict=True):
            if cause not in category:
                causes.append(cause)
                category[cause] = cat
    for outcome in outcomes[1:]:
        if not np.array_equal(outcome.chunk_years, base.chunk_years):
            raise UserInputError("options were simulated on different chunk plans; compare "
                                 "runs of the same years, chunk size and seed")
    categories = list(dict.fromkeys(category[c] for c in causes))
    # cause -> category as a 0/1 matrix: per-chunk category sums are days @ grouping
    grouping = np.array([[category[c] == g for g in categories] for c in causes], float)
    quality = np.array([category[c] in MANUFACTURING_QUALITY_CATEGORIES for c in causes])
    base_days, _ = _per_cause(base, causes)
    options, by_cause, by_category, by_product = [], [], [], []
    for outcome in outcomes:
        days, episodes = _per_cause(outcome, causes)
        o = outcome.option
        if outcome.product_ids != base.product_ids:
            raise UserInputError(f"option '{o.label}' simulated other products than the "
                                 "incumbent")
        d_avoided, d_half = _paired(base.product_shortage_days, outcome.product_shortage_days)
        u_avoided, u_half = _paired(base.product_unmet_units, outcome.product_unmet_units)
        h_saved, h_half = _paired(base.product_holding_cost, outcome.product_holding_cost)
        for p, product_id in enumerate(outcome.product_ids):
            by_product.append({
                "option": o.label, "product_id": product_id,
                "shortage_days_per_yr": float(outcome.product_shortage_days[:, p].mean()),
                "shortage_days_avoided_per_yr": float(d_avoided[p]),
                "shortage_days_avoided_per_yr_ci95": float(d_half[p]),
                "unmet_units_per_yr": float(outcome.product_unmet_units[:, p].mean()),
                "unmet_units_avoided_per_yr": float(u_avoided[p]),
                "unmet_units_avoided_per_yr_ci95": float(u_half[p]),
                "holding_cost_usd_per_yr": float(outcome.product_holding_cost[:, p].mean()),
                "holding_cost_change_usd_per_yr": float(0.0 - h_saved[p]),
                "holding_cost_change_usd_per_yr_ci95": float(h_half[p])})
        for labels, kind, base_x, x in (
                (causes, "cause", base_days, days),
                (categories, "category", base_days @ grouping, days @ grouping)):
            avoided, half = _paired(base_x, x)
            mean_days = x.mean(axis=0)
            rows = by_cause if kind == "cause" else by_category
            for j, label in enumerate(labels):
                if base_x[:, j].any() or x[:, j].any():
                    rows.append({"option": o.label, kind: label,
                                 **({"category": category[label]} if kind == "cause" else {}),
                                 "shortage_days_per_yr": float(mean_days[j]),
                                 "shortage_days_avoided_per_yr": float(avoided[j]),
                                 "shortage_days_avoided_per_yr_ci95": float(half[j])})
        q_avoided, q_half = _paired(base_days[:, quality].sum(axis=1, keepdims=True),
                                    days[:, quality].sum(axis=1, keepdims=True))
        t_avoided, t_half = _paired(base_days.sum(axis=1, keepdims=True),
                                    days.sum(axis=1, keepdims=True))
        total_episodes = episodes.sum()
        options.append({
            "option": o.label, "kind": o.kind, "technology_id": o.technology_id,
            "interventions": " + ".join(o.intervention_ids),
            **{name: outcome.line[name] for name in _LINE_COLUMNS},
            "shortage_days_per_yr": float(days.sum(axis=1).mean()),
            "shortage_days_avoided_per_yr": float(t_avoided[0]),
            "shortage_days_avoided_per_yr_ci95": float(t_half[0]),
            "quality_shortage_days_per_yr": float(days[:, quality].sum(axis=1).mean()),
            "quality_shortage_days_avoided_per_yr": float(q_avoided[0]),
            "quality_shortage_days_avoided_per_yr_ci95": float(q_half[0]),
            "quality_share_of_episodes": float(episodes[:, quality].sum() / total_episodes)
            if total_episodes > 0 else math.nan,
        })
    return ResilienceTables(pd.DataFrame(options), pd.DataFrame(by_cause),
                            pd.DataFrame(by_category), pd.DataFrame(by_product))


def compare_resilience(scenario: Scenario, *, line_id: str | None = None,
                       technology_ids: Sequence[str] | None = None,
                       intervention_ids: Sequence[str] | None = None, n_years: int = 2000,
                       chunk_size: int = 100, entropy: int, line_replications: int = 100,
                       defaults: DisruptionDefaults | None = None,
                       on_option_done: Callable[[int, OptionOutcome], None] | None = None,
                       done: dict[int, OptionOutcome] | None = None,
                       map_chunks: ChunkMapper = map_serial,
                       ) -> ResilienceTables:
    """Compare the options of one line (:func:`resilience_options`) on common random
    numbers, line and network together; returns :func:`resilience_tables`.

    ``map_chunks`` runs the options (one task per option, :func:`simulate_option`; serial by
    default); ``done`` holds outcomes already computed (by option index: a resumed run);
    ``on_option_done(index, outcome)`` is called in the calling process after each new one,
    in the order they finish. The tables are the same on every mapper.
    """
    line_id = line_id or scenario.lines[0].id
    defaults = defaults or load_disruption_defaults()
    options = resilience_options(scenario, line_id, technology_ids, intervention_ids)
    task = functools.partial(simulate_option, scenario, line_id=line_id, n_years=n_years,
                             chunk_size=chunk_size, entropy=entropy,
                             line_replications=line_replications, defaults=defaults)
    outcomes = map_chunks(task, options, done=done, on_chunk_done=on_option_done)
    return resilience_tables(outcomes)


# ------------------------------------------------------------------------------------------
# The run kind
# ------------------------------------------------------------------------------------------

_MAX_YEARS = 100_000
_MAX_REPLICATIONS = 10_000


class ResilienceParams(RunParams):
    """Technologies and interventions of one line compared on one seed (line and network
    together; ``resilience.compare``)."""

    line_id: str | None = Field(None, description="line id (empty = the scenario's first line)")
    technologies: list[str] | None = Field(
        None, description="technology ids to run on the line (empty = every other "
        "technology of the scenario)")
    interventions: list[str] | None = Field(
        None, description="intervention ids, each applied alone to the incumbent (empty = "
        "every intervention of the scenario)")
    n_years: WholeNumber = Field(2000, ge=2, le=_MAX_YEARS,
                         description="network scenario-years per option [-]")
    chunk_size: WholeNumber = Field(100, ge=1, le=_MAX_YEARS,
                            description="scenario-years per chunk; the paired intervals are "
                            "taken over chunks [-]")
    line_replications: WholeNumber = Field(100, ge=2, le=_MAX_REPLICATIONS,
                                   description="line replication-years per option [-]")
    seed: WholeNumber = Field(default_factory=fresh_seed, ge=0,
                      description="seed of every option (the same: common random numbers)")


def check_resilience_params(scenario: Scenario, params: ResilienceParams) -> list[Problem]:
    """Ids that the scenario lacks, and too few chunks for an interval."""
    problems = []
    lines = [line.id for line in scenario.lines]
    if not lines:
        return [Problem("<params>", "line_id", params.line_id,
                        f"scenario '{scenario.name}' has no lines")]
    if params.line_id is not None and params.line_id not in lines:
        problems.append(Problem("<params>", "line_id", params.line_id,
                                f"no such line; choose one of {', '.join(lines)}"))
    known = [t.id for t in scenario.technologies]
    line_id = params.line_id if params.line_id in lines else lines[0]
    for tid in params.technologies or []:
        if tid not in known:
            problems.append(Problem("<params>", "technologies", tid,
                                    f"no such technology; choose from {', '.join(known)}"))
        elif (refusal := continuous_refusal(scenario, line_id,
                                            scenario.technology(tid))) is not None:
            problems.append(Problem("<params>", "technologies", tid, refusal))
    known_i = [i.id for i in scenario.interventions]
    for iid in params.interventions or []:
        if iid not in known_i:
            problems.append(Problem("<params>", "interventions", iid,
                                    "no such intervention; choose from "
                                    f"{', '.join(known_i) or '(none in this scenario)'}"))
    if -(-params.n_years // params.chunk_size) < 2:
        problems.append(Problem("<params>", "chunk_size", params.chunk_size,
                                "must leave at least 2 chunks of n_years for the paired "
                                "intervals"))
    return problems


def resolve_resilience(scenario: Scenario, params: ResilienceParams) -> ResilienceParams:
    """Checked parameters with the line, technologies and interventions worked out from
    the scenario, so the stored parameters name every option that runs."""
    line_id = params.line_id or scenario.lines[0].id
    options = resilience_options(scenario, line_id, params.technologies, params.interventions)
    return ResilienceParams.model_validate({
        **params.model_dump(), "line_id": line_id,
        "technologies": [o.technology_id for o in options if o.kind == "technology"],
        "interventions": [o.intervention_ids[0] for o in options if o.kind == "intervention"],
    })


def resilience_n_chunks(params: ResilienceParams) -> int:
    """Recorded chunks of a resolved run: one per option (the incumbent, each technology,
    each intervention)."""
    return 1 + len(params.technologies or []) + len(params.interventions or [])


def recorded_options(store: Store, run_id: str, total: int, progress: ProgressCallback
                     ) -> tuple[dict[int, OptionOutcome], Callable[[int, OptionOutcome], None]]:
    """The option outcomes a stored run has recorded (a resumed run skips them), and the
    callback that records each new one as a chunk and reports ``progress(done, total)``."""
    done = {i: OptionOutcome.from_dict(d) for i, d in store.chunk_summaries(run_id).items()}

    def record(index: int, outcome: OptionOutcome) -> None:
        store.record_chunk(run_id, index, outcome.to_dict())
        progress(len(store.done_chunk_indices(run_id)), total)

    return done, record


def resilience_summaries(tables: ResilienceTables) -> tuple[tuple[str, pd.DataFrame], ...]:
    """The comparison's tables under the names a stored run keeps them by."""
    return ((RESILIENCE_OPTIONS_TABLE, tables.options),
            (RESILIENCE_CAUSES_TABLE, tables.by_cause),
            (RESILIENCE_CATEGORIES_TABLE, tables.by_category),
            (RESILIENCE_PRODUCTS_TABLE, tables.by_product))


def run_resilience(scenario: Scenario, params: ResilienceParams, store: Store, run_id: str,
                   progress: ProgressCallback, *, compute: ComputeSetting = SERIAL) -> None:
    """One recorded chunk per option (skipped when already recorded: a resumed run), run
    where ``compute`` says, then the four tables (:func:`resilience_summaries`)."""
    params = resolve_resilience(scenario, params)
    done, record = recorded_options(store, run_id, resilience_n_chunks(params), progress)
    tables = compare_resilience(
        scenario, line_id=params.line_id, technology_ids=params.technologies,
        intervention_ids=params.interventions, n_years=params.n_years,
        chunk_size=params.chunk_size, entropy=params.seed,
        line_replications=params.line_replications, on_option_done=record, done=done,
        map_chunks=compute.map_chunks())
    for name, frame in resilience_summaries(tables):
        store.put_summary(run_id, name, frame)


def resilience_figures(store: Store, run_id: str, scenario: Scenario | None,
                       params: ResilienceParams) -> dict[str, go.Figure]:
    """Shortage-days avoided per option against the incumbent, split by cause, with the
    total's 95 % interval."""
    if RESILIENCE_CAUSES_TABLE not in store.list_summaries(run_id):
        return {}
    by_cause = store.get_summary(run_id, RESILIENCE_CAUSES_TABLE)
    options = store.get_summary(run_id, RESILIENCE_OPTIONS_TABLE)
    others = options[options["kind"] != "incumbent"]
    figure = go.Figure()
    for cause, rows in by_cause[by_cause["option"].isin(others["option"])].groupby("cause"):
        figure.add_bar(x=rows["option"], y=rows["shortage_days_avoided_per_yr"], name=cause)
    figure.add_scatter(x=others["option"], y=others["shortage_days_avoided_per_yr"],
                       mode="markers", name="total (95 % interval)", marker_color="black",
                       error_y={"type": "data",
                                "array": others["shortage_days_avoided_per_yr_ci95"]})
    figure.update_layout(
        barmode="relative",
        title="Shortage-days avoided per year against the incumbent, summed over products, "
              "by the cause that started each episode (same seed for every option)",
        xaxis_title="option (a technology on the line, or a measure on the incumbent)",
        yaxis_title="shortage-days avoided per year [d/yr]")
    return {"avoided_by_cause": figure}
