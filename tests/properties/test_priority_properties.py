"""Properties of the priority score (hypothesis).

* Raising any criticality criterion of one product never lowers its rank (rank 1 = first
  priority, so the rank number never grows), whatever the other products and whichever
  criteria are known: the score is a product of weighted means, each non-decreasing in
  its criteria.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from rxtwin.data.priority_weights import load_priority_weights
from rxtwin.model.priority import CRITERIA_BY_GROUP
from rxtwin.priority.scoring import priority_scores

WEIGHTS = load_priority_weights()
CRITICALITY = CRITERIA_BY_GROUP["criticality"]
OTHERS = CRITERIA_BY_GROUP["vulnerability"][:4] + ("shortage_history",
                                                   "simulated_shortage_days")
CELL = st.one_of(st.floats(0.0, 1.0), st.just(0.0), st.just(1.0), st.just(float("nan")))


@st.composite
def tables(draw):
    n = draw(st.integers(2, 8))
    columns = draw(st.lists(st.sampled_from(CRITICALITY + OTHERS), min_size=1, unique=True))
    data = {c: draw(st.lists(CELL, min_size=n, max_size=n)) for c in columns}
    frame = pd.DataFrame(data, index=[f"p{i}" for i in range(n)])
    product = draw(st.sampled_from(list(frame.index)))
    criterion = draw(st.sampled_from(CRITICALITY))
    return frame, product, criterion, draw(st.floats(0.0, 1.0))


@given(tables())
def test_raising_a_criticality_criterion_never_lowers_the_rank(case):
    frame, product, criterion, raise_by = case
    before = priority_scores(frame, WEIGHTS).table.set_index("product_id")["rank"][product]
    raised = frame.copy()
    if criterion not in raised.columns:
        raised[criterion] = np.nan
    old = raised.loc[product, criterion]
    if not np.isnan(old):  # an unknown criterion has no value to raise
        raised.loc[product, criterion] = min(1.0, old + raise_by)
    after = priority_scores(raised, WEIGHTS).table.set_index("product_id")["rank"][product]
    assert after <= before
