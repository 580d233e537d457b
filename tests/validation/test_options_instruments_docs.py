"""docs/econ.md, "Public beside private": the premiums and the instruments it quotes for the
sterile scenario are recomputed here from the command the page names (`rxtwin appraise
sterile_injectable --years 400 --reps 20 --seed 1`), so the page cannot go stale.

Compared at the page's precision: shares to 1 decimal of a percent (premium) or whole
percent (grant, credit), money to 2 decimals of a MUSD, USD per vial to 3 decimals."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from rxtwin.cli import app
from rxtwin.store import Store

DOC = Path(__file__).resolve().parents[2] / "docs" / "econ.md"


@pytest.fixture(scope="module")
def options(tmp_path_factory):
    db = tmp_path_factory.mktemp("appraise") / "a.sqlite"
    result = CliRunner().invoke(app, ["appraise", "sterile_injectable", "--years", "400",
                                      "--reps", "20", "--seed", "1", "--db", str(db)])
    assert result.exit_code == 0, result.output
    run_id = [ln for ln in result.output.splitlines() if ln.startswith("run: ")][0][5:].strip()
    with Store.open(db, create=False) as store:
        return store.get_summary(run_id, "econ_options").set_index("option")


def test_the_premiums_on_the_page_are_recomputed(options):
    text = " ".join(DOC.read_text().split())
    isolators = options.loc["advanced_batch", "required_price_premium_share"]
    rapid = options.loc["rapid-sterility-test", "required_price_premium_share"]
    assert f"isolators need about {isolators:.1%} of the price".replace("%", " %") in text
    assert f"test about {rapid:.1%}".replace("%", " %") in text


def test_the_instruments_on_the_page_are_recomputed(options):
    text = " ".join(DOC.read_text().split())
    batch = options.loc["advanced_batch"]
    expected = (f"advanced batch reaches the hurdle with a "
                f"{batch['required_capex_grant_fraction']:.0%} grant at a net "
                f"{batch['grant_fiscal_cost_usd'] / 1e6:.2f} MUSD, a "
                f"{batch['required_itc_fraction']:.0%} credit at "
                f"{batch['itc_fiscal_cost_usd'] / 1e6:.2f} MUSD or a commitment of "
                f"{batch['required_commitment_usd_per_unit']:.3f} USD a vial at "
                f"{batch['commitment_fiscal_cost_usd'] / 1e6:.2f} MUSD").replace("%", " %")
    assert expected in text, expected
    rapid = options.loc["rapid-sterility-test"]
    quoted = (f"a commitment of {rapid['required_commitment_usd_per_unit']:.3f} USD a vial "
              f"({rapid['commitment_fiscal_cost_usd'] / 1e6:.2f} MUSD) is its only public "
              "instrument")
    assert quoted in text, quoted
    assert rapid["cheapest_instrument"] == "purchase commitment"
