"""The consortium: pooled confidential baseline data, disclosure control, private queries.

* :mod:`rxtwin.consortium.submissions`: validate submissions, lay the pool out as a table.
* :mod:`rxtwin.consortium.disclosure`: the primary rules (threshold, (n, k) dominance,
  p %), releases of cells and of tables with totals, the differencing guard.
* :mod:`rxtwin.consortium.suppression`: complementary suppression (MILP on HiGHS) and its
  audit by linear programming.
* :mod:`rxtwin.consortium.privacy`: differentially private answers through OpenDP and the
  privacy-budget ledger per tenant.

The domain types are in :mod:`rxtwin.model.consortium`; the default rules, with their
sources, in ``rxtwin/data/disclosure_defaults.yaml``. See ``docs/consortium.md``.
"""

from rxtwin.consortium.disclosure import (
    CellRecord,
    CellRelease,
    PrimaryVerdict,
    TableRelease,
    dominance_rule,
    organisation_totals,
    p_percent_rule,
    primary_verdict,
    protection_level,
    release_cells,
    release_table,
    threshold_rule,
)
from rxtwin.consortium.privacy import (
    DPMechanism,
    DPRelease,
    LedgerEntry,
    PrivacyBudgetExceededError,
    PrivacyLedger,
    dp_mechanism,
    dp_release,
)
from rxtwin.consortium.submissions import submission_from_document, submissions_frame
from rxtwin.consortium.suppression import (
    CellInterval,
    LinkedTable,
    SuppressionAudit,
    SuppressionPlan,
    audit_suppression,
    brute_force_suppression,
    complementary_suppression,
    table_1d,
    table_2d,
)

__all__ = [
    "CellInterval", "CellRecord", "CellRelease", "DPMechanism", "DPRelease", "LedgerEntry",
    "LinkedTable", "PrimaryVerdict", "PrivacyBudgetExceededError", "PrivacyLedger",
    "SuppressionAudit", "SuppressionPlan", "TableRelease", "audit_suppression",
    "brute_force_suppression", "complementary_suppression", "dominance_rule", "dp_mechanism",
    "dp_release", "organisation_totals", "p_percent_rule", "primary_verdict",
    "protection_level", "release_cells", "release_table", "submission_from_document",
    "submissions_frame", "table_1d", "table_2d", "threshold_rule",
]
