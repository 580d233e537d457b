"""Figures are functions from typed results to Plotly figures; checked without a browser by
reading the traces' data back and comparing with independent computations."""

from __future__ import annotations

import itertools

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from rxtwin.econ import breakeven_map, npv_usd
from rxtwin.report import figures as fig


def _tidy_summary() -> pd.DataFrame:
    return pd.DataFrame({
        "technology": ["batch", "continuous", "batch", "continuous"],
        "statistic": ["npv_usd", "npv_usd", "shortage_days", "shortage_days"],
        "mean": [1.0, 3.0, 10.0, 4.0],
        "ci95_low": [0.5, 2.0, 8.0, 3.0],
        "ci95_high": [1.5, 4.5, 12.0, 5.0],
    })


def test_technology_comparison_bars_carry_means_and_asymmetric_intervals():
    figure = fig.technology_comparison_figure(_tidy_summary())
    bars = [t for t in figure.data if t.type == "bar"]
    assert [b.name for b in bars] == ["npv_usd", "shortage_days"]
    npv = bars[0]
    assert list(npv.x) == ["batch", "continuous"]
    np.testing.assert_allclose(npv.y, [1.0, 3.0])
    # error bars reach exactly the interval ends
    np.testing.assert_allclose(np.asarray(npv.y) + np.asarray(npv.error_y.array), [1.5, 4.5])
    np.testing.assert_allclose(np.asarray(npv.y) - np.asarray(npv.error_y.arrayminus),
                               [0.5, 2.0])


def test_technology_comparison_table_is_wide_with_interval_text():
    table = fig.technology_comparison_table(_tidy_summary())
    assert list(table.index) == ["batch", "continuous"]
    assert table.loc["continuous", "npv_usd"] == "3 [2, 4.5]"


def test_missing_columns_are_named():
    with pytest.raises(ValueError, match="missing ci95_low, ci95_high"):
        fig.technology_comparison_figure(pd.DataFrame(
            {"technology": ["a"], "statistic": ["s"], "mean": [1.0]}))


def test_oee_waterfall_steps_add_up_to_the_product_of_factors():
    a, p, q = 0.8, 0.9, 0.95
    trace = fig.oee_waterfall_figure(a, p, q).data[0]
    steps = np.asarray(trace.y[1:4], dtype=float)
    # 100 % minus the three losses is OEE = A P Q (Nakajima 1988)
    assert 100.0 + steps.sum() == pytest.approx(100.0 * a * p * q, rel=1e-12)
    assert list(trace.measure) == ["absolute", "relative", "relative", "relative", "total"]
    with pytest.raises(ValueError, match="quality"):
        fig.oee_waterfall_figure(0.9, 0.9, 1.2)


def test_cumulative_npv_ends_at_npv_usd():
    flows = pd.DataFrame({"net_cash_flow_usd": [-1000.0, 300.0, 400.0, 500.0, 200.0]})
    figure = fig.cash_flow_figure(flows, 0.1)
    line = next(t for t in figure.data if t.type == "scatter")
    assert line.y[-1] == pytest.approx(npv_usd(0.1, flows["net_cash_flow_usd"]), rel=1e-12)
    bars = next(t for t in figure.data if t.type == "bar")
    np.testing.assert_allclose(bars.y, flows["net_cash_flow_usd"])


def test_cash_flow_draws_one_pair_per_option():
    flows = pd.DataFrame({"option": ["a"] * 3 + ["b"] * 3,
                          "net_cash_flow_usd": [-10.0, 6.0, 6.0, -5.0, 1.0, 1.0]})
    figure = fig.cash_flow_figure(flows, 0.0)
    assert len(figure.data) == 4
    assert figure.data[3].y[-1] == pytest.approx(-3.0)  # b, undiscounted at rate 0


def test_breakeven_map_heatmap_holds_the_grid_and_a_zero_contour():
    grid = breakeven_map(lambda x, y: x * y - 6.0, [1, 2, 3], [1, 2, 3, 4],
                         x_name="products", y_name="volume", value_name="npv_usd")
    figure = fig.breakeven_map_figure(grid, "products", "volume", "npv_usd")
    heat, contour = figure.data
    assert heat.type == "heatmap" and contour.type == "contour"
    z = np.asarray(heat.z, dtype=float)
    assert z.shape == (4, 3)  # rows = y, columns = x
    for (i, y), (j, x) in itertools.product(enumerate([1, 2, 3, 4]), enumerate([1, 2, 3])):
        assert z[i, j] == x * y - 6.0
    assert contour.contours.start == contour.contours.end == 0.0


def test_breakeven_map_refuses_a_ragged_grid():
    grid = pd.DataFrame({"x": [1.0, 1.0, 2.0], "y": [1.0, 2.0, 1.0], "v": [0.0, 1.0, 2.0]})
    with pytest.raises(ValueError, match="every"):
        fig.breakeven_map_figure(grid, "x", "y", "v")


def test_winner_map_matches_an_independent_argmin():
    rng = np.random.default_rng(3)
    rows = [(t, x, y, rng.uniform()) for t in ("batch", "cm", "modular")
            for x in (1, 2, 3) for y in (10.0, 20.0)]
    costs = pd.DataFrame(rows, columns=["technology", "x", "y", "annual_cost_usd"])
    trace = fig.winner_map_figure(costs, "x", "y").data[0]
    names = list(trace.colorbar.ticktext)
    for i, y in enumerate((10.0, 20.0)):
        for j, x in enumerate((1, 2, 3)):
            at = [(c, t) for t, xx, yy, c in rows if xx == x and yy == y]
            assert names[int(trace.z[i][j])] == min(at)[1]
            assert trace.text[i][j] == min(at)[1]


def test_winner_map_draws_infeasible_cells_grey_and_winners_in_colour():
    cells = pd.DataFrame({"technology": ["batch", "infeasible", "continuous"],
                          "x": [1, 2, 3], "y": [1.0, 1.0, 1.0], "cell": 0.0})
    trace = fig.winner_map_figure(cells, "x", "y", "cell").data[0]
    names = list(trace.colorbar.ticktext)
    colour = {names[round(lo * len(names))]: c for lo, c in trace.colorscale[::2]}
    assert colour["infeasible"] == fig._INFEASIBLE
    assert fig._INFEASIBLE not in (colour["batch"], colour["continuous"])


def test_tornado_puts_the_widest_swing_on_top_and_bars_reach_low_and_high():
    table = pd.DataFrame({"parameter": ["capex", "price", "yield"],
                          "low": [90.0, 50.0, 95.0], "high": [110.0, 160.0, 104.0]})
    low, high = fig.tornado_figure(table, base_value=100.0).data
    assert list(low.y) == ["yield", "capex", "price"]  # plotly draws the last on top
    np.testing.assert_allclose(np.asarray(high.x) + high.base, [104.0, 110.0, 160.0])
    np.testing.assert_allclose(np.asarray(low.x) + low.base, [95.0, 90.0, 50.0])


def test_sobol_bars_sorted_by_total_index_with_confidence():
    table = pd.DataFrame({"parameter": ["a", "b"], "S1": [0.1, 0.6], "ST": [0.2, 0.7],
                          "S1_conf": [0.01, 0.02], "ST_conf": [0.03, 0.04]})
    s1, st = fig.sobol_figure(table).data
    assert list(st.x) == ["b", "a"]
    np.testing.assert_allclose(st.y, [0.7, 0.2])
    np.testing.assert_allclose(st.error_y.array, [0.04, 0.03])


def test_npv_distribution_title_gives_the_share_at_or_above_zero():
    values = np.array([-2.0, -1.0, 0.0, 1.0, 5.0])
    figure = fig.npv_distribution_figure(values)
    np.testing.assert_allclose(figure.data[0].x, values)
    assert "60.0%" in figure.layout.title.text
    with pytest.raises(ValueError, match="finite"):
        fig.npv_distribution_figure([1.0, np.nan])


def test_supply_network_highlights_single_points_and_places_tiers():
    graph = nx.DiGraph()
    graph.add_node("ksm-cn", tier=0, country="CN")
    graph.add_node("api-in", tier=1, country="IN")
    graph.add_node("fdf-us", tier=2, country="US")
    graph.add_node("fdf-ie", tier=2, country="IE")
    graph.add_edges_from([("ksm-cn", "api-in"), ("api-in", "fdf-us"), ("api-in", "fdf-ie")])
    edges, ordinary, singles = fig.supply_network_figure(graph, {"api-in"}).data
    assert list(singles.text) == ["api-in"] and list(singles.x) == [1.0]
    assert set(ordinary.text) == {"ksm-cn", "fdf-us", "fdf-ie"}
    assert sum(v is None for v in edges.x) == graph.number_of_edges()
    with pytest.raises(ValueError, match="not nodes"):
        fig.supply_network_figure(graph, {"nowhere"})


def test_risk_ranking_shows_the_top_products_highest_on_top():
    table = pd.DataFrame({"product": list("abcde"),
                          "expected_shortage_days": [5.0, 1.0, 9.0, 3.0, 7.0]})
    bar = fig.risk_ranking_figure(table, top=3).data[0]
    assert list(bar.y) == ["a", "e", "c"]
    np.testing.assert_allclose(bar.x, [5.0, 7.0, 9.0])


def test_efficient_frontier_matches_brute_force_dominance():
    rng = np.random.default_rng(7)
    table = pd.DataFrame({"budget_usd": rng.integers(1, 50, 40).astype(float),
                          "shortage_days_avoided": rng.uniform(0, 100, 40)})
    frontier = fig.efficient_frontier_figure(table).data[1]
    # brute force: a portfolio is efficient if no other has budget <= and more days avoided
    expected = sorted(
        (b, d) for b, d in zip(table.budget_usd, table.shortage_days_avoided, strict=True)
        if not any(b2 <= b and d2 > d for b2, d2 in
                   zip(table.budget_usd, table.shortage_days_avoided, strict=True))
    )
    assert list(zip(frontier.x, frontier.y, strict=True)) == expected


def test_concentration_bars_keep_the_top_hhis_and_colour_those_above_the_threshold():
    frame = pd.DataFrame({"product_id": ["a", "a", "b", "c"],
                          "item_id": ["api", "ksm", "api", "vial"],
                          "hhi_supplier": [1.0, 0.3, 0.5, 0.1]})
    figure = fig.concentration_figure(frame, highly_concentrated_hhi=0.4, top=3)
    (bars,) = figure.data
    # the three highest, most concentrated on top (plotly draws the last bar on top)
    assert list(bars.y) == ["a / ksm", "b / api", "a / api"]
    assert list(bars.x) == [0.3, 0.5, 1.0]
    above = [c == fig._LOSE for c in bars.marker.color]
    assert above == [False, True, True]
    assert figure.layout.shapes[0].x0 == 0.4  # the threshold line
    with pytest.raises(ValueError, match="hhi_supplier"):
        fig.concentration_figure(frame.drop(columns="hhi_supplier"), 0.4)


def test_time_to_survive_bars_pair_each_site_with_its_recovery_marker():
    sites = pd.DataFrame({"site_id": ["s1", "s2", "s3"], "tts_days": [90.0, 10.0, 30.0],
                          "ttr_days": [60.0, 60.0, 20.0], "exposed": [False, True, False]})
    figure = fig.time_to_survive_figure(sites, top=2)
    bars, markers = figure.data
    assert list(bars.y) == ["s3", "s2"] == list(markers.y)  # shortest TTS on top
    assert list(bars.x) == [30.0, 10.0] and list(markers.x) == [20.0, 60.0]
    assert [c == fig._LOSE for c in bars.marker.color] == [False, True]


def test_frontier_figure_plots_the_portfolio_frontier_in_million_usd():
    from rxtwin.priority.portfolio import efficient_frontier

    table = pd.DataFrame({
        "product_id": ["heparin", "heparin", "cisplatin"],
        "option_id": ["buffer_90d", "second_api_source", "buffer_90d"],
        "public_cost_usd": [2e6, 5e6, 3e6], "benefit": [40.0, 70.0, 50.0]})
    frontier = efficient_frontier(table, [8e6, 0.0, 4e6])
    figure = fig.frontier_figure(frontier, "shortage-days avoided [d/yr]")
    trace = figure.data[0]
    # Sorted by budget, in million USD; benefits are the solved ones (0, 50, 120).
    np.testing.assert_allclose(trace.x, [0.0, 4.0, 8.0])
    np.testing.assert_allclose(trace.y, [0.0, 50.0, 120.0])
    assert list(trace.customdata[:, 1]) == [
        "(nothing)", "cisplatin: buffer_90d",
        "heparin: second_api_source<br>cisplatin: buffer_90d"]
    assert figure.layout.xaxis.title.text == "public budget [million USD]"
    assert figure.layout.yaxis.title.text == "shortage-days avoided [d/yr]"
    with pytest.raises(ValueError, match="missing chosen_options"):
        fig.frontier_figure(frontier.drop(columns="chosen_options"), "benefit")


def test_axis_titles_are_words_with_units_not_column_names():
    axis_label = fig.axis_label

    grid = pd.DataFrame({"products_per_line": [1, 1, 2, 2], "volume_scale": [0.5, 1, 0.5, 1],
                         "best_npv_usd": [1.0, -1.0, 2.0, 0.5]})
    figure = fig.breakeven_map_figure(grid, "products_per_line", "volume_scale",
                                      "best_npv_usd")
    assert figure.layout.xaxis.title.text == axis_label("products_per_line")
    assert "[" in figure.layout.yaxis.title.text and "_" not in figure.layout.yaxis.title.text
    assert axis_label("some_new_column") == "some new column"


def test_a_cut_chart_says_how_many_rows_it_keeps():
    rows = pd.DataFrame({"product_id": [f"p{i:02d}" for i in range(32)], "item_id": "api",
                         "hhi_supplier": np.linspace(0.1, 1.0, 32)})
    cut = fig.concentration_figure(rows, 0.18)
    notes = [a.text for a in cut.layout.annotations if a.name == "cut-note"]
    assert notes == ["showing 20 of 32 rows (the most concentrated); the table (CSV) has "
                     "all of them"]
    whole = fig.concentration_figure(rows.head(5), 0.18)
    assert not [a for a in whole.layout.annotations if a.name == "cut-note"]
