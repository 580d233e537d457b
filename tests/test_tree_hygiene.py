"""The tree speaks of the product only.

Text in code, tests, docs and data files must not read as a diary of the team's work (tracker or task
numbers, notes on what the team did when or who did it) and must not hold absolute paths of
one machine. Legitimate uses of the same words stay allowed: the workshop report's own
numbered meetings, cited as a publication ("Wosińska et al. 2023", then the meeting's
number), and pytest's fixture scope of that name.

The checker is a plain function (:func:`problems_in`) tested on small strings first, then
run over every tracked text file, this one included: the words and paths it looks for are
assembled from pieces here, so the file passes its own check.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCANNED = ("src", "tests", "docs", "benchmarks", "README.md", "CHANGELOG.md", "Makefile",
           "pyproject.toml", ".ci")
BINARY_SUFFIXES = {".png", ".jpg", ".gif", ".gz", ".zip", ".parquet", ".sqlite", ".pyc"}
# Third-party files copied as published (minified code whose words are not ours); each
# folder has a PROVENANCE.md naming the package and version, checked below.
VENDORED = ("src/rxtwin/web/static/swagger-ui",)

# The words and machine folders the checker looks for, assembled so that this file does
# not contain them itself.
TRACKER = "iss" + "ue"
MEETING = "ses" + "sion"
NOTE = "closing" + " note"
DIARY_WORDS = "work" + " diary"
TASK_NUMBER = "task" + " number"
MACHINE_FOLDERS = ("work", "tmp", "home", "root", "Users")

# Work-diary talk: (pattern, what it is). Case-insensitive.
WORK_MEETING = (r"\b(this|next|last|previous|earlier|that|same|one|second|third|first)"
                rf"\s+{MEETING}\b")
DIARY = [
    (rf"\b{TRACKER}s?\s*#?\d", f"an {TRACKER} number"),
    (rf"\b{TRACKER}s?\s+[\"'“]", f"an {TRACKER} named by its title"),
    (rf"\b{TRACKER}'s\b", f"a reference to an {TRACKER}"),
    (rf"\brxtwin(\s+\w+)?\s+{TRACKER}\b", f"a reference to an {TRACKER}"),
    (r"\b(tickets?|tasks?)\s*#\s*\d", "a ticket or task reference"),
    (rf"\b{TASK_NUMBER}", f"a {TASK_NUMBER}"),
    (rf"\bTODO\({MEETING}", f"a TODO addressed to a {MEETING}"),
    (WORK_MEETING, f"a work {MEETING}"),
    (rf"\b{NOTE}\b", f"a {NOTE}"),
    (rf"\b{DIARY_WORDS}\b", f"a {DIARY_WORDS}"),
]
# The meeting word anywhere else must be one of the workshop's numbered meetings, cited as
# such (a citation word shortly before), or pytest's fixture scope.
MEETING_WORD = re.compile(rf"\b{MEETING}s?\b", re.IGNORECASE)
WORKSHOP_NUMBER = re.compile(r"\s+(\d|N\b)")
CITATION_CONTEXT = re.compile(r"workshop|wosińska|brookings|report", re.IGNORECASE)
CITATION_WINDOW = 200  # characters before the word in which the citation must appear
PYTEST_SCOPE = re.compile(rf"""scope\s*=\s*["']{MEETING}["']""")
# Absolute paths of one machine (start of a path, not the middle of a URL or a word).
ABSOLUTE_PATH = re.compile(rf"(?<![\w.~:/-])/({'|'.join(MACHINE_FOLDERS)})/|\b[A-Z]:\\")


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
    for match in MEETING_WORD.finditer(text):
        start = match.start()
        if any(start >= d.start() and start < d.end()
               for d in re.finditer(WORK_MEETING, text, re.IGNORECASE)):
            continue  # already reported as a work meeting
        line_start = text.rfind("\n", 0, start) + 1
        line_end = text.find("\n", start)
        line = text[line_start:len(text) if line_end < 0 else line_end]
        if PYTEST_SCOPE.search(line):
            continue
        before = text[max(0, start - CITATION_WINDOW):start]
        cited = CITATION_CONTEXT.search(before) is not None
        numbered = WORKSHOP_NUMBER.match(text, match.end()) is not None
        after_workshop = before.rstrip().lower().endswith("workshop")
        if cited and (numbered or after_workshop):
            continue
        found.append((start, f"'{MEETING}' outside a workshop citation ({match.group(0)!r})"))
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
        if "__pycache__" in path.parts:
            continue
        if any(path.is_relative_to(ROOT / folder) for folder in VENDORED):
            continue
        texts.append(path)
    return sorted(texts)


def _seeded(text: str) -> str:
    """An example with the checker's words and folders filled in ({T} tracker word, {M}
    meeting word, {Mc} capitalised, {N} the note, {work} ... folder roots, {drive} a
    Windows drive)."""
    folders = {name: "/" + name for name in MACHINE_FOLDERS}
    return text.format(T=TRACKER, M=MEETING, Mc=MEETING.capitalize(), N=NOTE, hash="#",
                       task_number=TASK_NUMBER, drive="C:" + "\\", **folders)


@pytest.mark.parametrize("text", [_seeded(t) for t in [
    "Targets ({T} 3): ratio >= 100x",
    'Workload ({T} "Supply network resilience", item 3): 200 products',
    "limits of 95-105 %, as set in the rxtwin twin {T}; user-settable",
    "everything comes out (the {T}'s criterion)",
    "see ticket {hash}12",
    "{task_number} 7 is done",
    "# TODO({M} 5): speed up",
    "Done this {M}: the kernel",
    "left for the next {M}",
    "see the {N} for the count",
    "measured in an earlier {M} on another machine",
    "{Mc} 2 (2026-11-27): the web app",
    "python -m rxtwin.data.public.build {work}/shared/data/raw",
    "figure written to {tmp}/tw/sim.html",
    "error: no run in {home}/me/runs.sqlite",
    'path = "{Users}/me/rxtwin"',
    "{drive}rxtwin\\runs.sqlite",
]])
def test_checker_flags_work_diary_talk_and_machine_paths(text):
    assert problems_in(text), text


@pytest.mark.parametrize("text", [_seeded(t) for t in [
    "(Wosińska et al. 2023, {Mc} 3: 'commitment to a long implementation time')",
    "source: workshop report, {Mc} 4 (16-24 months)",
    "the report ({Mc} 3) says generic firms set short payback periods",
    "(Wosińska et al. 2023, {Mc}\n    4: single sourcing of components)",
    'is the workshop report (Brookings Institution / MIT, 2023). "{Mc} N" refers to its\n'
    "workshop {M}s.",
    '@pytest.fixture(scope="{M}")',
    "{T} a warning when the horizon is short",
    "see https://example.org/work/papers and ./tmp/out.csv",
    "rxtwin twin simulate --out sim.html",
]])
def test_checker_passes_product_text(text):
    assert problems_in(text) == []


def test_checker_names_the_line():
    assert problems_in(_seeded("clean line\nDone this {M}.\n")) == [
        _seeded("line 2: a work {M} ('this {M}')")]


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


def test_vendored_folders_say_where_their_files_come_from():
    # Only third-party folders are left out of the scan, and each says what it holds
    # (package, version, licence) in a PROVENANCE.md that is itself scanned.
    for folder in VENDORED:
        provenance = ROOT / folder / "PROVENANCE.md"
        assert provenance.is_file(), folder
        text = provenance.read_text(encoding="utf-8")
        assert "Licen" in text and "SHA-256" in text, folder
        assert problems_in(text) == [], folder


def test_no_work_diary_page():
    assert not (ROOT / "docs" / "status.md").exists()
    assert (ROOT / "CHANGELOG.md").is_file() and (ROOT / "docs" / "limitations.md").is_file()
