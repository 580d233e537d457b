"""Scenario variants: apply sampled parameter values to a scenario.

Each row of a samples table (columns = field paths, see :mod:`rxtwin.model.paths`) is
written into the scenario's canonical document with
:func:`rxtwin.model.paths.set_path` and the result is validated as a
:class:`~rxtwin.model.Scenario`. A row that makes an invalid scenario (a negative cost, a
triangular mode above its high value, ...) raises :class:`rxtwin.errors.InputError` whose
problems name the row, the field path and the rule broken.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import pandas as pd
from pydantic import ValidationError

from rxtwin.errors import InputError, Problem, UserInputError, problems_from_validation_error
from rxtwin.model.paths import PathError, resolve_path, set_path
from rxtwin.model.scenario import Scenario
from rxtwin.model.uncertainty import UncertainParameter

__all__ = ["apply_sample", "base_values", "scenario_model", "scenario_variants"]

_SAMPLES_FILE = "<samples>"


def _plain(value: Any) -> Any:
    """A numpy scalar as the Python number pydantic and JSON expect."""
    return value.item() if hasattr(value, "item") else value


def _id_path(document: dict, dotted: str) -> str:
    """Rewrite list positions in a pydantic error path as item ids where items have one
    (``technologies.2.capex_usd`` -> ``technologies.continuous.capex_usd``)."""
    node: Any = document
    out = []
    for segment in dotted.split(".") if dotted else []:
        label = segment
        if isinstance(node, list) and segment.isdigit() and int(segment) < len(node):
            node = node[int(segment)]
            if isinstance(node, dict) and "id" in node:
                label = str(node["id"])
        elif isinstance(node, dict) and segment in node:
            node = node[segment]
        else:
            node = None
        out.append(label)
    return ".".join(out)


def _related(error_path: str, sampled_path: str) -> bool:
    """True when one path lies inside the other (or they are equal)."""
    a, b = error_path.split("."), sampled_path.split(".")
    n = min(len(a), len(b))
    return a[:n] == b[:n]


def apply_sample(scenario: Scenario, values: dict[str, Any], row_label: Any = 0) -> Scenario:
    """The scenario with the values at the given paths replaced, validated.

    Parameters
    ----------
    scenario : Scenario
        The base scenario (not modified).
    values : dict of str to value
        Field path -> new value (numbers in the field's units).
    row_label : hashable
        Name of the sample in error messages (the row label of a samples table).

    Returns
    -------
    Scenario

    Raises
    ------
    InputError
        A path does not resolve, or the new document is not a valid scenario; each problem
        names the sample row and the field path.
    """
    document = scenario.document()  # a fresh dict: safe to change
    for path, value in values.items():
        # set_path deep-copies what it is given: hand it only the top-level field the path
        # lies in, so a row costs one copy of that field, not of the whole scenario.
        top = path.split(".", 1)[0]
        try:
            if top not in document:
                raise PathError(f"'<scenario>' has no field '{top}'")
            document[top] = set_path({top: document[top]}, path, _plain(value))[top]
        except PathError as error:
            raise InputError([Problem(_SAMPLES_FILE, path, value,
                                      f"sample row {row_label}: {error}")]) from error
    try:
        return Scenario.model_validate(document)
    except ValidationError as error:
        problems = []
        for problem in problems_from_validation_error(error, _SAMPLES_FILE):
            path = _id_path(document, problem.path)
            causes = [p for p in values if _related(path, p)] or list(values)
            set_text = ", ".join(f"{p} = {_plain(values[p])!r}" for p in causes)
            problems.append(Problem(
                _SAMPLES_FILE, path, problem.value,
                f"sample row {row_label} (setting {set_text}) makes an invalid scenario: "
                f"{problem.rule}",
            ))
        raise InputError(problems) from error


def scenario_variants(scenario: Scenario, samples: pd.DataFrame) -> Iterator[Scenario]:
    """Yield one validated scenario per row of ``samples``.

    Parameters
    ----------
    scenario : Scenario
        The base scenario.
    samples : pandas.DataFrame
        One column per field path (e.g. from :func:`rxtwin.uq.design.sample_parameters`),
        one row per sample.

    Yields
    ------
    Scenario
        The base scenario with row ``i``'s values written at its paths, in row order.

    Raises
    ------
    InputError
        When a row's values make an invalid scenario (raised when that row is reached);
        the message names the row label and the field path.
    """
    paths = [str(c) for c in samples.columns]
    for label, row in zip(samples.index, samples.itertuples(index=False, name=None),
                          strict=True):
        yield apply_sample(scenario, dict(zip(paths, row, strict=True)), row_label=label)


def base_values(scenario: Scenario, parameters: Sequence[UncertainParameter]) -> dict[str, float]:
    """The scenario's own (point) values at the parameters' paths.

    Used as the base point of a :func:`rxtwin.uq.sensitivity.tornado`. A path that names a
    distribution rather than a number (e.g. ``technologies.batch.changeover_h``) is an
    error: give the numeric field (``technologies.batch.changeover_h.mode``).
    """
    document = scenario.document()
    out: dict[str, float] = {}
    for parameter in parameters:
        value = resolve_path(document, parameter.path)
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(
                value):
            raise UserInputError(f"'{parameter.path}' holds {value!r}, not a finite number; "
                                 "uncertain parameters must name numeric fields")
        out[parameter.path] = float(value)
    return out


def _scenario_metric(scenario: Scenario, metric: Callable[[Scenario], float],
                     values: Mapping[str, float]) -> float:
    return float(metric(apply_sample(scenario, dict(values))))


def scenario_model(
    scenario: Scenario, metric: Callable[[Scenario], float]
) -> Callable[[Mapping[str, float]], float]:
    """A model function for :mod:`rxtwin.uq.sensitivity` that works on whole scenarios.

    ``scenario_model(scenario, metric)(values)`` writes ``values`` (path -> value) into
    ``scenario`` with :func:`apply_sample` and returns ``metric(variant)``, e.g. an NPV
    computed by the econ engine. The result is a ``functools.partial`` of a module-level
    function, so it pickles (process and Dask backends) whenever ``metric`` does.
    """
    return functools.partial(_scenario_metric, scenario, metric)
