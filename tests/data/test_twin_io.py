"""Twin CSV readers: good files read, bad files named by file, column and line."""

import numpy as np
import pytest

from rxtwin.data.twin_io import read_replay_csv, read_tracer_csv
from rxtwin.errors import InputError


def _csv(tmp_path, text, name="d.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_reads_tracer_and_replay(tmp_path):
    t, y = read_tracer_csv(_csv(tmp_path, "time_s,signal\n0,0\n1,2.5\n2,1\n"))
    assert t.tolist() == [0, 1, 2] and y.tolist() == [0, 2.5, 1]
    log = read_replay_csv(_csv(tmp_path, "nir_potency_pct,time_s\n99,5\n101,10\n"))
    assert log.time_s.tolist() == [5, 10] and not log.has_truth
    log = read_replay_csv(_csv(tmp_path, "time_s,nir_potency_pct,true_potency_pct\n5,99,100\n"
                                         "10,101,100\n"))
    assert log.has_truth and np.all(log.true_potency_pct == 100)


@pytest.mark.parametrize("text, expected", [
    ("time_s,nir\n1,2\n2,3\n", "column 'nir_potency_pct': required column is missing"),
    ("time_s,nir_potency_pct\n1,100\n2,abc\n", "column 'nir_potency_pct', line 3: not a number"),
    ("time_s,nir_potency_pct\n1,100\n2,nan\n", "line 3: must be a finite number"),
    ("time_s,nir_potency_pct\n1,100\n2\n", "line 3: row has too few cells"),
    ("time_s,nir_potency_pct\n1,100\n", "needs at least two data rows"),
    ("time_s,nir_potency_pct\n1,100\n1,100\n", "time_s must increase strictly"),
])
def test_bad_replay_files_name_file_column_and_line(tmp_path, text, expected):
    path = _csv(tmp_path, text, "bad.csv")
    with pytest.raises(InputError) as info:
        read_replay_csv(path)
    line = str(info.value)
    assert "\n" not in line and str(path) in line and expected in line


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="file not found"):
        read_tracer_csv(tmp_path / "nope.csv")
