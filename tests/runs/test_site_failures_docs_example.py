"""The example of docs/supply_simulation.md, "From line failures to site outages", runs and
prints what the page shows."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

DOC = Path(__file__).resolve().parents[2] / "docs" / "supply_simulation.md"


def test_the_derived_modes_example_prints_what_the_docs_show():
    text = DOC.read_text(encoding="utf-8")
    section = text[text.index("Example: the generic line's derived site modes"):]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    shown = re.search(r"prints\n\n```text\n(.*?)```", section, re.S).group(1)
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(code, str(DOC), "exec"), {})
    assert printed.getvalue().splitlines() == shown.splitlines()
