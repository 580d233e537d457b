"""Hostile documents: the corpus every edge of rxtwin (the reader, the CLI, the web upload)
must refuse with one line naming the file, the place, the value and the rule, in bounded
time and memory; and a probe that measures each refusal in a process of its own.

Each :class:`Hostile` is small on disk but built to hurt a naive reader: alias bombs of
several shapes, deep nesting (YAML flow and block, JSON below and beyond Python's
recursion limit), huge integers and strings, duplicate keys, booleans for numbers,
character devices and pipes, an oversized (sparse) file and ``extends`` loops.

The probe (``python hostile_documents.py probe FOLDER [--web]``) imports rxtwin once, then
forks one child per case; the child runs ``rxtwin validate`` through Typer's CliRunner (or,
with ``--web``, uploads the file to the app through Starlette's TestClient) under an
address-space limit and an alarm, and the parent reads the child's peak resident memory
from ``os.wait4``. One JSON object per case goes to stdout. The tests
(``tests/data/test_hostile_documents.py``) and ``benchmarks/web.py --hostile`` use it.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import sys
import time
from dataclasses import dataclass
from pathlib import Path

FIFO = b"<a named pipe>"  # stands for a file the corpus creates as a FIFO
SPARSE_BYTES = 21 * 1024 * 1024  # an oversized file, written sparse (no disk used)
SPARSE = b"<a sparse file past the byte limit>"
MAX_NODES_REASON = "more than 100,000 values, the limit (aliases expanded)"
DEPTH_REASON = "nested deeper than 64 levels, the limit"


@dataclass(frozen=True)
class Hostile:
    """One hostile case.

    Attributes
    ----------
    name : str
        Short id.
    files : dict of str to bytes
        Files to write (``FIFO``: a named pipe, ``SPARSE``: an oversized sparse file); the
        first is the document the CLI is given and the web receives.
    reason : str
        Text the CLI's one line must contain (and the web's answer, unless ``web_reason``).
    status : int or None
        The web upload's answer (413 or 422); None when the case cannot be uploaded (a
        device, a pipe, files extending files, a body past the request limit).
    target : str or None
        A path the CLI is given instead of the first file (``/dev/zero``).
    web_reason : str or None
        What the web answers instead of ``reason`` (an upload cannot name server files).
    """

    name: str
    files: dict[str, bytes]
    reason: str
    status: int | None
    target: str | None = None
    web_reason: str | None = None

    @property
    def main(self) -> str:
        return next(iter(self.files))


def _laughs(levels: int, width: int = 10) -> bytes:
    lines = ["a0: &a0 [" + ", ".join(['"lol"'] * width) + "]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * width) + "]"
              for i in range(1, levels + 1)]
    return ("\n".join(lines) + "\nname: laughs\n").encode()


def _mapping_bomb(levels: int, width: int = 10) -> bytes:
    lines = ["m0: &m0 {k: lol}"]
    lines += [f"m{i}: &m{i} {{" + ", ".join(f"k{j}: *m{i - 1}" for j in range(width)) + "}"
              for i in range(1, levels + 1)]
    return ("\n".join(lines) + "\n").encode()


def _deep_block(levels: int) -> bytes:
    return "".join(f"{'  ' * i}a:\n" for i in range(levels)).encode() + \
        b"  " * levels + b"b: 1\n"


def _chain(n: int, loop: bool) -> dict[str, bytes]:
    """Files s0 ... s{n-1}, each extending the next; the last extends s0 (loop) or a bundled
    scenario."""
    files = {}
    for i in range(n):
        parent = f"s{i + 1}.yaml" if i + 1 < n else ("s0.yaml" if loop else "metformin")
        files[f"s{i}.yaml"] = f"extends: {parent}\nname: s{i}\n".encode()
    return files


def corpus() -> list[Hostile]:
    """Every hostile case, in a fixed order."""
    digits = "9" * 5000
    text = "a" * 1_500_000
    return [
        Hostile("alias_bomb_lists", {"laughs.yaml": _laughs(9)},
                "alias *a3 stands for 11,111 values; with it the document holds "
                + MAX_NODES_REASON, 413),
        Hostile("alias_bomb_mappings", {"mappings.yaml": _mapping_bomb(8)},
                "alias *m4 stands for 42,221 values; with it the document holds "
                + MAX_NODES_REASON, 413),
        Hostile("alias_bomb_wide", {"wide.yaml": b"a: &a lol\nb: ["
                                    + b", ".join([b"*a"] * 150_000) + b"]\n"},
                "alias *a stands for 1 value; with it the document holds "
                + MAX_NODES_REASON, 413),
        Hostile("alias_bomb_deep", {"deep_alias.yaml": b"a: &a " + b"[" * 40 + b"]" * 40
                                    + b"\nb: " + b"[" * 30 + b"*a" + b"]" * 30 + b"\n"},
                DEPTH_REASON + " (aliases expanded)", 413),
        Hostile("alias_recursive", {"recursive.yaml": b"name: x\nproducts: &p [*p]\n"},
                "products.0 (line 2): alias *p is used inside its own anchor &p (a "
                "recursive structure)", 422),
        Hostile("deep_yaml_flow", {"deep_flow.yaml": b"products: " + b"[" * 500
                                   + b"]" * 500 + b"\n"},
                DEPTH_REASON, 413),
        Hostile("deep_yaml_block", {"deep_block.yaml": _deep_block(200)}, DEPTH_REASON, 413),
        Hostile("deep_json_beyond_recursion", {"deep.json": b'{"products": ' + b"[" * 100_000
                                               + b"]" * 100_000 + b"}"},
                DEPTH_REASON, 413),
        Hostile("deep_json", {"deep500.json": b'{"products": ' + b"[" * 500 + b"]" * 500
                              + b"}"},
                "products.0.0.0...0.0.0: " + DEPTH_REASON, 413),
        Hostile("huge_int_yaml", {"bigint.yaml": f"name: x\nhorizon_yr: {digits}\n".encode()},
                "horizon_yr (line 2): integer of 5,000 digits; the limit is 100 (got "
                "'9999999999", 413),
        Hostile("huge_int_json", {"bigint.json": f'{{"name": "x", "horizon_yr": {digits}}}'
                                  .encode()},
                "horizon_yr: integer of 5,000 digits; the limit is 100 (got '9999999999", 413),
        Hostile("huge_int_hex", {"hex.yaml": b"name: x\nhorizon_yr: 0x" + b"f" * 5000 + b"\n"},
                "horizon_yr (line 2): integer of 5,002 digits; the limit is 100", 413),
        Hostile("huge_string_yaml", {"text.yaml": f"name: x\ndescription: {text}\n".encode()},
                "description (line 2): text of 1,500,000 characters; the limit is 100,000 "
                "(got 'aaaaaaaa", 413),
        Hostile("huge_string_json", {"text.json": f'{{"name": "x", "description": "{text}"}}'
                                     .encode()},
                "description: text of 1,500,000 characters; the limit is 100,000 (got "
                "'aaaaaaaa", 413),
        Hostile("duplicate_key_yaml", {"dup.yaml": b"extends: metformin\nname: a\nname: b\n"},
                "name (line 3): duplicate key (first given at line 2); a key may appear "
                "once in a mapping", 422),
        Hostile("duplicate_key_json", {"dup.json": b'{"extends": "metformin", "name": "a", '
                                       b'"name": "b"}'},
                "name: duplicate key; a key may appear once in an object", 422),
        Hostile("bool_for_whole_number", {"bool.yaml": b"extends: metformin\nhorizon_yr: true\n"},
                "horizon_yr: Input should be a valid integer (got True)", 422),
        Hostile("bool_for_decimal", {"bool_rate.yaml": b"extends: metformin\nfirm:\n"
                                     b"  hurdle_rate: true\n"},
                "firm.hurdle_rate: Input should be a valid number (got True)", 422),
        Hostile("bool_for_decimal_json", {"bool.json": b'{"extends": "metformin", '
                                          b'"firm": {"tax_rate": false}}'},
                "firm.tax_rate: Input should be a valid number (got False)", 422),
        Hostile("nan_json", {"nan.json": b'{"extends": "metformin", "horizon_yr": NaN}'},
                "horizon_yr: not a JSON number (JSON has no NaN or Infinity) (got 'NaN')", 422),
        Hostile("device_document", {"unused.yaml": b"name: x\n"},
                "/dev/zero: is a character device, not a regular file", None,
                target="/dev/zero"),
        Hostile("device_extends", {"zero.yaml": b"extends: /dev/zero\nname: x\n"},
                "zero.yaml: extends: /dev/zero: is a character device, not a regular file", 422,
                web_reason="extends: must name a bundled scenario"),
        Hostile("device_from_csv", {"zero_csv.yaml": b"extends: metformin\n"
                                    b"products: {from_csv: /dev/zero}\n"},
                "zero_csv.yaml: products.from_csv: /dev/zero: is a character device, not a "
                "regular file", 422, web_reason="products: Input should be a valid list"),
        Hostile("named_pipe", {"pipe.yaml": FIFO}, "pipe.yaml: is a pipe, not a regular file",
                None),
        Hostile("oversized_file", {"big.yaml": SPARSE},
                f"big.yaml: file is {SPARSE_BYTES:,} bytes; the limit is 20,971,520", None),
        Hostile("extends_loop", {**_chain(3, loop=True)},
                "s2.yaml: extends: scenarios extend each other in a loop: s0.yaml -> s1.yaml "
                "-> s2.yaml -> s0.yaml (got 's0.yaml')", None),
        Hostile("extends_too_long", {**_chain(40, loop=False)},
                "extends: a chain of extends may hold 32 files; this one is longer: s0.yaml "
                "-> ... -> s30.yaml -> s31.yaml -> s32.yaml", None),
    ]


def write(case: Hostile, folder: Path) -> Path:
    """Write a case's files into ``folder``; return what the CLI is given."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in case.files.items():
        path = folder / name
        if content is FIFO:
            os.mkfifo(path)
        elif content is SPARSE:
            with open(path, "wb") as handle:
                handle.truncate(SPARSE_BYTES)
        else:
            path.write_bytes(content)
    return Path(case.target) if case.target else folder / case.main


# ------------------------------------------------------------------------------ the probe
CHILD_SECONDS = 60
CHILD_EXTRA_ADDRESS_SPACE = 3 * 1024**3  # a runaway child fails instead of eating the host


def _vm_size() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


def _cli_refusal(path: Path) -> dict:
    from typer.testing import CliRunner

    from rxtwin.cli import app

    started = time.perf_counter()
    result = CliRunner().invoke(app, ["validate", str(path)])
    return {"seconds": time.perf_counter() - started, "exit_code": result.exit_code,
            "output": result.output}


def _web_refusal(case: Hostile, folder: Path) -> dict:
    from page_client import PageClient

    from rxtwin.web.app import create_app

    raw = (folder / case.main).read_bytes()
    app = create_app(str(folder / "probe.sqlite"), start_workers=False)
    with PageClient(app, raise_server_exceptions=False) as client:
        client.csrf_token()  # the page's token, fetched before the clock starts
        started = time.perf_counter()
        response = client.post("/scenarios/upload", files={"file": (case.main, raw)})
        seconds = time.perf_counter() - started
    return {"seconds": seconds, "status": response.status_code, "output": response.text}


def _child(case: Hostile | None, folder: Path, web: bool, out: Path) -> None:
    """In the forked child: bound time and address space, refuse, write the result."""
    signal.alarm(CHILD_SECONDS)
    limit = _vm_size() + CHILD_EXTRA_ADDRESS_SPACE
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    if case is None:  # the baseline: a child that only starts
        result = {"seconds": 0.0}
    elif web:
        result = _web_refusal(case, folder)
    else:
        result = _cli_refusal(write(case, folder))
    out.write_text(json.dumps(result))


def probe(folder: Path, web: bool, names: list[str] | None = None) -> list[dict]:
    """Each case (or those named) refused in a forked child: the child's result with its
    peak resident memory [MB] and that of a child that does nothing (the baseline)."""
    import fastapi.testclient  # noqa: F401 - imported once, before forking
    import typer.testing  # noqa: F401

    import rxtwin.cli  # noqa: F401
    import rxtwin.web.app  # noqa: F401

    cases = [c for c in corpus() if names is None or c.name in names]
    if web:
        cases = [c for c in cases if c.status is not None]
        for case in cases:
            write(case, folder / case.name)
    results = []
    for case in [None, *cases]:
        out = folder / f"{case.name if case else 'baseline'}.{'web' if web else 'cli'}.json"
        pid = os.fork()
        if pid == 0:  # pragma: no cover - runs in the child
            code = 1
            try:
                _child(case, folder / (case.name if case else "baseline"), web, out)
                code = 0
            finally:
                os._exit(code)
        _, status, usage = os.wait4(pid, 0)
        result = json.loads(out.read_text()) if out.exists() else {}
        result.update(name=case.name if case else "baseline", edge="web" if web else "cli",
                      child_exit=os.waitstatus_to_exitcode(status),
                      peak_rss_mb=round(usage.ru_maxrss / 1024, 1))
        results.append(result)
    return results


def main() -> None:
    if len(sys.argv) < 3 or sys.argv[1] != "probe":
        raise SystemExit("usage: hostile_documents.py probe FOLDER [--web] [NAME ...]")
    folder = Path(sys.argv[2])
    web = "--web" in sys.argv[3:]
    names = [a for a in sys.argv[3:] if not a.startswith("--")] or None
    for result in probe(folder, web, names):
        print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
