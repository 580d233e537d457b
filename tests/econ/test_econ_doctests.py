"""Run the Examples sections of the econ docstrings (they are part of the documentation)."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "rxtwin.econ.metrics",
    "rxtwin.econ.depreciation",
    "rxtwin.econ.cashflow",
    "rxtwin.econ.appraisal",
    "rxtwin.econ.breakeven",
    "rxtwin.econ.switch",
    "rxtwin.econ.social",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0, f"{name} has no docstring examples"
    assert result.failed == 0
