"""Plotly figures of rxtwin results: a typed result in, a ``plotly.graph_objects.Figure`` out.

Every function takes a documented table (pandas DataFrame with the columns named in its
docstring), an array or a small typed object, checks that the columns it needs are there
(``ValueError`` naming the missing ones) and returns a figure. Nothing here reads files,
writes files or needs a browser: tests inspect the returned figure's traces.

Twin time series (concentration, estimate, diversion windows) live in
:mod:`rxtwin.report.twin_figures`.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

import networkx as nx
import numpy as np
import pandas as pd
import plotly.graph_objects as go
from numpy.typing import ArrayLike
from plotly.subplots import make_subplots

from rxtwin.econ.metrics import discount_factors
from rxtwin.errors import UserInputError

__all__ = [
    "COLUMN_LABELS",
    "axis_label",
    "breakeven_map_figure",
    "cash_flow_figure",
    "concentration_figure",
    "efficient_frontier_figure",
    "frontier_figure",
    "npv_distribution_figure",
    "oee_waterfall_figure",
    "options_quadrant_figure",
    "risk_ranking_figure",
    "sobol_figure",
    "supply_network_figure",
    "technology_comparison_figure",
    "technology_comparison_table",
    "time_to_survive_figure",
    "tornado_figure",
    "winner_map_figure",
]

_WIN = "#2ca02c"
_LOSE = "#d62728"
_INFEASIBLE = "#bdbdbd"  # grey: no colour that reads as good or bad
_PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
            "#7f7f7f", "#bcbd22", "#17becf")


COLUMN_LABELS: dict[str, str] = {
    "products_per_line": "products made on the line [-]",
    "volume_scale": "demand volume [× today's]",
    "price_scale": "selling price [× today's]",
    "capex_grant": "capex grant [share of capex, 0-1]",
    "itc": "investment tax credit [share of capex, 0-1]",
    "capex_scale": "capex [× the scenario's]",
    "npv_usd": "net present value [USD]",
    "best_npv_usd": "best option's NPV against the incumbent [USD]",
    "incremental_npv_usd": "NPV against the incumbent [USD]",
    "annual_cost_usd": "annual cost [USD/yr]",
    "unit_cost_usd": "unit cost [USD/unit]",
    "oee": "overall equipment effectiveness (OEE) [-]",
    "fill_rate": "fill rate [-]",
    "availability": "availability [-]",
    "performance": "performance [-]",
    "quality": "quality [-]",
    "output_units": "output [units/yr]",
    "expected_shortage_days": "expected shortage-days [d/yr]",
    "shortage_days_per_yr": "shortage-days per year [d/yr]",
    "shortage_days_avoided_per_yr": "shortage-days avoided per year [d/yr]",
    "firm_npv_usd": "NPV for the firm [USD]",
    "social_npv_usd": "NPV for society [USD]",
    "irr": "internal rate of return [1/yr]",
    "payback_yr": "payback [yr]",
    "hhi_supplier": "HHI by supplier [-]",
    "tts_days": "time-to-survive [days]",
    "ttr_days": "time-to-recover [days]",
}
"""Column names of result tables in words with their units: the axis titles of figures
(a name not listed is shown with its underscores as spaces)."""


def axis_label(name: str) -> str:
    """The words and unit for a column name (:data:`COLUMN_LABELS`), e.g.
    ``axis_label("volume_scale")`` -> ``"demand volume [× today's]"``; an unlisted name
    with its underscores as spaces."""
    return COLUMN_LABELS.get(name, name.replace("_", " "))


def _cut_note(fig: go.Figure, shown: int, total: int, what: str) -> None:
    """Say under the title that only ``shown`` of ``total`` rows are drawn (the table and
    its CSV have them all)."""
    if shown < total:
        fig.add_annotation(
            text=f"showing {shown} of {total} {what}; the table (CSV) has all of them",
            xref="paper", yref="paper", x=0.0, y=1.0, xanchor="left", yanchor="bottom",
            showarrow=False, font={"size": 12, "color": "#a40000"}, name="cut-note")


def _require(frame: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    if not isinstance(frame, pd.DataFrame):
        raise UserInputError(f"{what} needs a pandas DataFrame, got {type(frame).__name__}")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise UserInputError(
            f"{what} needs columns {', '.join(columns)}; missing {', '.join(missing)} "
            f"(has {', '.join(map(str, frame.columns))})"
        )
    if frame.empty:
        raise UserInputError(f"{what} needs at least one row, got an empty table")


# --------------------------------------------------------------------- technology comparison
def technology_comparison_table(summary: pd.DataFrame) -> pd.DataFrame:
    """Wide comparison table: one row per technology, one column per statistic.

    Parameters
    ----------
    summary : pandas.DataFrame
        Tidy table with columns ``technology``, ``statistic``, ``mean``, ``ci95_low``,
        ``ci95_high`` (one row per technology and statistic).

    Returns
    -------
    pandas.DataFrame
        Index ``technology``; one column per statistic holding ``"mean [low, high]"``.
    """
    _require(summary, ("technology", "statistic", "mean", "ci95_low", "ci95_high"),
             "technology_comparison_table")
    text = summary.assign(
        cell=[f"{m:,.4g} [{lo:,.4g}, {hi:,.4g}]" for m, lo, hi in
              zip(summary["mean"], summary["ci95_low"], summary["ci95_high"], strict=True)]
    )
    return text.pivot(index="technology", columns="statistic", values="cell")


def technology_comparison_figure(summary: pd.DataFrame) -> go.Figure:
    """Bar charts of each statistic by technology, with 95 % confidence intervals.

    Parameters
    ----------
    summary : pandas.DataFrame
        Tidy table with columns ``technology``, ``statistic`` (e.g. ``"npv_usd"``),
        ``mean``, ``ci95_low``, ``ci95_high`` (same units as ``mean``).

    Returns
    -------
    plotly.graph_objects.Figure
        One subplot (a bar trace named after the statistic) per statistic, error bars from
        ``ci95_low`` to ``ci95_high``.
    """
    _require(summary, ("technology", "statistic", "mean", "ci95_low", "ci95_high"),
             "technology_comparison_figure")
    statistics = list(dict.fromkeys(summary["statistic"]))
    fig = make_subplots(rows=len(statistics), cols=1,
                        subplot_titles=[axis_label(s) for s in statistics],
                        vertical_spacing=0.12 if len(statistics) > 1 else 0.0)
    for row, statistic in enumerate(statistics, start=1):
        part = summary[summary["statistic"] == statistic]
        mean = part["mean"].to_numpy(float)
        fig.add_trace(
            go.Bar(
                x=part["technology"].astype(str).tolist(), y=mean, name=statistic,
                error_y={"type": "data", "symmetric": False,
                         "array": part["ci95_high"].to_numpy(float) - mean,
                         "arrayminus": mean - part["ci95_low"].to_numpy(float)},
            ),
            row=row, col=1,
        )
    fig.update_layout(title="Technology comparison (mean, 95 % CI)", showlegend=False,
                      height=max(320, 260 * len(statistics)))
    return fig


# --------------------------------------------------------------------------------- OEE
def oee_waterfall_figure(availability: float, performance: float, quality: float) -> go.Figure:
    """Waterfall from 100 % of planned time down to OEE.

    Parameters
    ----------
    availability, performance, quality : float
        The three OEE factors [-], each in [0, 1].

    Returns
    -------
    plotly.graph_objects.Figure
        One ``Waterfall`` trace: 100 %, the availability, performance and quality losses
        (negative steps, percentage points) and the OEE total.

    Notes
    -----
    OEE = A × P × Q (Nakajima 1988). The losses are taken in that order:
    ``(1 - A)``, ``A (1 - P)``, ``A P (1 - Q)``, so the steps add up to ``1 - OEE``.

    References
    ----------
    Nakajima, S. (1988), *Introduction to TPM: Total Productive Maintenance*,
    Productivity Press, Cambridge MA, ch. 2.
    """
    factors = {"availability": availability, "performance": performance, "quality": quality}
    for name, value in factors.items():
        if not (isinstance(value, int | float) and 0.0 <= value <= 1.0):
            raise UserInputError(f"{name} = {value!r} must be a number in [0, 1]")
    a, p, q = availability, performance, quality
    losses = [1.0 - a, a * (1.0 - p), a * p * (1.0 - q)]
    fig = go.Figure(
        go.Waterfall(
            x=["planned time", "availability loss", "performance loss", "quality loss", "OEE"],
            measure=["absolute", "relative", "relative", "relative", "total"],
            y=[100.0, *(-100.0 * loss for loss in losses), 0.0],
            text=[f"{v:.1f} %" for v in (100.0, *(-100.0 * x for x in losses), 100 * a * p * q)],
            decreasing={"marker": {"color": _LOSE}}, totals={"marker": {"color": _WIN}},
        )
    )
    fig.update_layout(title=f"OEE = {100 * a * p * q:.1f} %", yaxis_title="% of planned time")
    return fig


# ---------------------------------------------------------------------------- cash flow
def cash_flow_figure(cash_flows: pd.DataFrame, hurdle_rate: float) -> go.Figure:
    """Yearly net cash flow (bars) and cumulative NPV at the hurdle rate (line).

    Parameters
    ----------
    cash_flows : pandas.DataFrame
        One row per year ``0..n`` in order, column ``net_cash_flow_usd`` [USD] (the output
        of :func:`rxtwin.econ.build_cash_flows`); an optional ``option`` column draws one
        bar and one line per option.
    hurdle_rate : float
        Real discount rate [1/yr].

    Returns
    -------
    plotly.graph_objects.Figure
        For each option a ``Bar`` (net cash flow) and a ``Scatter`` (cumulative discounted
        cash flow, whose last point is the NPV) on a secondary axis.
    """
    _require(cash_flows, ("net_cash_flow_usd",), "cash_flow_figure")
    groups = (cash_flows.groupby("option", sort=False) if "option" in cash_flows
              else [("project", cash_flows)])
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    for i, (option, part) in enumerate(groups):
        flows = part["net_cash_flow_usd"].to_numpy(float)
        years = np.arange(flows.size)
        cumulative = np.cumsum(flows * discount_factors(hurdle_rate, flows.size))
        colour = _PALETTE[i % len(_PALETTE)]
        fig.add_trace(go.Bar(x=years, y=flows, name=f"{option}: net cash flow",
                             marker_color=colour, opacity=0.6), secondary_y=False)
        fig.add_trace(go.Scatter(x=years, y=cumulative, name=f"{option}: cumulative NPV",
                                 mode="lines+markers", line_color=colour), secondary_y=True)
    fig.update_layout(title=f"Cash flow and cumulative NPV at {100 * hurdle_rate:.1f} %",
                      xaxis_title="year", barmode="group")
    fig.update_yaxes(title_text="net cash flow [USD]", secondary_y=False)
    fig.update_yaxes(title_text="cumulative NPV [USD]", secondary_y=True)
    return fig


# ---------------------------------------------------------------------------- break-even
def breakeven_map_figure(
    grid: pd.DataFrame, x_name: str, y_name: str, value_name: str, *, target: float = 0.0,
    title: str = "Break-even map",
) -> go.Figure:
    """Heat map of a figure of merit over two variables, with its break-even contour.

    Parameters
    ----------
    grid : pandas.DataFrame
        The output of :func:`rxtwin.econ.breakeven_map`: columns ``x_name``, ``y_name``,
        ``value_name`` on a full grid (every x with every y; the first row of a repeated
        pair counts). A NaN value (e.g. a point no technology can make) is drawn as a gap.
    x_name, y_name, value_name : str
        Column names (their units are in the names).
    target : float, optional
        Break-even level drawn as a contour (default 0).

    Returns
    -------
    plotly.graph_objects.Figure
        A ``Heatmap`` (z: rows = y, columns = x) and a ``Contour`` line at ``target``.
    """
    _require(grid, (x_name, y_name, value_name), "breakeven_map_figure")
    cells = grid.drop_duplicates([x_name, y_name])
    if len(cells) != grid[x_name].nunique() * grid[y_name].nunique():
        raise UserInputError(f"breakeven_map_figure needs every ({x_name}, {y_name}) pair once")
    table = cells.pivot(index=y_name, columns=x_name, values=value_name)
    xs, ys, z = table.columns.to_numpy(float), table.index.to_numpy(float), table.to_numpy(float)
    finite = np.abs(z[np.isfinite(z)] - target)
    span = float(finite.max()) if finite.size and finite.max() > 0 else 1.0
    fig = go.Figure()
    fig.add_trace(go.Heatmap(
        x=xs, y=ys, z=z, name=value_name, colorscale="RdYlGn", zmid=target,
        zmin=target - span, zmax=target + span, colorbar={"title": axis_label(value_name)},
    ))
    fig.add_trace(go.Contour(
        x=xs, y=ys, z=z, name=f"{value_name} = {target:g}", showscale=False,
        contours={"start": target, "end": target, "size": 1.0, "coloring": "none",
                  "showlabels": True},
        line={"color": "black", "width": 2}, hoverinfo="skip",
    ))
    fig.update_layout(title=title, xaxis_title=axis_label(x_name),
                      yaxis_title=axis_label(y_name))
    return fig


def winner_map_figure(costs: pd.DataFrame, x_name: str, y_name: str,
                      value_name: str = "annual_cost_usd") -> go.Figure:
    """Which technology has the lowest value (e.g. annual cost) at each grid point.

    Parameters
    ----------
    costs : pandas.DataFrame
        Tidy table with columns ``technology``, ``x_name``, ``y_name``, ``value_name``
        (one row per technology and grid point).

    Returns
    -------
    plotly.graph_objects.Figure
        A ``Heatmap`` whose z is the index of the winning technology (in order of first
        appearance) with the technology names as colour-bar labels and hover text; a cell
        won by ``"infeasible"`` (no technology can make the demand) is grey.
    """
    _require(costs, ("technology", x_name, y_name, value_name), "winner_map_figure")
    names = list(dict.fromkeys(costs["technology"].astype(str)))
    best = costs.loc[costs.groupby([y_name, x_name])[value_name].idxmin()]
    index = best.assign(code=best["technology"].astype(str).map(names.index))
    code = index.pivot(index=y_name, columns=x_name, values="code")
    label = index.pivot(index=y_name, columns=x_name, values="technology")
    n = len(names)
    scale = []
    for i, _ in enumerate(names):
        colour = _INFEASIBLE if names[i] == "infeasible" else _PALETTE[i % len(_PALETTE)]
        scale += [[i / n, colour], [(i + 1) / n, colour]]
    fig = go.Figure(go.Heatmap(
        x=code.columns.to_numpy(float), y=code.index.to_numpy(float), z=code.to_numpy(float),
        text=label.to_numpy(), hovertemplate="%{text}<extra></extra>", zmin=-0.5,
        zmax=n - 0.5, colorscale=scale, name="winner",
        colorbar={"tickvals": list(range(n)), "ticktext": names, "title": "cheapest"},
    ))
    fig.update_layout(title="Which technology wins where", xaxis_title=axis_label(x_name),
                      yaxis_title=axis_label(y_name))
    return fig


# --------------------------------------------------------------------------- sensitivity
def tornado_figure(sensitivity: pd.DataFrame, base_value: float,
                   value_name: str = "npv_usd") -> go.Figure:
    """Tornado chart: the output at each parameter's low and high value around the base.

    Parameters
    ----------
    sensitivity : pandas.DataFrame
        Columns ``parameter``, ``low`` and ``high``: the output (units of ``value_name``)
        with the parameter at its low and at its high value, others at base.
    base_value : float
        The output with every parameter at base.

    Returns
    -------
    plotly.graph_objects.Figure
        Two horizontal ``Bar`` traces (``low``, ``high``) with ``base`` at ``base_value``,
        parameters sorted so the widest swing is on top.
    """
    _require(sensitivity, ("parameter", "low", "high"), "tornado_figure")
    swing = (sensitivity["high"] - sensitivity["low"]).abs()
    ordered = sensitivity.assign(swing=swing).sort_values("swing", ascending=True)
    fig = go.Figure()
    for column, colour in (("low", _LOSE), ("high", _WIN)):
        fig.add_trace(go.Bar(
            y=ordered["parameter"].astype(str).tolist(),
            x=ordered[column].to_numpy(float) - base_value, base=base_value,
            orientation="h", name=f"parameter {column}", marker_color=colour,
        ))
    fig.add_vline(x=base_value, line_color="black")
    fig.update_layout(title="Tornado", barmode="overlay", xaxis_title=axis_label(value_name))
    return fig


def sobol_figure(indices: pd.DataFrame) -> go.Figure:
    """Bars of first-order and total Sobol indices with confidence intervals.

    Parameters
    ----------
    indices : pandas.DataFrame
        Columns ``parameter``, ``S1``, ``ST`` and optionally ``S1_conf``, ``ST_conf``
        (half-widths of the 95 % intervals), as in SALib's ``sobol.analyze`` output.

    Returns
    -------
    plotly.graph_objects.Figure
        Two ``Bar`` traces, ``S1`` and ``ST``, parameters sorted by ``ST`` descending.
    """
    _require(indices, ("parameter", "S1", "ST"), "sobol_figure")
    ordered = indices.sort_values("ST", ascending=False)
    fig = go.Figure()
    for column in ("S1", "ST"):
        conf = f"{column}_conf"
        error = ({"type": "data", "array": ordered[conf].to_numpy(float)}
                 if conf in ordered else None)
        fig.add_trace(go.Bar(x=ordered["parameter"].astype(str).tolist(),
                             y=ordered[column].to_numpy(float), name=column, error_y=error))
    fig.update_layout(title="Sobol sensitivity indices", barmode="group",
                      yaxis_title="index [-]")
    return fig


def npv_distribution_figure(npv_usd: ArrayLike, *, nbins: int = 40) -> go.Figure:
    """Histogram of Monte Carlo NPVs with the mean and the share above zero.

    Parameters
    ----------
    npv_usd : array_like
        NPV of each replication [USD] (finite values).

    Returns
    -------
    plotly.graph_objects.Figure
        A ``Histogram`` and a vertical line at the mean; the title gives P(NPV >= 0).
    """
    values = np.asarray(npv_usd, dtype=float).ravel()
    if values.size == 0 or not np.all(np.isfinite(values)):
        raise UserInputError("npv_distribution_figure needs at least one value, all finite")
    fig = go.Figure(go.Histogram(x=values, nbinsx=nbins, name="NPV"))
    fig.add_vline(x=float(values.mean()), line_dash="dash",
                  annotation_text=f"mean {values.mean():,.0f} USD")
    fig.update_layout(title=f"NPV distribution, P(NPV ≥ 0) = {np.mean(values >= 0):.1%}",
                      xaxis_title="NPV [USD]", yaxis_title="replications")
    return fig


# ------------------------------------------------------------------------------ supply
def supply_network_figure(graph: nx.DiGraph, single_points: Collection[str] = ()) -> go.Figure:
    """Supply network drawn in tiers (columns) with single points of failure highlighted.

    Parameters
    ----------
    graph : networkx.DiGraph
        Nodes with attributes ``tier`` (int, 0 = furthest upstream, e.g. KSM) and
        ``country`` (str); edges point downstream.
    single_points : collection of str
        Nodes whose loss cuts supply (drawn red and larger).

    Returns
    -------
    plotly.graph_objects.Figure
        One ``Scatter`` of edges (lines), one of ordinary nodes and one of single points
        (hover: node, tier, country).
    """
    if not isinstance(graph, nx.DiGraph) or graph.number_of_nodes() == 0:
        raise UserInputError("supply_network_figure needs a non-empty networkx.DiGraph")
    missing = [n for n, d in graph.nodes(data=True) if "tier" not in d or "country" not in d]
    if missing:
        raise UserInputError(f"nodes {missing[:5]} lack a 'tier' or 'country' attribute")
    unknown = set(single_points) - set(graph.nodes)
    if unknown:
        raise UserInputError(f"single points {sorted(unknown)[:5]} are not nodes of the graph")
    position: dict[str, tuple[float, float]] = {}
    tiers: dict[int, list] = {}
    for node, data in graph.nodes(data=True):
        tiers.setdefault(int(data["tier"]), []).append(node)
    for tier, nodes in tiers.items():
        ordered = sorted(nodes, key=lambda n: (str(graph.nodes[n]["country"]), str(n)))
        for rank, node in enumerate(ordered):
            position[node] = (float(tier), rank - (len(ordered) - 1) / 2.0)
    edge_x: list[float | None] = []
    edge_y: list[float | None] = []
    for u, v in graph.edges:
        edge_x += [position[u][0], position[v][0], None]
        edge_y += [position[u][1], position[v][1], None]
    fig = go.Figure(go.Scatter(x=edge_x, y=edge_y, mode="lines", name="supply edges",
                               line={"color": "#999", "width": 1}, hoverinfo="skip"))
    singles = set(single_points)
    for name, chosen, colour, size in (
        ("nodes", [n for n in graph.nodes if n not in singles], "#1f77b4", 12),
        ("single points of failure", [n for n in graph.nodes if n in singles], _LOSE, 18),
    ):
        fig.add_trace(go.Scatter(
            x=[position[n][0] for n in chosen], y=[position[n][1] for n in chosen],
            mode="markers+text", name=name, text=[str(n) for n in chosen],
            textposition="top center", marker={"color": colour, "size": size},
            customdata=[[graph.nodes[n]["tier"], graph.nodes[n]["country"]] for n in chosen],
            hovertemplate="%{text}<br>tier %{customdata[0]}, %{customdata[1]}<extra></extra>",
        ))
    fig.update_layout(title="Supply network", xaxis={"title": "tier", "dtick": 1},
                      yaxis={"visible": False})
    return fig


def risk_ranking_figure(ranking: pd.DataFrame, top: int = 20) -> go.Figure:
    """Horizontal bars of shortage risk, highest on top.

    Parameters
    ----------
    ranking : pandas.DataFrame
        Columns ``product`` and ``expected_shortage_days`` [d/yr]; optional ``ci95_low``,
        ``ci95_high`` draw error bars.
    top : int
        Number of products shown.

    Returns
    -------
    plotly.graph_objects.Figure
        One ``Bar`` trace (orientation ``h``) of the ``top`` riskiest products.
    """
    _require(ranking, ("product", "expected_shortage_days"), "risk_ranking_figure")
    chosen = ranking.nlargest(top, "expected_shortage_days").iloc[::-1]
    values = chosen["expected_shortage_days"].to_numpy(float)
    error = None
    if {"ci95_low", "ci95_high"} <= set(chosen.columns):
        error = {"type": "data", "symmetric": False,
                 "array": chosen["ci95_high"].to_numpy(float) - values,
                 "arrayminus": values - chosen["ci95_low"].to_numpy(float)}
    fig = go.Figure(go.Bar(y=chosen["product"].astype(str).tolist(), x=values, orientation="h",
                           name="expected shortage-days", error_x=error))
    fig.update_layout(title="Shortage-risk ranking", xaxis_title="expected shortage-days [d/yr]",
                      yaxis_title="product")
    _cut_note(fig, len(chosen), len(ranking), "products (the riskiest)")
    return fig


def concentration_figure(concentration: pd.DataFrame, highly_concentrated_hhi: float,
                         top: int = 20) -> go.Figure:
    """Horizontal bars of supplier concentration (HHI), most concentrated on top.

    Parameters
    ----------
    concentration : pandas.DataFrame
        Columns ``product_id``, ``item_id`` and ``hhi_supplier`` [-]: one row per product
        input (:func:`rxtwin.supply.exposure.concentration`), or one per product with its
        most concentrated input.
    highly_concentrated_hhi : float
        Threshold [-], drawn as a dashed line; bars above it are red.
    top : int
        Number of bars shown.

    Returns
    -------
    plotly.graph_objects.Figure
        One ``Bar`` trace (orientation ``h``), labelled ``product_id / item_id``, of the
        ``top`` highest HHIs (ties: product, then item, A-Z), and a vertical line at the
        threshold.
    """
    _require(concentration, ("product_id", "item_id", "hhi_supplier"), "concentration_figure")
    chosen = concentration.sort_values(["hhi_supplier", "product_id", "item_id"],
                                       ascending=[False, True, True], kind="stable")
    chosen = chosen.head(top).iloc[::-1]
    values = chosen["hhi_supplier"].to_numpy(float)
    labels = (chosen["product_id"].astype(str) + " / " + chosen["item_id"].astype(str))
    fig = go.Figure(go.Bar(
        y=labels.tolist(), x=values, orientation="h", name="HHI by supplier",
        marker={"color": [_LOSE if v > highly_concentrated_hhi else _PALETTE[0]
                          for v in values]}))
    fig.add_vline(x=highly_concentrated_hhi, line_dash="dash", line_color="#555",
                  annotation_text=f"highly concentrated > {highly_concentrated_hhi:g}")
    fig.update_layout(title="Supplier concentration of each input",
                      xaxis={"title": "supplier concentration, HHI by supplier [-] "
                                      "(1 = a single supplier)", "range": [0.0, 1.05]},
                      yaxis_title="product / input")
    _cut_note(fig, len(chosen), len(concentration), "rows (the most concentrated)")
    return fig


def time_to_survive_figure(sites: pd.DataFrame, top: int = 20) -> go.Figure:
    """Time-to-survive of each site's outage against its time-to-recover.

    Parameters
    ----------
    sites : pandas.DataFrame
        Columns ``site_id``, ``tts_days``, ``ttr_days`` [days] and ``exposed`` (bool,
        TTS < TTR), as :func:`rxtwin.supply.tts.risk_exposure`.
    top : int
        Number of sites shown.

    Returns
    -------
    plotly.graph_objects.Figure
        A ``Bar`` trace (orientation ``h``) of the TTS, red where the site is exposed, and a
        ``Scatter`` of the TTR markers, for the ``top`` sites of shortest TTS (shortest on
        top; ties: site id A-Z). A site is a risk when its bar stops short of its marker
        (Simchi-Levi et al. 2015).
    """
    _require(sites, ("site_id", "tts_days", "ttr_days", "exposed"), "time_to_survive_figure")
    chosen = sites.sort_values(["tts_days", "site_id"], kind="stable").head(top).iloc[::-1]
    labels = chosen["site_id"].astype(str).tolist()
    exposed = chosen["exposed"].to_numpy(bool)
    fig = go.Figure(go.Bar(y=labels, x=chosen["tts_days"].to_numpy(float), orientation="h",
                           name="time-to-survive",
                           marker={"color": [_LOSE if e else _PALETTE[0] for e in exposed]}))
    fig.add_trace(go.Scatter(y=labels, x=chosen["ttr_days"].to_numpy(float), mode="markers",
                             name="time-to-recover",
                             marker={"symbol": "diamond", "size": 11, "color": "#222"}))
    fig.update_layout(title="Time-to-survive vs time-to-recover of each site's outage "
                      "(red: exposed)", xaxis_title="days after the site goes down [days]",
                      yaxis_title="site down")
    _cut_note(fig, len(chosen), len(sites), "sites (the shortest time-to-survive)")
    return fig


def efficient_frontier_figure(portfolios: pd.DataFrame) -> go.Figure:
    """Budget against shortage-days avoided, with the efficient frontier.

    Parameters
    ----------
    portfolios : pandas.DataFrame
        Columns ``budget_usd`` and ``shortage_days_avoided`` (one row per candidate
        portfolio); an optional ``label`` is shown on hover.

    Returns
    -------
    plotly.graph_objects.Figure
        A ``Scatter`` of all portfolios and a line through the efficient ones: those no
        other portfolio beats with a lower-or-equal budget and more days avoided.
    """
    _require(portfolios, ("budget_usd", "shortage_days_avoided"), "efficient_frontier_figure")
    ordered = portfolios.sort_values(["budget_usd", "shortage_days_avoided"],
                                     ascending=[True, False])
    best = -np.inf
    efficient = []
    for value in ordered["shortage_days_avoided"].to_numpy(float):
        efficient.append(value > best)
        best = max(best, value)
    frontier = ordered[np.array(efficient)]
    labels = ordered["label"].astype(str).tolist() if "label" in ordered else None
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=ordered["budget_usd"], y=ordered["shortage_days_avoided"],
                             mode="markers", name="portfolios", text=labels,
                             marker={"color": "#bbb"}))
    fig.add_trace(go.Scatter(x=frontier["budget_usd"], y=frontier["shortage_days_avoided"],
                             mode="lines+markers", name="efficient frontier",
                             line={"shape": "hv", "color": _WIN}))
    fig.update_layout(title="Efficient frontier", xaxis_title="budget [USD]",
                      yaxis_title="shortage-days avoided [d]")
    return fig


def frontier_figure(frontier: pd.DataFrame, objective_label: str) -> go.Figure:
    """The budgeted portfolio's frontier: public budget against the best benefit it buys.

    Parameters
    ----------
    frontier : pandas.DataFrame
        The table of :func:`rxtwin.priority.portfolio.efficient_frontier`: columns
        ``budget_usd`` [USD], ``benefit`` [objective unit], ``cost_usd`` [USD] and
        ``chosen_options`` (``"product: option; ..."``), one row per budget.
    objective_label : str
        The benefit axis title, with its unit, e.g.
        ``"criticality-weighted shortage-days avoided [d/yr]"``.

    Returns
    -------
    plotly.graph_objects.Figure
        One ``Scatter`` (steps through the budgets, in increasing order): x the budget
        [million USD], y the benefit; hover shows the spend [million USD] and the chosen
        options, one per line.
    """
    _require(frontier, ("budget_usd", "benefit", "cost_usd", "chosen_options"),
             "frontier_figure")
    ordered = frontier.sort_values("budget_usd", kind="stable")
    chosen = [text.replace("; ", "<br>") if text else "(nothing)"
              for text in ordered["chosen_options"].astype(str)]
    fig = go.Figure(go.Scatter(
        x=ordered["budget_usd"].to_numpy(float) / 1e6, y=ordered["benefit"].to_numpy(float),
        mode="lines+markers", name="best portfolio", line={"shape": "hv", "color": _WIN},
        customdata=np.column_stack([ordered["cost_usd"].to_numpy(float) / 1e6, chosen]),
        hovertemplate=("budget %{x:.3g} million USD<br>spends %{customdata[0]:.3g} million "
                       "USD<br>%{y:.4g}<br>%{customdata[1]}<extra></extra>")))
    fig.update_layout(title="What a public budget buys",
                      xaxis_title="public budget [million USD]", yaxis_title=objective_label)
    return fig


_VERDICT_COLOURS = {"firm does it on its own": _WIN, "worth subsidising": "#1f77b4",
                    "firm gains, society loses": "#ff7f0e", "not worth it": _LOSE}


def options_quadrant_figure(options: pd.DataFrame) -> go.Figure:
    """Each option's NPV for the firm against its NPV for society, in four quadrants.

    Parameters
    ----------
    options : pandas.DataFrame
        Columns ``option``, ``firm_npv_usd``, ``social_npv_usd`` [USD] and ``verdict``;
        optional ``social_npv_low_usd`` and ``social_npv_high_usd`` [USD] draw the
        social NPV's interval (the table of ``rxtwin.econ.options.options_table``).

    Returns
    -------
    plotly.graph_objects.Figure
        One ``Scatter`` per verdict (markers labelled with the option), both NPVs in
        million USD, and the two axes through zero; the quadrants are named in words:
        right, the firm invests on its own; left and up, worth subsidising; down and left,
        not worth it.
    """
    _require(options, ("option", "firm_npv_usd", "social_npv_usd", "verdict"),
             "options_quadrant_figure")
    fig = go.Figure()
    has_interval = {"social_npv_low_usd", "social_npv_high_usd"} <= set(options.columns)
    for verdict, rows in options.groupby("verdict", sort=False):
        error = None
        if has_interval:
            error = {"type": "data", "symmetric": False,
                     "array": (rows["social_npv_high_usd"] - rows["social_npv_usd"]) / 1e6,
                     "arrayminus": (rows["social_npv_usd"] - rows["social_npv_low_usd"])
                     / 1e6}
        fig.add_trace(go.Scatter(
            x=rows["firm_npv_usd"] / 1e6, y=rows["social_npv_usd"] / 1e6,
            mode="markers+text",
            text=rows["option"].astype(str), textposition="top center", name=str(verdict),
            error_y=error, marker={"size": 10,
                                   "color": _VERDICT_COLOURS.get(str(verdict), "#7f7f7f")}))
    fig.add_hline(y=0.0, line={"color": "#555", "width": 1})
    fig.add_vline(x=0.0, line={"color": "#555", "width": 1})
    for x, y, text in ((0.98, 0.98, "firm invests on its own"),
                       (0.02, 0.98, "worth subsidising: society gains, the firm does not"),
                       (0.02, 0.02, "not worth it")):
        fig.add_annotation(xref="paper", yref="paper", x=x, y=y, text=text,
                           showarrow=False, xanchor="right" if x > 0.5 else "left",
                           yanchor="top" if y > 0.5 else "bottom",
                           font={"color": "#555"})
    fig.update_layout(
        title="Each option for the firm and for society (error bars: the social NPV's "
              "interval over the shortage-day cost)",
        xaxis_title="NPV for the firm at its hurdle rate [million USD]",
        yaxis_title="NPV for society at the social discount rate [million USD]")
    return fig
