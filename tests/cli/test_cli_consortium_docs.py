"""docs/consortium.md, "Releasing statistics": the shell example replays and prints what the
page shows (except the noisy DP values, the timestamps and the head hash)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from rxtwin.cli import app

DOC = Path(__file__).resolve().parents[2] / "docs" / "consortium.md"
OTHERS = {"eu2": ("europe", 14.0), "eu3": ("europe", 16.0), "eu4": ("europe", 18.0),
          "eu5": ("europe", 20.0), "eu6": ("europe", 22.0), "as1": ("south_asia", 30.0),
          "as2": ("south_asia", 35.0), "as3": ("south_asia", 40.0)}


def _commands() -> list[tuple[str, list[str]]]:
    text = DOC.read_text(encoding="utf-8")
    section = text[text.index("## Releasing statistics"):text.index("## Priors from the pool")]
    block = re.search(r"```\n(\$ rxtwin.*?)```", section, re.S).group(1)
    steps: list[tuple[str, list[str]]] = []
    for line in block.splitlines():
        if line.startswith("$ "):
            steps.append((line[2:], []))
        else:
            steps[-1][1].append(line)
    return steps


def _write(folder: Path, name: str, org: str, region: str, value: float) -> None:
    (folder / name).write_text(yaml.safe_dump({
        "schema_version": 1, "organisation_id": org, "unit_kind": "line", "unit_id": "L1",
        "period_yr": 2024, "dosage_form": "oral_solid", "region": region,
        "changeover_h": value}))


def test_the_worked_example_prints_what_the_docs_show(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", "300")
    monkeypatch.setenv("RXTWIN_DB", str(tmp_path / "pool.sqlite"))
    runner = CliRunner()
    for org, (region, value) in OTHERS.items():
        _write(tmp_path, f"{org}.yaml", org, region, value)
        assert runner.invoke(app, ["consortium", "register", org]).exit_code == 0
        assert runner.invoke(app, ["consortium", "submit", f"{org}.yaml",
                                   "--org", org]).exit_code == 0
    _write(tmp_path, "eu1.yaml", "eu1", "europe", 12.0)
    _write(tmp_path, "eu1-corrected.yaml", "eu1", "europe", 13.0)
    steps = _commands()
    assert len(steps) == 9
    for command, shown in steps:
        args = shlex.split(command)[1:]
        done = runner.invoke(app, args, prog_name="rxtwin")
        printed = done.output.splitlines()
        assert done.exit_code == (2 if printed and printed[0].startswith("error:") else 0), \
            (command, done.output)
        assert len(printed) == len(shown), (command, printed)
        if "--dp-epsilon" in args:
            printed, shown = printed[:1], shown[:1]  # the noisy values differ every time
        stamp = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d")
        head = re.compile(r", head \S+$")
        for got, want in zip(printed, shown, strict=True):
            assert head.sub("", stamp.sub("T", got)) == head.sub("", stamp.sub("T", want)), \
                command
