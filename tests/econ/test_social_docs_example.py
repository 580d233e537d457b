"""The worked example of "Value to society" in docs/econ.md runs and prints exactly what the
page shows."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

DOC = Path(__file__).resolve().parents[2] / "docs" / "econ.md"


def test_social_value_worked_example_output_matches_the_docs():
    text = DOC.read_text(encoding="utf-8")
    section = text[text.index("## Value to society: the cost of a shortage-day"):]
    section = section[section.index("### Worked example"):]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    shown = re.search(r"Output[^\n]*\n\n```\n(.*?)```", section, re.S).group(1)
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(code, str(DOC), "exec"), {})
    assert printed.getvalue().splitlines() == shown.splitlines()
