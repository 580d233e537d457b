"""Self-contained HTML reports: one file per run that opens offline.

:func:`render_report_html` turns a scenario, a run record, result tables and figures into
one HTML document with the Plotly library inlined once (no network needed to view it).
:func:`rxtwin.runs.report.run_report_html` gathers those from a store for a stored run.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from datetime import UTC, datetime

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
from plotly.offline import get_plotlyjs

from rxtwin import __version__
from rxtwin.model.scenario import Scenario
from rxtwin.store import RunRecord

__all__ = ["MAX_TABLE_ROWS", "render_report_html", "scenario_overview"]

MAX_TABLE_ROWS = 60  # longer tables are cut in the report; the CSV download has every row

_STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;margin:2rem auto;max-width:70rem;
color:#222;padding:0 1rem}
h1{font-size:1.6rem}h2{border-bottom:1px solid #ccc;padding-bottom:.2rem;margin-top:2rem}
table{border-collapse:collapse;font-size:.85rem;margin:.5rem 0}
td,th{border:1px solid #ddd;padding:.2rem .5rem;text-align:left;vertical-align:top}
th{background:#f4f4f4}.note{background:#fff8e1;border-left:4px solid #f0b400;padding:.5rem}
.meta td:first-child{font-weight:600}
"""


def _e(value: object) -> str:
    return html.escape(str(value))


def _pairs_table(rows: Mapping[str, object], css: str = "meta") -> str:
    body = "".join(f"<tr><td>{_e(k)}</td><td>{_e(v)}</td></tr>" for k, v in rows.items())
    return f'<table class="{css}">{body}</table>'


def _frame_table(frame: pd.DataFrame, max_rows: int = MAX_TABLE_ROWS) -> str:
    shown = frame.head(max_rows)
    text = shown.to_html(index=False, escape=True, border=0, float_format=lambda v: f"{v:,.6g}")
    if len(frame) > max_rows:
        text += f"<p>First {max_rows} of {len(frame)} rows; download the CSV for all.</p>"
    return text


def scenario_overview(scenario: Scenario) -> dict[str, object]:
    """Headline facts of a scenario (name, horizon, firm finance, counts), for tables."""
    return {
        "name": scenario.name,
        "title": scenario.title,
        "currency year": scenario.currency_year,
        "horizon [yr]": scenario.horizon_yr,
        "firm profile": scenario.firm.profile,
        "hurdle rate [1/yr]": scenario.firm.hurdle_rate,
        "payback limit [yr]": scenario.firm.payback_limit_yr,
        "tax rate [-]": scenario.firm.tax_rate,
        "products": len(scenario.products),
        "technologies": ", ".join(t.id for t in scenario.technologies),
        "sites": len(scenario.sites),
        "failure modes": len(scenario.failure_modes),
        "interventions": len(scenario.interventions),
        "hash": scenario.content_hash(),
    }


def render_report_html(
    *,
    scenario: Scenario,
    run: RunRecord,
    run_title: str,
    tables: Mapping[str, pd.DataFrame],
    figures: Mapping[str, go.Figure],
    notes: tuple[str, ...] = (),
) -> str:
    """One self-contained HTML document reporting a run.

    Parameters
    ----------
    scenario : Scenario
        The scenario the run used (summary, description and every ``sources`` entry).
    run : RunRecord
        The run (id, kind, status, parameters, seed, version, timings).
    run_title : str
        Human title of the run kind.
    tables : mapping of str to DataFrame
        Result tables, shown in order (long ones cut at :data:`MAX_TABLE_ROWS` rows).
    figures : mapping of str to plotly Figure
        Figures, shown in order, interactive.
    notes : tuple of str
        Caveats shown at the top (e.g. that the run is not finished).

    Returns
    -------
    str
        A complete HTML document; the Plotly library is inlined once in ``<head>``, so the
        file works offline.
    """
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>rxtwin report {_e(run.id)}</title><style>{_STYLE}</style>",
        f"<script type='text/javascript'>{get_plotlyjs()}</script></head><body>",
        f"<h1>{_e(run_title)}: {_e(scenario.title)}</h1>",
    ]
    parts += [f"<p class='note'>{_e(note)}</p>" for note in notes]
    parts.append("<h2 id='run'>Run</h2>")
    parts.append(_pairs_table({
        "run id": run.id, "kind": run.kind, "status": run.status,
        "seed entropy": run.seed_entropy, "rxtwin version": run.package_version,
        "created": run.created_at, "finished": run.finished_at, "wall time [s]": run.wall_s,
        "chunks": f"{run.chunks_done}/{run.chunks_total}", "error": run.error or "",
    }))
    parts.append("<h3>Parameters</h3>")
    parts.append(_pairs_table(run.parameters))
    parts.append("<h2 id='scenario'>Scenario</h2>")
    if scenario.description:
        parts.append(f"<p>{_e(scenario.description)}</p>")
    parts.append(_pairs_table(scenario_overview(scenario)))
    parts.append("<h2 id='assumptions'>Assumptions and sources</h2>")
    if scenario.sources:
        rows = "".join(f"<tr><td>{_e(path)}</td><td>{_e(text)}</td></tr>"
                       for path, text in sorted(scenario.sources.items()))
        parts.append(f"<table><tr><th>parameter</th><th>source or assumption</th></tr>"
                     f"{rows}</table>")
    else:
        parts.append("<p>The scenario lists no sources.</p>")
    parts.append("<h2 id='results'>Results</h2>")
    for name, frame in tables.items():
        parts.append(f"<h3>{_e(name)}</h3>{_frame_table(frame)}")
    parts.append("<h2 id='figures'>Figures</h2>")
    for name, figure in figures.items():
        parts.append(f"<h3>{_e(name)}</h3>")
        parts.append(pio.to_html(figure, include_plotlyjs=False, full_html=False,
                                 div_id=f"figure-{name}"))
    generated = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    parts.append(f"<hr><p>Generated by rxtwin {_e(__version__)} on {generated}.</p>")
    parts.append("</body></html>")
    return "\n".join(parts)
