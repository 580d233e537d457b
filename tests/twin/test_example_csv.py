"""The shipped NIR example log is exactly what its documented seeded script produces."""

from rxtwin.runs.twin_example import OUTPUT, nir_replay_example_csv_text


def test_example_csv_is_reproducible():
    assert OUTPUT.read_text(encoding="utf-8") == nir_replay_example_csv_text()
