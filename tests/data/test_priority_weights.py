"""priority_weights.yaml: every criterion has one weight with its provenance, and a bad file
is rejected with one line naming the file, the dotted key and the rule."""

from __future__ import annotations

from pathlib import Path

import pytest

from rxtwin.data.priority_weights import bundled_priority_weights_path, load_priority_weights
from rxtwin.errors import UserInputError
from rxtwin.model.priority import CRITERION_GROUP

BUNDLED = bundled_priority_weights_path().read_text(encoding="utf-8")


def _variant(tmp_path: Path, old: str, new: str) -> Path:
    text = BUNDLED.replace(old, new, 1)
    assert text != BUNDLED, f"{old!r} is not in the bundled file"
    path = tmp_path / "weights.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_bundled_weights_cover_every_criterion_once_with_provenance():
    weights = load_priority_weights()
    assert [e.criterion for e in weights.criteria] == list(CRITERION_GROUP)
    for entry in weights.criteria:
        assert entry.group == CRITERION_GROUP[entry.criterion]
        assert entry.provenance.startswith(("source: ", "assumption: "))
        assert entry.cite
    assert weights.entry("sterile_injectable").provenance.count("63 %") == 1


def test_a_users_file_replaces_the_weights(tmp_path):
    path = _variant(tmp_path, "  sterile_injectable:\n    weight: 1.0",
                    "  sterile_injectable:\n    weight: 3.0")
    assert load_priority_weights(path).entry("sterile_injectable").weight == 3.0
    assert load_priority_weights().entry("sterile_injectable").weight == 1.0


@pytest.mark.parametrize(("old", "new", "message"), [
    ("  sterile_injectable:\n    weight: 1.0", "  sterile_injectable:\n    weight: -1",
     "criticality.sterile_injectable.weight: must be a number in [0, 1e+06] (got -1)"),
    ("  sterile_injectable:\n    weight: 1.0", "  sterile_injectable:\n    weight: heavy",
     "criticality.sterile_injectable.weight: must be a number"),
    ("  antibacterial:\n", "  antibacterials:\n",
     "criticality: missing keys ['antibacterial'], unknown keys ['antibacterials']"),
    ("    cite: GAO-16-595\n", "",
     "vulnerability.few_makers: missing ['cite']"),
    ("risk:\n  simulated_shortage_days:\n    weight: 1.0",
     "risk:\n  simulated_shortage_days:\n    weight: 0.0",
     "group 'risk' needs at least one positive weight"),
    ("    assumption: >-\n      One source", "    note: >-\n      One source",
     "vulnerability.few_api_sources: every value needs exactly one"),
])
def test_bad_files_are_rejected_naming_file_key_and_rule(tmp_path, old, new, message):
    path = _variant(tmp_path, old, new)
    with pytest.raises(UserInputError) as caught:
        load_priority_weights(path)
    assert str(path) in str(caught.value)
    assert message in str(caught.value)
