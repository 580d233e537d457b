"""A demo consortium: twelve synthetic firms pool their line figures, the consortium
releases disclosure-controlled statistics, and a scenario takes its priors from them.

Every figure here is **synthetic** (drawn from :data:`SYNTHETIC_FIGURES`, seeded): it
shows the path a real consortium's data would take, not what real lines do. The steps
are the ones a real consortium takes, through the same functions:

1. the firms and a research organisation are registered
   (:func:`~rxtwin.runs.consortium.register_organisation`);
2. each firm writes one submission file per line and submits it
   (:func:`~rxtwin.runs.consortium.submit_file`, the path of ``rxtwin consortium submit``);
3. the consortium releases statistics under the disclosure rules
   (:func:`~rxtwin.runs.consortium.release_statistic`): some cells are released, one is
   suppressed by the threshold rule and one by (n, k) dominance, each with its reason;
4. the research organisation asks one differentially private query, charged to its
   privacy budget;
5. a copy of the bundled ``generic_oral_solid`` scenario references the released
   changeover distribution of oral-solid lines for its batch trains
   (``{consortium: NAME@VERSION, cell: {...}}``), is resolved from the store
   (:func:`~rxtwin.runs.consortium.load_scenario_with_priors`), and the batch line is
   simulated on both scenarios from one seed, as runs of the research organisation.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from rxtwin.data.documents import dump_yaml
from rxtwin.data.scenarios import load_scenario, read_scenario_document, resolve_scenario_path
from rxtwin.runs.accounts import add_user
from rxtwin.runs.consortium import (
    ReleasedStatistic,
    load_scenario_with_priors,
    register_organisation,
    release_statistic,
    submit_file,
)
from rxtwin.runs.kinds import RUN_KINDS, execute_run, parse_params
from rxtwin.store import Store

__all__ = ["DEMO_FIRMS", "RESEARCH_ORGANISATION", "SYNTHETIC_FIGURES", "DemoConsortium",
           "DemoLogin", "run_consortium_demo"]

DEMO_SEED = 20250601
"""Seed of the synthetic figures (any fixed number: the demo is reproducible)."""
DEMO_PERIOD_YR = 2025
RESEARCH_ORGANISATION = "research"
"""The researchers' organisation: no submissions, a privacy budget, the study's runs."""
RESEARCH_EPSILON_TOTAL = 1.0
"""assumption: a total privacy budget of epsilon 1 per organisation, a common choice for
a year of interactive queries (the consortium's policy decides it; there is no default)."""
DP_QUERY_EPSILON = 0.5
"""The research organisation's one private query: how many organisations report their
changeovers, at half its budget (a count's noise scale is then 2 organisations; a mean of
a dozen organisations' figures at this budget would be mostly noise)."""
DP_BOUNDS_PER_YR = (0.0, 200.0)
"""Declared bounds of changeovers per year for the private query [1/yr] (assumption: a
line changes over at most every other working day, about 200 times a year)."""

DEMO_FIRMS: dict[str, tuple[str, tuple[str, ...]]] = {
    "firm01": ("europe", ("oral_solid", "sterile_injectable")),
    "firm02": ("europe", ("oral_solid", "sterile_injectable")),
    "firm03": ("europe", ("oral_solid", "sterile_injectable")),
    "firm04": ("europe", ("oral_solid",)),
    "firm05": ("europe", ("oral_solid",)),
    "firm06": ("south_asia", ("oral_solid", "sterile_injectable")),
    "firm07": ("south_asia", ("oral_solid", "sterile_injectable")),
    "firm08": ("south_asia", ("oral_solid", "sterile_injectable")),
    "firm09": ("south_asia", ("oral_solid",)),
    "firm10": ("south_asia", ("oral_solid",)),
    "firm11": ("north_america", ("oral_solid", "sterile_injectable")),
    "firm12": ("north_america", ("oral_solid",)),
}
"""Firm -> (region, dosage forms of its lines, one line each). assumption: a layout that
gives every rule something to do: five firms in Europe and south Asia each (a region
passes the threshold of 5), two in North America (a region that does not), seven firms
with a sterile line."""

SYNTHETIC_FIGURES: dict[str, dict[str, tuple[float, float]]] = {
    "oral_solid": {"changeover_h": (12.0, 0.35), "changeovers_per_yr": (60.0, 0.30),
                   "qc_release_days": (12.0, 0.30), "shortage_days": (20.0, 0.6)},
    "sterile_injectable": {"changeover_h": (20.0, 0.30), "changeovers_per_yr": (25.0, 0.30),
                           "qc_release_days": (21.0, 0.25), "shortage_days": (8.0, 0.5)},
}
"""Median and log-standard deviation of each synthetic figure per dosage form (lognormal
across lines). assumption: synthetic, no published figures exist (that is what a consortium
would provide); centred near the bundled scenarios' assumptions (changeovers of 8-32 h for
an oral batch train, QC release of 14 d for oral solids and 21 d for sterile products),
with the oral changeover median below the bundled mode of 16 h so that the demo's prior
visibly moves the simulated line."""
SYNTHETIC_OEE = {"oral_solid": (0.60, 0.08), "sterile_injectable": (0.45, 0.08)}
"""Mean and standard deviation of OEE per dosage form (normal, clipped to 0.05-0.95).
assumption: synthetic; the bundled batch line simulates an OEE of about 0.62."""
DOMINANT_FIRM = ("firm11", "sterile_injectable", 300.0)
"""One firm's sterile line lived through a long shortage [d]: the scripted event that makes
the sterile cell of the shortage-days sum fail (n, k) dominance (assumption: synthetic)."""


@dataclass(frozen=True)
class DemoLogin:
    """A user the demo adds, with a random password (shown once)."""

    user_id: str
    organisation_id: str
    role: str
    password: str


@dataclass
class DemoConsortium:
    """What the demo consortium did: the files, releases, query, logins and runs."""

    organisations: list[str]
    submission_files: list[Path]
    releases: list[ReleasedStatistic]
    private_answer: ReleasedStatistic
    scenario_file: Path
    priors: list[dict[str, Any]]
    run_ids: dict[str, str]
    logins: list[DemoLogin]
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)


def synthetic_submissions(seed: int = DEMO_SEED) -> list[dict[str, Any]]:
    """One submission document per firm and line, drawn from :data:`SYNTHETIC_FIGURES`.

    Each firm gets its own child of ``SeedSequence(seed)`` (in :data:`DEMO_FIRMS` order),
    so a firm's figures do not depend on the others'.
    """
    children = np.random.SeedSequence(seed).spawn(len(DEMO_FIRMS))
    documents = []
    for (firm, (region, forms)), child in zip(DEMO_FIRMS.items(), children, strict=True):
        rng = np.random.default_rng(child)
        for index, form in enumerate(forms, start=1):
            figures = {name: float(round(median * np.exp(sigma * rng.standard_normal()), 1))
                       for name, (median, sigma) in SYNTHETIC_FIGURES[form].items()}
            mean, sd = SYNTHETIC_OEE[form]
            oee = float(round(np.clip(rng.normal(mean, sd), 0.05, 0.95), 3))
            if (firm, form) == DOMINANT_FIRM[:2]:
                figures["shortage_days"] = DOMINANT_FIRM[2]
            shortages = max(1, int(rng.poisson(max(figures["shortage_days"], 1.0) / 15.0)))
            documents.append({
                "schema_version": 1, "organisation_id": firm, "unit_kind": "line",
                "unit_id": f"L{index}", "period_yr": DEMO_PERIOD_YR, "dosage_form": form,
                "region": region, "changeovers_per_yr": figures["changeovers_per_yr"],
                "changeover_h": figures["changeover_h"],
                "qc_release_days": figures["qc_release_days"], "oee": oee,
                "shortages_count": shortages, "shortage_days": figures["shortage_days"],
            })
    return documents


def _pooled_scenario_document(changeover: str) -> dict[str, Any]:
    """The bundled generic oral-solid scenario, its batch trains' changeover times and the
    uncertain changeover mode taken from the released statistic ``changeover``."""
    document = read_scenario_document(resolve_scenario_path("generic_oral_solid"))
    reference = {"consortium": changeover, "cell": {"dosage_form": "oral_solid"}}
    document["name"] = "generic_oral_solid_pooled"
    document["title"] = ("Generic oral-solid line, batch changeovers from the demo "
                         "consortium's released distribution")
    for technology in document["technologies"]:
        if technology["id"] in ("batch", "advanced_batch"):
            technology["changeover_h"] = dict(reference)
    for entry in document.get("uncertain", []):
        if entry["path"] == "technologies.batch.changeover_h.mode":
            entry["distribution"] = dict(reference)
    return document


def _line_run(store: Store, scenario, n_replications: int, seed: int,
              organisation_id: str) -> str:
    params = parse_params("line.simulate", scenario, {
        "line_id": scenario.lines[0].id, "technology_id": "batch",
        "n_replications": n_replications, "seed": seed})
    digest = store.put_scenario(scenario.document(), scenario.name,
                                organisation_id=organisation_id)
    run_id = store.create_run("line.simulate", digest, params.model_dump(mode="json"), seed,
                              n_chunks=RUN_KINDS["line.simulate"].n_chunks(params),
                              organisation_id=organisation_id)
    execute_run(store, run_id)
    return run_id


def _line_figures(store: Store, run_ids: dict[str, str]) -> pd.DataFrame:
    rows = []
    wanted = {"changeover_h": "h/yr", "oee": "-", "fill_rate": "-",
              "cost_total_usd_per_unit": "USD/unit"}
    for label, run_id in run_ids.items():
        table = store.get_summary(run_id, "line_summary")
        line = table[table["product"].isna()].set_index("statistic")
        for statistic, unit in wanted.items():
            rows.append({"scenario": label, "statistic": statistic, "unit": unit,
                         "mean": float(line.loc[statistic, "mean"]),
                         "ci95_low": float(line.loc[statistic, "ci95_low"]),
                         "ci95_high": float(line.loc[statistic, "ci95_high"])})
    return pd.DataFrame(rows)


def _release_frame(releases: list[ReleasedStatistic]) -> pd.DataFrame:
    rows = []
    for release in releases:
        for cell in release.body["cells"]:
            shown = cell.get("distribution") or cell.get("value")
            if isinstance(shown, dict):
                shown = ", ".join(f"{k} {v:.3g}" if isinstance(v, float) else f"{k} {v}"
                                  for k, v in shown.items())
            rows.append({"statistic": f"{release.name}@{release.version}",
                         "cell": ", ".join(f"{k}={v}" for k, v in cell["group"].items())
                         or "whole pool",
                         "released": cell["released"],
                         "value": "" if not cell["released"] else
                         (f"{shown:.4g}" if isinstance(shown, float) else str(shown))
                         + (f" (noise scale {cell['scales'][0]:.3g})" if "scales" in cell
                            else ""),
                         "reason": cell["reason"]})
    return pd.DataFrame(rows)


def run_consortium_demo(store: Store, out: Path, *, n_replications: int = 100,
                        seed: int = DEMO_SEED, with_logins: bool = True,
                        progress: Callable[[str], None] = lambda step: None
                        ) -> DemoConsortium:
    """Seed the demo consortium in ``store`` and run its study (see the module).

    Parameters
    ----------
    store : Store
        An empty store is best: the releases' versions and the logins' user ids are the
        ones of a first run.
    out : Path
        Folder for the submission files (``consortium/submissions/``) and the scenario
        that references the releases (``consortium/generic_oral_solid_pooled.yaml``).
    n_replications : int
        Replication-years of each of the two line runs.
    with_logins : bool
        Add a researcher and a member of ``firm01`` with random passwords, to log in to
        ``rxtwin serve``.
    progress : callable
        Told each step's name as it starts.
    """
    folder = out / "consortium"
    submissions_folder = folder / "submissions"
    submissions_folder.mkdir(parents=True, exist_ok=True)
    progress("registering 12 firms and a research organisation")
    for firm in DEMO_FIRMS:
        register_organisation(store, firm, name=f"Synthetic firm {firm[-2:]}")
    register_organisation(store, RESEARCH_ORGANISATION, name="Researchers",
                          epsilon_total=RESEARCH_EPSILON_TOTAL)
    progress("submitting each firm's line figures")
    files = []
    for document in synthetic_submissions(seed):
        path = submissions_folder / f"{document['organisation_id']}-{document['unit_id']}.yaml"
        path.write_text(dump_yaml(document))
        submit_file(store, path, document["organisation_id"])
        files.append(path)
    progress("releasing statistics under the disclosure rules")
    releases = [
        release_statistic(store, "triangular", "changeover_h", ["dosage_form"]),
        release_statistic(store, "median", "oee", ["region"]),
        release_statistic(store, "median", "qc_release_days", ["dosage_form"]),
        release_statistic(store, "sum", "shortage_days", ["dosage_form"]),
        release_statistic(store, "table", "changeovers_per_yr", ["region"]),
    ]
    progress("answering a differentially private query of the researchers")
    private = release_statistic(store, "count", "changeovers_per_yr", [],
                                dp_epsilon=DP_QUERY_EPSILON,
                                organisation_id=RESEARCH_ORGANISATION,
                                bounds=DP_BOUNDS_PER_YR)
    changeover = f"{releases[0].name}@{releases[0].version}"
    scenario_file = folder / "generic_oral_solid_pooled.yaml"
    scenario_file.write_text(dump_yaml(_pooled_scenario_document(changeover)))
    pooled = load_scenario_with_priors(scenario_file, store)
    progress("simulating the batch line on the bundled and the pooled scenario")
    bundled = load_scenario("generic_oral_solid")
    run_ids = {
        "bundled assumption": _line_run(store, bundled, n_replications, seed,
                                        RESEARCH_ORGANISATION),
        "consortium prior": _line_run(store, pooled.scenario, n_replications, seed,
                                      RESEARCH_ORGANISATION),
    }
    logins = []
    if with_logins:
        for user, org, role in (("analyst", RESEARCH_ORGANISATION, "researcher"),
                                ("firm01-member", "firm01", "member")):
            password = secrets.token_urlsafe(12)
            add_user(store, user, org, role, password=password)
            logins.append(DemoLogin(user, org, role, password))
    releases_frame = _release_frame([*releases, private])
    return DemoConsortium(
        organisations=[*DEMO_FIRMS, RESEARCH_ORGANISATION], submission_files=files,
        releases=releases, private_answer=private, scenario_file=scenario_file,
        priors=[p.to_dict() for p in pooled.priors], run_ids=run_ids, logins=logins,
        tables={"consortium_releases": releases_frame,
                "consortium_line": _line_figures(store, run_ids)})
