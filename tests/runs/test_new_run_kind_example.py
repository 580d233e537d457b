"""The worked example of docs/design.md ("Adding a run kind") works as written: its module
plus its one registry entry make a kind the registry parses, runs and stores."""

from __future__ import annotations

import re
import types
from pathlib import Path

from rxtwin.data.scenarios import load_scenario
from rxtwin.runs import kinds
from rxtwin.store import Store

DESIGN = Path(__file__).resolve().parents[2] / "docs" / "design.md"


def _example_blocks() -> tuple[str, str]:
    section = DESIGN.read_text(encoding="utf-8").split("## Adding a run kind", 1)[1]
    module, entry = re.findall(r"```python\n(.*?)```", section, flags=re.S)[:2]
    return module, entry


def test_the_documented_kind_is_one_module_plus_one_registry_entry(tmp_path, monkeypatch):
    module_code, entry_code = _example_blocks()
    line_plan = types.ModuleType("line_plan")
    exec(compile(module_code, "docs/design.md: line_plan", "exec"), line_plan.__dict__)
    kind = eval(entry_code.strip().rstrip(","), {"RunKind": kinds.RunKind,
                                                  "line_plan": line_plan})
    monkeypatch.setitem(kinds.RUN_KINDS, kind.name, kind)

    scenario = load_scenario("generic_oral_solid")
    params = kinds.parse_params("line.plan", scenario, {"technology_id": "continuous"})
    with Store.open(tmp_path / "runs.sqlite") as store:
        digest = store.put_scenario(scenario.document(), scenario.name)
        run_id = store.create_run("line.plan", digest, params.model_dump(), None,
                                  n_chunks=kind.n_chunks(params))
        kinds.execute_run(store, run_id)
        assert store.get_run(run_id).status == "done"
        table = store.get_summary(run_id, "line_plan")
    assert len(table) == len(scenario.line("line-1").product_ids)
    assert (table["cycle_days"] > 0).all()


def test_the_documented_kind_checks_its_parameters():
    module_code, _ = _example_blocks()
    line_plan = types.ModuleType("line_plan")
    exec(compile(module_code, "docs/design.md: line_plan", "exec"), line_plan.__dict__)
    scenario = load_scenario("generic_oral_solid")
    problems = line_plan.check_line_plan(scenario, line_plan.LinePlanParams(technology_id="x"))
    assert [p.path for p in problems] == ["technology_id"]
