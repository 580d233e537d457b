"""The tree speaks of the product only.

Text in code, tests, docs and data files must not read as a work diary (issue or task
numbers, "this session", notes on who did what when) and must not hold absolute paths of
one machine. Legitimate uses of the same words stay allowed: the workshop report's own
sessions, cited as a publication ("Wosińska et al. 2023, Session 3"), and pytest's
``scope="session"``.

The checker is a plain function (:func:`problems_in`) tested on small strings first, then
run over every tracked text file. This file is the one file it skips: it spells out the
patterns it looks for.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SELF = Path(__file__).resolve().relative_to(ROOT).as_posix()
SCANNED = ("src", "tests", "docs", "benchmarks", "README.md", "CHANGELOG.md", "Makefile",
           "pyproject.toml", ".ci")
BINARY_SUFFIXES = {".png", ".jpg", ".gif", ".gz", ".zip", ".parquet", ".sqlite", ".pyc"}

# Work-diary talk: (pattern, what it is). Case-insensitive.
DIARY = [
    (r"\bissues?\s*#?\d", "an issue number"),
    (r"\bissues?\s+[\"'“]", "an issue named by its title"),
    (r"\bissue's\b", "a reference to an issue"),
    (r"\brxtwin(\s+\w+)?\s+issue\b", "a reference to an issue"),
    (r"\b(tickets?|tasks?)\s*#\s*\d", "a ticket or task number"),
    (r"\btask number", "a task number"),
    (r"\bTODO\(session", "a TODO addressed to a session"),
    (WORK_SESSION := r"\b(this|next|last|previous|earlier|that|same|one|second|third|first)"
                     r"\s+session\b", "a work session"),
    (r"\bclosing note\b", "a closing note"),
    (r"\bwork diary\b", "a work diary"),
]
# "session(s)" anywhere else must be one of the workshop's numbered sessions, cited as such
# (a citation word shortly before), or pytest's session scope.
SESSION = re.compile(r"\bsessions?\b", re.IGNORECASE)
WORKSHOP_SESSION = re.compile(r"\s+(\d|N\b)")
CITATION_CONTEXT = re.compile(r"workshop|wosińska|brookings|report", re.IGNORECASE)
CITATION_WINDOW = 200  # characters before "Session" in which the citation must appear
PYTEST_SCOPE = re.compile(r"""scope\s*=\s*["']session["']""")
# Absolute paths of one machine (start of a path, not the middle of a URL or a word).
ABSOLUTE_PATH = re.compile(r"(?<![\w.~:/-])/(work|tmp|home|root|Users)/|\b[A-Z]:\\")


def problems_in(text: str) -> list[str]:
    """What in ``text`` speaks of how the team works or names a machine's path.

    Returns
    -------
    list of str
        One ``"line N: what (matched text)"`` entry per finding; empty when clean.
    """
    found: list[tuple[int, str]] = []
    for pattern, what in DIARY:
        for match in re.finditer(pattern, text, re.IGNORECASE):
            found.append((match.start(), f"{what} ({match.group(0)!r})"))
    for match in SESSION.finditer(text):
        start = match.start()
        if any(start >= d.start() and start < d.end()
               for d in re.finditer(WORK_SESSION, text, re.IGNORECASE)):
            continue  # already reported as a work session
        line_start = text.rfind("\n", 0, start) + 1
        line_end = text.find("\n", start)
        line = text[line_start:len(text) if line_end < 0 else line_end]
        if PYTEST_SCOPE.search(line):
            continue
        before = text[max(0, start - CITATION_WINDOW):start]
        cited = CITATION_CONTEXT.search(before) is not None
        numbered = WORKSHOP_SESSION.match(text, match.end()) is not None
        after_workshop = before.rstrip().lower().endswith("workshop")
        if cited and (numbered or after_workshop):
            continue
        found.append((start, f"'session' outside a workshop citation ({match.group(0)!r})"))
    for match in ABSOLUTE_PATH.finditer(text):
        found.append((match.start(), f"an absolute machine path ({match.group(0)!r})"))
    return [f"line {text.count(chr(10), 0, offset) + 1}: {what}"
            for offset, what in sorted(found)]


def tracked_text_files() -> list[Path]:
    """Text files of the tree: git's tracked and new (not ignored) files under SCANNED, or
    a walk of SCANNED outside a git checkout."""
    try:
        listed = subprocess.run(
            ["git", "ls-files", "--cached", "--others", "--exclude-standard", "--", *SCANNED],
            cwd=ROOT, capture_output=True, text=True, check=True).stdout.splitlines()
        paths = [ROOT / name for name in listed]
    except (OSError, subprocess.CalledProcessError):
        paths = []
        for name in SCANNED:
            top = ROOT / name
            paths += [top] if top.is_file() else [p for p in top.rglob("*") if p.is_file()]
    texts = []
    for path in paths:
        if not path.is_file() or path.suffix in BINARY_SUFFIXES:
            continue
        if path.relative_to(ROOT).as_posix() == SELF or "__pycache__" in path.parts:
            continue
        texts.append(path)
    return sorted(texts)


@pytest.mark.parametrize("text", [
    "Targets (issue 3): ratio >= 100x",
    'Workload (issue "Supply network resilience", item 3): 200 products',
    "limits of 95-105 %, as set in the rxtwin twin issue; user-settable",
    "everything comes out (the issue's criterion)",
    "see ticket #12",
    "task number 7 is done",
    "# TODO(session 5): speed up",
    "Done this session: the kernel",
    "left for the next session",
    "see the closing note for the count",
    "measured in an earlier session on another machine",
    "Session 2 (2026-11-27): the web app",
    "python -m rxtwin.data.public.build /work/shared/data/raw",
    "figure written to /tmp/tw/sim.html",
    "error: no run in /home/me/runs.sqlite",
    'path = "/Users/me/rxtwin"',
    r"C:\rxtwin\runs.sqlite",
])
def test_checker_flags_work_diary_talk_and_machine_paths(text):
    assert problems_in(text), text


@pytest.mark.parametrize("text", [
    "(Wosińska et al. 2023, Session 3: 'commitment to a long implementation time')",
    "source: workshop report, Session 4 (16-24 months)",
    "the report (Session 3) says generic firms set short payback periods",
    "(Wosińska et al. 2023, Session\n    4: single sourcing of components)",
    'is the workshop report (Brookings Institution / MIT, 2023). "Session N" refers to its\n'
    "workshop sessions.",
    '@pytest.fixture(scope="session")',
    "issue a warning when the horizon is short",
    "see https://example.org/work/papers and ./tmp/out.csv",
    "rxtwin twin simulate --out sim.html",
])
def test_checker_passes_product_text(text):
    assert problems_in(text) == []


def test_checker_names_the_line():
    assert problems_in("clean line\nDone this session.\n") == [
        "line 2: a work session ('this session')"]


def test_the_tree_speaks_of_the_product_only():
    files = tracked_text_files()
    assert any(p.name == "README.md" for p in files)  # the scan sees the tree
    problems = []
    for path in files:
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue  # not a text file
        problems += [f"{path.relative_to(ROOT)}: {p}" for p in problems_in(text)]
    assert not problems, "\n".join(problems)


def test_no_work_diary_page():
    assert not (ROOT / "docs" / "status.md").exists()
    assert (ROOT / "CHANGELOG.md").is_file() and (ROOT / "docs" / "limitations.md").is_file()
