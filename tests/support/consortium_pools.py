"""Small pools of consortium submissions for tests: one line per (organisation, group, value)."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from rxtwin.consortium.submissions import submissions_frame
from rxtwin.model.consortium import Submission

FIELD = "changeovers_per_yr"


def submission(organisation_id: str, value: float, dosage_form: str = "oral_solid",
               region: str = "europe", unit_id: str = "L1", period_yr: int = 2024,
               field: str = FIELD) -> Submission:
    """One line's submission giving ``field`` = ``value``."""
    return Submission.model_validate({
        "schema_version": 1, "organisation_id": organisation_id, "unit_kind": "line",
        "unit_id": unit_id, "period_yr": period_yr, "dosage_form": dosage_form,
        "region": region, field: float(value)})


def pool(rows: Iterable[tuple[str, str, str, float]]) -> pd.DataFrame:
    """A pool from ``(organisation_id, dosage_form, region, value)`` rows; repeated
    organisations get distinct line ids."""
    seen: dict[str, int] = {}
    subs = []
    for organisation, form, region, value in rows:
        seen[organisation] = seen.get(organisation, 0) + 1
        subs.append(submission(organisation, value, form, region,
                               unit_id=f"L{seen[organisation]}"))
    return submissions_frame(subs)
