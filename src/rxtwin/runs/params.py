"""What every run kind's parameters share: one strict base model, fresh seeds from the
seed tree, and the check of intervention ids against a scenario."""

from __future__ import annotations

from collections.abc import Callable

from pydantic import BaseModel, ConfigDict

from rxtwin.errors import Problem
from rxtwin.model.scenario import Scenario, unknown_intervention_ids
from rxtwin.stats.seeding import fresh_entropy

__all__ = ["ProgressCallback", "RunParams", "fresh_seed", "unknown_intervention_problems"]

ProgressCallback = Callable[[int, int], None]
"""progress(done, total), called after each recorded chunk (it may raise to cancel)."""


class RunParams(BaseModel):
    """Base of every run kind's parameters: unknown keys are refused, values are frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def fresh_seed() -> int:
    """Root entropy for a run launched without a seed (:func:`rxtwin.stats.seeding.fresh_entropy`;
    stored with the run so it can be repeated)."""
    return fresh_entropy()


def unknown_intervention_problems(scenario: Scenario, ids: list[str]) -> list[Problem]:
    """One Problem per id that is not an intervention of ``scenario``."""
    return [Problem("<params>", "intervention_ids", iid, "no such intervention in the "
                    "scenario") for iid in unknown_intervention_ids(scenario, ids)]
