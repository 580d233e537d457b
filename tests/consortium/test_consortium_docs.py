"""docs/consortium.md: the worked example runs and prints what the page shows, and the
schema table lists every field of a submission."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

from rxtwin.model.consortium import DisclosureRules, Submission

DOC = Path(__file__).resolve().parents[2] / "docs" / "consortium.md"


def test_worked_example_output_matches_the_docs():
    text = DOC.read_text(encoding="utf-8")
    example = text[text.index("## Worked example"):]
    code = re.search(r"```python\n(.*?)```", example, re.S).group(1)
    shown = re.search(r"Output:\n\n```\n(.*?)```", example, re.S).group(1)
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(code, str(DOC), "exec"), {})
    assert printed.getvalue().splitlines() == shown.splitlines()


def test_the_schema_table_lists_every_field_and_the_rules_table_every_rule():
    text = DOC.read_text(encoding="utf-8")
    table = text[text.index("## What is pooled"):text.index("## Disclosure rules")]
    for name in Submission.model_fields:
        assert f"`{name}`" in table, name
    rules = text[text.index("## Disclosure rules"):]
    for name in DisclosureRules.model_fields:
        assert f"`{name}`" in rules, name
