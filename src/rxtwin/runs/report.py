"""Reports of stored runs: the run's record, scenario, tables and figures gathered from the
store and rendered by :func:`rxtwin.report.html.render_report_html` into one self-contained
HTML file."""

from __future__ import annotations

from rxtwin.errors import UserInputError
from rxtwin.model.scenario import Scenario
from rxtwin.report.html import render_report_html
from rxtwin.runs.kinds import RUN_KINDS, run_figures
from rxtwin.store import Store

__all__ = ["run_report_html"]


def run_report_html(store: Store, run_id: str) -> str:
    """The HTML report of a stored run (see :func:`rxtwin.report.html.render_report_html`).

    Raises
    ------
    rxtwin.store.UnknownRunError
        No run with that id.
    rxtwin.errors.UserInputError
        The run has no scenario.
    """
    run = store.get_run(run_id)
    if run.scenario_hash is None:
        raise UserInputError(f"run {run_id} has no scenario; a report needs one")
    scenario = Scenario.model_validate(store.get_scenario(run.scenario_hash))
    kind = RUN_KINDS.get(run.kind)
    tables = {name: store.get_summary(run_id, name) for name in store.list_summaries(run_id)}
    notes = [f"This run is {run.status}; results may be missing."] if run.status != "done" \
        else []
    return render_report_html(
        scenario=scenario, run=run, run_title=kind.title if kind else run.kind,
        tables=tables, figures=run_figures(store, run_id), notes=tuple(notes),
    )
