"""Twin figures: typed results -> Plotly figures (no browser needed)."""

import numpy as np
import plotly.graph_objects as go

from rxtwin.data.twin_defaults import load_twin_defaults
from rxtwin.report import twin_figures
from rxtwin.twin.estimation import pat_readings, replay_readings
from rxtwin.twin.feeders import FeedDisturbance
from rxtwin.twin.flowsheet import Flowsheet
from rxtwin.twin.handoff import continuous_loss_parameters
from rxtwin.twin.rtd import TanksInSeries
from rxtwin.twin.rtd_fit import select_rtd_model, tracer_response


def test_all_figures_build_and_write_html(tmp_path):
    params = load_twin_defaults()
    fs = Flowsheet.from_parameters(params)
    rng = np.random.default_rng(0)
    sim = fs.simulate(1800, rng, [FeedDisturbance("api", 600, 120, -0.35)])
    fig = twin_figures.simulation_figure(sim, 95, 105, [(700.0, 900.0)])
    assert isinstance(fig, go.Figure)
    assert any(tr.name == "potency [% LC]" for tr in fig.data)
    assert len(fig.layout.shapes) >= 3  # two limit lines + a diversion window

    t = np.arange(0, 600, 3.0)
    sel = select_rtd_model(t, tracer_response(TanksInSeries(90, 4), t, "pulse", 1.0), "pulse")
    fig2 = twin_figures.rtd_fit_figure(sel)
    assert sum(tr.name.startswith("tanks_in_series") for tr in fig2.data) == 1

    rd = pat_readings(sim.time_s, sim.potency_pct, params.pat, rng)
    rep = replay_readings(rd.time_s, rd.reading_pct, params.pat, params.estimator,
                          params.diversion, 20.0)
    fig3 = twin_figures.replay_figure(rep, rd.true_pct)
    names = {tr.name for tr in fig3.data}
    assert {"NIR reading", "Kalman estimate", "true potency", "diverted (estimator)"} <= names
    assert "true potency" not in {tr.name for tr in twin_figures.replay_figure(rep).data}

    fig4 = twin_figures.losses_figure(continuous_loss_parameters(params, 0.25, 72), 72)
    assert list(fig4.data[0].x) == ["start-up", "shut-down", "diverted (upsets)"]

    out = tmp_path / "f.html"
    fig3.write_html(str(out))
    assert out.read_text().startswith("<html>")
