"""Disclosure control never releases a cell with fewer than the threshold's organisations,
and a released table always passes its own audit, on any small pool.

Pools hold up to 40 lines of up to 12 organisations over 3 dosage forms x 2 regions, with
figures on a grid of 0.5 (zeros included); the threshold is drawn from 1 to 6."""

from __future__ import annotations

from consortium_pools import FIELD, pool
from hypothesis import given, settings
from hypothesis import strategies as st

from rxtwin.consortium.disclosure import release_cells, release_table
from rxtwin.consortium.suppression import audit_suppression
from rxtwin.model.consortium import DisclosureRules

FORMS = ("oral_solid", "sterile_injectable", "other")
REGIONS = ("europe", "south_asia")


@st.composite
def pools(draw):
    n = draw(st.integers(1, 40))
    rows = [(f"org{draw(st.integers(0, 11))}", draw(st.sampled_from(FORMS)),
             draw(st.sampled_from(REGIONS)), draw(st.integers(0, 200)) / 2.0)
            for _ in range(n)]
    return pool(rows)


@st.composite
def rules(draw):
    return DisclosureRules(min_organisations=draw(st.integers(1, 6)),
                           dominance_n=draw(st.integers(1, 3)),
                           dominance_k_percent=float(draw(st.integers(50, 100))),
                           p_percent=draw(st.none() | st.floats(1.0, 30.0)),
                           safety_fraction=draw(st.floats(0.01, 0.3)))


@given(pools(), rules(), st.sampled_from(["sum", "mean", "median", "quantile"]))
def test_no_released_cell_has_fewer_organisations_than_the_threshold(frame, rule, statistic):
    release = release_cells(frame, FIELD, statistic, ["dosage_form", "region"], rule,
                            quantile=0.25)
    for record in release.records:
        if record.released:
            assert len(record.organisation_ids) >= rule.min_organisations
    released = release.table[release.table["released"]]
    assert (released["n_organisations"] >= rule.min_organisations).all()
    assert release.table.loc[~release.table["released"], "value"].isna().all()


@settings(max_examples=40)
@given(pools(), rules(), st.sampled_from(["value", "count"]))
def test_a_released_table_never_shows_a_small_cell_and_passes_its_audit(frame, rule, cost):
    release = release_table(frame, FIELD, "dosage_form", "region", rule, cost=cost)
    released = release.table[release.table["released"]]
    # a released cell has no contributor (a structural zero) or enough organisations
    counts = released["n_organisations"]
    assert ((counts == 0) | (counts >= rule.min_organisations)).all()
    assert (released.loc[counts == 0, "value"] == 0.0).all()
    # the audit, recomputed from the released pattern alone, protects every primary cell
    hidden = ~release.table["released"].to_numpy()
    assert audit_suppression(release.linked, hidden, release.protection).passed
