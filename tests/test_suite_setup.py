"""The suite's shared set-up is in force (tests/conftest.py)."""

from __future__ import annotations

import pytest
from hypothesis import settings
from requirements import in_ci


def test_hypothesis_profiles():
    ci, default = settings.get_profile("ci"), settings.get_profile("default")
    assert ci.derandomize and ci.print_blob and ci.database is None
    assert not default.derandomize
    for profile in (ci, default):
        assert profile.deadline is None and profile.max_examples == 100


def test_the_profile_follows_ci(request):
    if request.config.getoption("hypothesis_profile", None):
        pytest.skip("a profile was named with --hypothesis-profile, so the choice by CI=true "
                    "is not in effect; CI names none")
    # CI=true: derandomised and reproducible; otherwise new examples on every run.
    assert settings.default.derandomize is in_ci()
    # A test's own max_examples changes only its budget; the profile's other choices stay.
    budget = settings(max_examples=40)
    assert budget.max_examples == 40
    assert budget.derandomize is in_ci() and budget.deadline is None
