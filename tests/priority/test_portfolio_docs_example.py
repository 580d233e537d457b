"""The worked example of docs/priority.md, "Budgeted portfolio", runs and prints exactly
what the page shows."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

DOC = Path(__file__).resolve().parents[2] / "docs" / "priority.md"


def test_budgeted_portfolio_example_output_matches_the_docs():
    text = DOC.read_text(encoding="utf-8")
    start = text.index("## Budgeted portfolio")
    end = text.find("\n## ", start + 1)
    section = text[start:] if end < 0 else text[start:end]
    example = section[section.index("### Worked example"):]
    code = re.search(r"```python\n(.*?)```", example, re.S).group(1)
    shown = re.search(r"Output:\n\n```\n(.*?)```", example, re.S).group(1)
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(code, str(DOC), "exec"), {})
    assert printed.getvalue().splitlines() == shown.splitlines()
