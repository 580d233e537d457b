"""`rxtwin twin` commands: exit codes, one-line errors, figures written."""

import numpy as np
import pytest
from typer.testing import CliRunner

from rxtwin.cli.twin import app
from rxtwin.runs.twin_example import OUTPUT as EXAMPLE_CSV
from rxtwin.twin.rtd import TanksInSeries

runner = CliRunner()


def test_simulate_writes_figure(tmp_path):
    out = tmp_path / "sim.html"
    res = runner.invoke(app, ["simulate", "--hours", "0.5", "--upset", "600:120:-0.3",
                              "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "mass balance relative error" in res.output and out.stat().st_size > 10_000


def test_fit_rtd_selects_generating_model(tmp_path):
    t = np.arange(0, 600, 3.0)
    y = 100 * TanksInSeries(90, 4).exit_age_per_s(t)
    y += 0.02 * y.max() * np.random.default_rng(0).standard_normal(t.size)
    data = tmp_path / "tracer.csv"
    data.write_text("time_s,signal\n" + "\n".join(f"{a},{b}" for a, b in zip(t, y, strict=True)))
    out = tmp_path / "fit.html"
    res = runner.invoke(app, ["fit-rtd", str(data), "--kind", "pulse", "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "selected: tanks_in_series" in res.output and out.exists()


def test_replay_example_and_losses(tmp_path):
    res = runner.invoke(app, ["replay", str(EXAMPLE_CSV), "--out", str(tmp_path / "r.html")])
    assert res.exit_code == 0, res.output
    assert "Kalman estimate" in res.output and "caught" in res.output
    res = runner.invoke(app, ["losses", "--rate-per-h", "0.5", "--campaign-h", "48"])
    assert res.exit_code == 0, res.output
    assert "expected diverted fraction" in res.output


@pytest.mark.parametrize("args, message", [
    (["replay", "{bad}"], "column 'nir_potency_pct', line 3: not a number"),
    (["replay", "{missing}"], "required column is missing"),
    (["fit-rtd", "{bad}"], "column 'signal': required column is missing"),
    (["simulate", "--upset", "1:2"], "START_S:DURATION_S:MAGNITUDE"),
    (["simulate", "--lower", "101"], "lower_pct=101.0"),
    (["fit-rtd", "{bad}", "--kind", "impulse"], "--kind='impulse'"),
    (["losses", "--magnitude", "-2"], "magnitude_fraction"),
])
def test_bad_input_exits_2_with_one_line(tmp_path, args, message):
    bad = tmp_path / "bad.csv"
    bad.write_text("time_s,nir_potency_pct\n1,100\n2,abc\n")
    missing = tmp_path / "missing.csv"
    missing.write_text("time_s,other\n1,100\n2,3\n")
    argv = [a.format(bad=bad, missing=missing) for a in args]
    res = runner.invoke(app, argv)
    assert res.exit_code == 2
    text = " ".join(res.output.split())  # rich may wrap long lines
    assert message in text
    assert "Traceback" not in res.output
