"""Submissions in and out: validate documents, lay the pool out as a tidy table.

* :func:`submission_from_document` validates one document (a parsed JSON or YAML mapping)
  as a :class:`~rxtwin.model.consortium.Submission`, or raises
  :class:`~rxtwin.errors.InputError` naming each field, its value and the rule it breaks,
  as scenarios are validated.
* :func:`submissions_frame` lays validated submissions out one row per submission, one
  column per pooled figure (:func:`~rxtwin.model.consortium.pooled_fields`): the input of
  :mod:`rxtwin.consortium.disclosure` and :mod:`rxtwin.consortium.privacy`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd
from pydantic import ValidationError

from rxtwin.errors import InputError, UserInputError, problems_from_validation_error
from rxtwin.model.consortium import Submission, pooled_fields, submission_values

__all__ = ["IDENTITY_COLUMNS", "submission_from_document", "submissions_frame"]

#: Columns of :func:`submissions_frame` before the figures.
IDENTITY_COLUMNS = ("key", "organisation_id", "unit_kind", "unit_id", "period_yr",
                    "dosage_form", "region")


def submission_from_document(document: Mapping[str, Any], file: str = "<input>") -> Submission:
    """Validate one submission document.

    Parameters
    ----------
    document : mapping
        The parsed document (field names as in :class:`~rxtwin.model.consortium.Submission`).
    file : str
        Where it came from, for messages.

    Raises
    ------
    rxtwin.errors.InputError
        One problem per broken rule, each naming the field path, the value and the rule.
    """
    try:
        return Submission.model_validate(document)
    except ValidationError as error:
        raise InputError(problems_from_validation_error(error, file)) from None


def submissions_frame(submissions: Iterable[Submission]) -> pd.DataFrame:
    """The pool as a tidy table: one row per submission.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`IDENTITY_COLUMNS` (``key`` is ``Submission.key``; ``dosage_form`` and
        ``region`` as text), then one float column per field path of
        :func:`~rxtwin.model.consortium.pooled_fields`, NaN where a submission gives no figure.

    Raises
    ------
    rxtwin.errors.UserInputError
        Two submissions share a key (same organisation, unit and year).
    """
    rows = []
    for submission in submissions:
        row: dict[str, Any] = {
            "key": submission.key, "organisation_id": submission.organisation_id,
            "unit_kind": submission.unit_kind, "unit_id": submission.unit_id,
            "period_yr": submission.period_yr, "dosage_form": submission.dosage_form.value,
            "region": submission.region.value,
        }
        row.update(submission_values(submission))
        rows.append(row)
    fields = list(pooled_fields())
    frame = pd.DataFrame(rows, columns=[*IDENTITY_COLUMNS, *fields])
    repeated = frame["key"][frame["key"].duplicated()].tolist()
    if repeated:
        raise UserInputError(f"submissions {sorted(set(repeated))} are given more than once "
                             "(one submission per organisation, unit and year)")
    frame[fields] = frame[fields].astype(float).fillna(np.nan)
    return frame
