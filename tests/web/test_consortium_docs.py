"""docs/consortium.md, "Through the web app and the API": every ``curl`` of the worked
example is replayed against the app (on the pool of "Releasing statistics") and answers
what the page shows. A shown answer may leave parts out with ``…``; times, hashes and the
noisy values of private answers are compared as placeholders."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient

from rxtwin.runs.accounts import add_user, issue_token
from rxtwin.runs.consortium import register_organisation, release_statistic, submit_file
from rxtwin.store import Store
from rxtwin.web.app import create_app
from rxtwin.web.auth import AuthConfig

DOC = Path(__file__).resolve().parents[2] / "docs" / "consortium.md"
POOL = {"eu1": ("europe", 12.0), "eu2": ("europe", 14.0), "eu3": ("europe", 16.0),
        "eu4": ("europe", 18.0), "eu5": ("europe", 20.0), "eu6": ("europe", 22.0),
        "as1": ("south_asia", 30.0), "as2": ("south_asia", 35.0),
        "as3": ("south_asia", 40.0)}
VOLATILE = [
    (re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+00:00"), "TIME"),
    (re.compile(r"\b[0-9a-f]{64}\b"), "HASH"),
    (re.compile(r'"value":-?[0-9.e+-]+,"distribution":null,"reason":"","n_organisations":null,'
                r'"epsilon"'), '"value":NOISY,"distribution":null,"reason":"",'
                                 '"n_organisations":null,"epsilon"'),
]


def steps() -> list[tuple[str, str]]:
    """(command, shown answer) of every ``$ curl`` of the section's example."""
    text = DOC.read_text(encoding="utf-8")
    section = text[text.index("## Through the web app and the API"):
                   text.index("## References")]
    block = re.search(r"```\n(\$ curl.*?)```", section, re.S).group(1)
    found: list[tuple[str, list[str]]] = []
    for line in block.replace("\\\n", " ").splitlines():
        if line.startswith("$ "):
            found.append((line[2:], []))
        else:
            found[-1][1].append(line)
    return [(command, "\n".join(shown)) for command, shown in found]


def _document(org: str, region: str, value: float, year: int = 2024) -> dict:
    return {"schema_version": 1, "organisation_id": org, "unit_kind": "line", "unit_id": "L1",
            "period_yr": year, "dosage_form": "oral_solid", "region": region,
            "changeover_h": value}


@pytest.fixture
def example(tmp_path):
    """The pool of the CLI's worked example, two users of eu1, and the files the requests
    send."""
    store = Store.open(str(tmp_path / "pool.sqlite"))
    for org, (region, value) in POOL.items():
        register_organisation(store, org, epsilon_total=1.0 if org == "eu1" else None)
        path = tmp_path / f"{org}.yaml"
        path.write_text(yaml.safe_dump(_document(org, region, value)), encoding="utf-8")
        submit_file(store, path, org)
    corrected = tmp_path / "eu1-corrected.yaml"
    corrected.write_text(yaml.safe_dump(_document("eu1", "europe", 13.0)), encoding="utf-8")
    submit_file(store, corrected, "eu1")
    release_statistic(store, "median", "changeover_h", ["region"])
    release_statistic(store, "triangular", "changeover_h", ["region"])
    release_statistic(store, "sum", "changeover_h", ["dosage_form"], dp_epsilon=0.5,
                      organisation_id="eu1", bounds=(0.0, 48.0))
    (tmp_path / "eu1-2025.yaml").write_text(
        yaml.safe_dump(_document("eu1", "europe", 11.5, 2025)), encoding="utf-8")
    (tmp_path / "bad.yaml").write_text(
        yaml.safe_dump(_document("eu1", "europe", -3.0, 1800)), encoding="utf-8")
    add_user(store, "anna", "eu1", "member")
    add_user(store, "rosa", "eu1", "researcher")
    tokens = {"TOKEN": issue_token(store, "anna").token,
              "RTOKEN": issue_token(store, "rosa").token}
    app = create_app("", store=store, auth=AuthConfig(mode="users"))
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client, tokens, tmp_path
    store.close()


def replay(client: TestClient, tokens: dict[str, str], folder: Path, command: str) -> str:
    """Send what a ``curl`` command line sends; the answer's body."""
    words = shlex.split(command)
    assert words[0] == "curl"
    method, headers, body, url = "GET", {}, None, None
    position = 1
    while position < len(words):
        word = words[position]
        if word == "-s":
            pass
        elif word == "-X":
            position += 1
            method = words[position]
        elif word == "-H":
            position += 1
            name, _, value = words[position].partition(": ")
            for variable, token in tokens.items():
                value = value.replace(f"${variable}", token)
            headers[name] = value
        elif word == "-d":
            position += 1
            body = words[position].encode()
        elif word == "--data-binary":
            position += 1
            body = (folder / words[position].removeprefix("@")).read_bytes()
        else:
            url = word
        position += 1
    path = url.split("localhost:8000", 1)[1]
    return client.request(method, path, headers=headers, content=body).text


def _normal(text: str) -> str:
    for pattern, placeholder in VOLATILE:
        text = pattern.sub(placeholder, text)
    return text


def test_the_examples_answer_what_the_docs_show(example):
    client, tokens, folder = example
    shown_steps = steps()
    assert len(shown_steps) == 11
    for command, shown in shown_steps:
        got = _normal(json.dumps(json.loads(replay(client, tokens, folder, command)),
                                 separators=(",", ":"), ensure_ascii=False))
        position = 0
        joined = "".join(line.strip() for line in shown.splitlines())
        for piece in _normal(joined).split("…"):
            found = got.find(piece, position)
            assert found >= 0, (command, piece, got)
            position = found + len(piece)
