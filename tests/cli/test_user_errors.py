"""`user_errors`: rejected input prints one line per problem and exits 2; a bug keeps its
traceback (a bare ValueError or KeyError is not swallowed as if it were bad input)."""

from __future__ import annotations

import pickle
import traceback

import numpy as np
import pytest
import typer
from pydantic import BaseModel, Field, ValidationError
from typer.testing import CliRunner

from rxtwin.cli.common import EXIT_BAD_INPUT, user_errors
from rxtwin.errors import InputError, Problem, UnknownIdError, UserInputError
from rxtwin.model.paths import PathError
from rxtwin.store import UnknownRunError

runner = CliRunner()


class _Dose(BaseModel):
    mass_mg: float = Field(gt=0)
    count: int


def _validation_error() -> ValidationError:
    try:
        _Dose.model_validate({"mass_mg": -1.0, "count": "many"})
    except ValidationError as error:
        return error
    raise AssertionError("the document above must not validate")


def _numpy_broadcast_bug() -> None:
    np.ones(2) + np.ones(3)  # a programming error: shapes (2,) and (3,) do not broadcast


def _dict_lookup_bug() -> None:
    {"batch": 1}["continuous"]  # a programming error: a lookup the code should not make


def _missing_file() -> None:
    open("/nonexistent-rxtwin-dir/scenario.yaml", encoding="utf-8")  # noqa: SIM115


def _raising(error: Exception):
    def action() -> None:
        raise error

    return action


REJECTED = {  # name: (action, the lines printed, each after "error: ")
    "user_input": (_raising(UserInputError("--reps = 0 must be an integer >= 1")),
                   ["--reps = 0 must be an integer >= 1"]),
    "unknown_id": (_raising(UnknownIdError("no product with id 'ghost' (known: a, b)")),
                   ["no product with id 'ghost' (known: a, b)"]),
    "validation": (_raising(_validation_error()),
                   ["mass_mg: Input should be greater than 0 (got -1.0)", "count:"]),
    "input_error": (_raising(InputError([
        Problem("study.yaml", "products.2.demand_units_per_yr", "many", "not a number"),
        Problem("study.yaml", "firm.tax_rate", 2.0, "must be <= 1"),
    ])), ["study.yaml: products.2.demand_units_per_yr: not a number (got 'many')",
          "study.yaml: firm.tax_rate: must be <= 1 (got 2.0)"]),
    "missing_file": (_missing_file,
                     ["/nonexistent-rxtwin-dir/scenario.yaml: No such file or directory"]),
    "store": (_raising(UnknownRunError("no run with id 'x' in db")),
              ["no run with id 'x' in db"]),
    "path": (_raising(PathError("'technologies' has no item with id 'warp'")),
             ["'technologies' has no item with id 'warp'"]),
}

BUGS = {
    "numpy_value_error": (_numpy_broadcast_bug, ValueError),
    "dict_key_error": (_dict_lookup_bug, KeyError),
}


def _app(action) -> typer.Typer:
    """A one-command app whose command runs ``action`` inside ``user_errors``."""
    app = typer.Typer(pretty_exceptions_enable=False)

    @app.command()
    @user_errors
    def run() -> None:
        action()

    return app


@pytest.mark.parametrize("name", list(REJECTED))
def test_rejected_input_gives_one_line_per_problem_and_exit_2(name):
    action, expected_lines = REJECTED[name]
    result = runner.invoke(_app(action), [])
    assert result.exit_code == EXIT_BAD_INPUT, result.output
    assert isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == len(expected_lines), lines
    for line, expected in zip(lines, expected_lines, strict=True):
        assert line.startswith("error: "), line
        assert expected in line, line


def test_unknown_id_message_is_not_quoted_like_a_key_error():
    result = runner.invoke(_app(REJECTED["unknown_id"][0]), [])
    assert result.output.strip() == "error: no product with id 'ghost' (known: a, b)"


@pytest.mark.parametrize("name", list(BUGS))
def test_bare_value_or_key_error_is_a_bug_and_propagates(name):
    action, kind = BUGS[name]
    result = runner.invoke(_app(action), [])
    assert type(result.exception) is kind, result.output
    assert result.exit_code != EXIT_BAD_INPUT
    assert "error:" not in result.output
    # the traceback still points at the line that failed
    assert result.exc_info is not None
    frames = [frame.name for frame in traceback.extract_tb(result.exc_info[2])]
    assert frames[-1] == action.__name__, frames


def test_user_input_errors_keep_their_builtin_bases():
    # existing `except ValueError` / `except KeyError` / pytest.raises(...) keep working
    assert issubclass(UserInputError, ValueError)
    assert issubclass(UnknownIdError, UserInputError)
    assert issubclass(UnknownIdError, KeyError)
    with pytest.raises(KeyError, match="no line with id 'l9'"):
        raise UnknownIdError("no line with id 'l9'")
    assert str(UnknownIdError("no line 'l9'")) == "no line 'l9'"
    assert str(KeyError("no line 'l9'")) == "\"no line 'l9'\""  # what the override avoids


def test_user_input_errors_survive_a_process_pool():
    # chunks run in worker processes; their errors come back pickled
    for error in (UserInputError("x = -1 must be >= 0"), UnknownIdError("no site 's9'")):
        back = pickle.loads(pickle.dumps(error))
        assert type(back) is type(error) and str(back) == str(error)


def test_library_rejections_are_user_input_errors():
    # a rejection deep in the library (scenario lookup, engine argument check) is typed
    from rxtwin.data.scenarios import load_scenario
    from rxtwin.stats.seeding import split_replications

    scenario = load_scenario("generic_oral_solid")
    with pytest.raises(UnknownIdError, match="no technology with id 'warp'"):
        scenario.technology("warp")
    with pytest.raises(UserInputError, match="n_reps = -1"):
        split_replications(-1, 10)


# Inputs that used to reach a third-party ValueError (a float() of CLI text, a UTF-8
# decode, a scipy fit) and were shown only because every ValueError was caught; each is
# now rejected where it is read, naming the file or option, the value and the rule.
def _latin1_csv(tmp_path, header: str) -> str:
    path = tmp_path / "latin1.csv"
    path.write_bytes(header.encode() + b"\n0,0\n1,1\n2,caf\xe9\n")
    return str(path)


def _flat_tracer_csv(tmp_path) -> str:
    path = tmp_path / "flat.csv"
    path.write_text("time_s,signal\n" + "".join(f"{t},0\n" for t in range(20)))
    return str(path)


def _latin1_defaults(tmp_path) -> str:
    path = tmp_path / "defaults.yaml"
    path.write_bytes(b"input_cover_days:\n  value: 30\n  source: caf\xe9\n")
    return str(path)


THIRD_PARTY_PATHS = {
    "tracer csv not UTF-8": (
        lambda tmp: ["twin", "fit-rtd", _latin1_csv(tmp, "time_s,signal")],
        "latin1.csv: line 4: not UTF-8 text (byte 0xe9"),
    "replay csv not UTF-8": (
        lambda tmp: ["twin", "replay", _latin1_csv(tmp, "time_s,nir_potency_pct")],
        "latin1.csv: line 4: not UTF-8 text"),
    "sites csv not UTF-8": (
        lambda tmp: ["supply", "map", "--sites", _latin1_csv(tmp, "site_id,country_code,owner"),
                     "--edges", _latin1_csv(tmp, "site_id,country_code,owner")],
        "latin1.csv: line 4: not UTF-8 text"),
    "defaults file not UTF-8": (
        lambda tmp: ["supply", "simulate", "generic_oral_solid", "--defaults",
                     _latin1_defaults(tmp), "--db", str(tmp / "runs.sqlite")],
        "defaults.yaml: line 3: not UTF-8 text"),
    "subsidy share not a number": (
        lambda tmp: ["econ", "generic_oral_solid", "--subsidy", "grant=abc",
                     "--db", str(tmp / "runs.sqlite")],
        "--subsidy 'grant=abc': share 'abc' is not a number"),
    "tracer without a response": (
        lambda tmp: ["twin", "fit-rtd", _flat_tracer_csv(tmp)],
        "signal never rises above its zero baseline: there is no pulse response to fit"),
    "comparison csv in a missing folder": (
        lambda tmp: ["line", "simulate", "generic_oral_solid", "--tech", "batch", "--reps", "2",
                     "--seed", "1", "--db", str(tmp / "runs.sqlite"),
                     "--csv", str(tmp / "missing-folder" / "out.csv")],
        "out.csv: cannot write the file"),
}


@pytest.mark.parametrize("name", list(THIRD_PARTY_PATHS))
def test_bad_input_that_reached_third_party_code_is_rejected_in_one_line(tmp_path, name):
    from rxtwin.cli import app

    make_args, expected = THIRD_PARTY_PATHS[name]
    result = runner.invoke(app, make_args(tmp_path))
    assert result.exit_code == EXIT_BAD_INPUT, result.output
    assert isinstance(result.exception, SystemExit)
    errors = [line for line in result.output.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1, result.output
    assert expected in errors[0], errors[0]
    assert "Traceback" not in result.output


def test_option_text_with_colons_is_printed_as_given():
    # rich would turn ':b:' into an emoji; the value must read back exactly
    from rxtwin.cli import app

    result = runner.invoke(app, ["twin", "simulate", "--upset", "a:b:c"])
    assert result.exit_code == EXIT_BAD_INPUT
    assert "--upset 'a:b:c'" in result.output
