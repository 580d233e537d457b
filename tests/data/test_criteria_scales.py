"""criteria_scales.yaml: every scale with its provenance; a bad file names the key."""

import pytest

from rxtwin.data.criteria_scales import load_criteria_scales, parse_criteria_scales
from rxtwin.errors import UserInputError


def test_every_scale_carries_its_source_or_assumption():
    scales = load_criteria_scales()
    assert set(scales.provenance) == set(type(scales).model_fields) - {"provenance"}
    assert all(p.startswith(("source:", "assumption:")) for p in scales.provenance.values())


@pytest.mark.parametrize(("text", "message"), [
    ("long_shelf_life_days: {value: 1095, assumption: x}\n", "the keys are"),
    ("long_shelf_life_days: {value: -1, assumption: x}\n"
     "price_erosion_window_yr: {value: 5, assumption: x}\n"
     "shortage_history_saturation_episodes: {value: 1, assumption: x}\n"
     "quality_history_saturation_actions: {value: 1, assumption: x}\n", "long_shelf_life_days"),
    ("long_shelf_life_days: 1095\n", "source"),
])
def test_a_bad_scales_file_is_refused_by_key(text, message):
    with pytest.raises(UserInputError, match=message):
        parse_criteria_scales(text, "scales.yaml")
