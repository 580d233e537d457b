"""shortage_costs.yaml: the bundled parameters load with their provenance, and a bad file
is rejected with one line naming the file, the dotted key and the rule."""

from __future__ import annotations

from pathlib import Path

import pytest

from rxtwin.data.shortage_costs import (
    bundled_shortage_costs_path,
    load_shortage_costs,
    parse_shortage_costs,
)
from rxtwin.errors import UserInputError
from rxtwin.model import DosageForm, RangedValue
from rxtwin.model.distributions import Fixed, Triangular

RULE = "every value needs exactly one non-empty 'source:' or 'assumption:'"
BUNDLED = bundled_shortage_costs_path().read_text(encoding="utf-8")


def _load_variant(tmp_path: Path, old: str, new: str):
    """Load the bundled file with ``old`` replaced by ``new`` (which must change it)."""
    text = BUNDLED.replace(old, new, 1)
    assert text != BUNDLED, f"{old!r} is not in the bundled file"
    path = tmp_path / "costs.yaml"
    path.write_text(text, encoding="utf-8")
    return load_shortage_costs(path)


def test_bundled_file_loads_every_value_with_its_provenance():
    parameters = load_shortage_costs()
    assert set(parameters.harm_by_dosage_form) == set(DosageForm)
    ranged = 5 + 3 * len(DosageForm)
    assert len(parameters.provenance) == ranged + 2  # + the discount rate and alternatives
    assert all(line.startswith(("source: ", "assumption: "))
               for line in parameters.provenance.values())
    harm_keys = [k for k in parameters.provenance if k.startswith("harm_by_dosage_form.")]
    assert "harm_by_dosage_form.sterile_injectable.qaly_lost_per_affected_patient_day" in harm_keys
    assert parameters.social_discount_rate == 0.03
    assert parameters.social_discount_rate_alternatives == (0.02, 0.07)


def test_bundled_values_are_the_published_figures():
    # Vizient 2025 (2023 data): USD 894 M of hospital labour; ASHP: about 310 active
    # shortages in 2023; Premier: USD 229.7 M (2011-2013) in 2023 USD by the CPI-U ratio.
    parameters = load_shortage_costs()
    assert parameters.hospital_labour_usd_per_yr.value == 894.0e6
    assert parameters.active_national_shortages.value == 310.0
    assert parameters.substitute_purchases_usd_per_yr.low == 229.7e6
    assert parameters.substitute_purchases_usd_per_yr.value == pytest.approx(
        229.7e6 * 304.702 / 229.594, rel=1e-3)
    # the low end of labour: Vizient 2019's USD 359 M (2018) in 2023 USD
    assert parameters.hospital_labour_usd_per_yr.low == pytest.approx(
        359.0e6 * 304.702 / 251.107, rel=1e-3)
    # the high-harm reference: Vail et al. 2017, +3.7 points (CI 1.5-6.0) x 5 QALY / 3 days
    reference = parameters.high_harm_qaly_lost_per_affected_patient_day
    assert (reference.low, reference.value, reference.high) == pytest.approx(
        (0.015 * 5 / 3, 0.037 * 5 / 3, 0.060 * 5 / 3), rel=2e-3)


def test_a_ranged_value_samples_a_triangular_with_its_value_as_mode():
    assert RangedValue(value=2.0, low=1.0, high=4.0).distribution == Triangular(
        dist="triangular", low=1.0, mode=2.0, high=4.0)
    assert RangedValue.exactly(3.0).distribution == Fixed(value=3.0)


@pytest.mark.parametrize(("old", "new", "message"), [
    ("  value: 894.0e+6\n", "  value: 1894.0e+6\n",
     "costs.yaml: hospital_labour_usd_per_yr: need low <= value <= high (got "
     "low=436000000.0, value=1894000000.0, high=1118000000.0)"),
    ("      value: 0.9\n      low: 0.7\n      high: 0.98\n",
     "      value: 0.9\n      low: 0.7\n      high: 1.2\n",
     "costs.yaml: harm_by_dosage_form.oral_solid.therapeutic_alternative_share: a share "
     "must lie in [0, 1] over its whole range (got low=0.7, high=1.2)"),
    ("  value: 310.0\n  low: 300.0\n", "  value: 310.0\n  low: 0.0\n",
     "costs.yaml: active_national_shortages: must be > 0 over its whole range (got low=0.0)"),
    ("  value: 100000.0\n  low: 50000.0\n", "  value: 100000.0\n  low: -5.0\n",
     "costs.yaml: wtp_usd_per_qaly: must be >= 0 over its whole range (got low=-5.0)"),
    ("  other:\n", "  liquid:\n",
     "costs.yaml: harm_by_dosage_form: missing keys ['other'], unknown keys ['liquid']"),
    ("social_discount_rate:\n  value: 0.03\n", "social_discount_rate:\n  value: 1.5\n",
     "costs.yaml: social_discount_rate: Input should be less than or equal to 1 (got 1.5)"),
    ("wtp_usd_per_qaly:\n", "wtp_usd_per_qaly_typo:\n",
     "costs.yaml: missing keys ['wtp_usd_per_qaly'], unknown keys ['wtp_usd_per_qaly_typo']"),
])
def test_bad_values_name_file_key_and_rule(tmp_path, old, new, message):
    with pytest.raises(UserInputError) as caught:
        _load_variant(tmp_path, old, new)
    assert message in str(caught.value)
    assert str(caught.value).count("costs.yaml") == 1


def test_missing_provenance_and_unknown_entry_keys_are_named(tmp_path):
    with pytest.raises(UserInputError, match=f"costs.yaml: active_national_shortages: {RULE}"):
        _load_variant(tmp_path, "  value: 310.0\n  low: 300.0\n  high: 323.0\n  source: >-\n",
                      "  value: 310.0\n  low: 300.0\n  high: 323.0\n  note: >-\n")
    with pytest.raises(UserInputError, match=r"costs.yaml: harm_by_dosage_form.other."
                                             r"units_per_patient_day: missing \['high'\]"):
        _load_variant(tmp_path, "      value: 1.0\n      low: 1.0\n      high: 3.0\n      "
                                "assumption: >-\n        as an oral solid",
                      "      value: 1.0\n      low: 1.0\n      assumption: >-\n        as "
                      "an oral solid")


def test_parse_names_the_given_source_in_messages():
    with pytest.raises(UserInputError, match="mine.yaml: a data file is a mapping"):
        parse_shortage_costs("- 1\n", "mine.yaml")
