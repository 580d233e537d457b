"""MACRS GDS half-year rates against IRS Publication 946, Appendix A, Table A-1.

Published case: Internal Revenue Service, Publication 946 (2023), "How To Depreciate
Property", Appendix A, Table A-1 "3-, 5-, 7-, 10-, 15-, and 20-Year Property, Half-Year
Convention". The percentages below are typed from the publication, independently of the
data file ``src/rxtwin/data/macrs_gds_half_year.yaml`` that the code uses.

Two comparisons per recovery period:

1. The bundled table equals the published percentages exactly (a typo in the data file
   fails here).
2. The published percentages are reproduced by an independent computation (declining
   balance switching to straight line, half-year convention, 26 U.S.C. 168(b), (d)):
   * every unrounded computed rate is within one unit of the table's last printed decimal
     (0.01 percentage point; 0.001 for the 3-decimal 20-year column). Not half a unit:
     the IRS distributes the rounding residue so that each column sums to 100, e.g. the
     7-year years 5-7 are 8.9249 each but printed 8.93, 8.92, 8.93;
   * the cumulative published percentages never drift more than one unit from the
     unrounded cumulative, and each column sums to 100.
"""

from __future__ import annotations

import numpy as np
import pytest

from rxtwin.data.econ_defaults import load_macrs_gds_half_year, macrs_rates_pct
from rxtwin.econ.depreciation import (
    depreciation_schedule_usd,
    macrs_declining_balance_rates,
    macrs_gds_half_year_rates,
)

# Publication 946, Table A-1, percent of basis in recovery years 1, 2, ...
PUB946_TABLE_A1_PCT = {
    3: [33.33, 44.45, 14.81, 7.41],
    5: [20.00, 32.00, 19.20, 11.52, 11.52, 5.76],
    7: [14.29, 24.49, 17.49, 12.49, 8.93, 8.92, 8.93, 4.46],
    10: [10.00, 18.00, 14.40, 11.52, 9.22, 7.37, 6.55, 6.55, 6.56, 6.55, 3.28],
    15: [5.00, 9.50, 8.55, 7.70, 6.93, 6.23, 5.90, 5.90, 5.91, 5.90, 5.91, 5.90, 5.91, 5.90,
         5.91, 2.95],
    20: [3.750, 7.219, 6.677, 6.177, 5.713, 5.285, 4.888, 4.522, 4.462, 4.461, 4.462, 4.461,
         4.462, 4.461, 4.462, 4.461, 4.462, 4.461, 4.462, 4.461, 2.231],
}  # fmt: skip
# 200 % declining balance for 3-10-year property, 150 % for 15- and 20-year property
# (26 U.S.C. 168(b)(1), (b)(2)).
DECLINING_BALANCE_FACTOR = {3: 2.0, 5: 2.0, 7: 2.0, 10: 2.0, 15: 1.5, 20: 1.5}
PRINTED_DECIMALS = {3: 2, 5: 2, 7: 2, 10: 2, 15: 2, 20: 3}


def _check_life(life_yr: int) -> None:
    published = np.array(PUB946_TABLE_A1_PCT[life_yr])
    one_unit = 10.0 ** -PRINTED_DECIMALS[life_yr]

    # 1. The shipped data reproduce the publication exactly (up to float representation).
    np.testing.assert_allclose(100 * macrs_gds_half_year_rates(life_yr, macrs_rates_pct()),
                               published, atol=1e-9)
    assert len(published) == life_yr + 1

    # 2. Independent computation, unrounded.
    computed = 100 * macrs_declining_balance_rates(life_yr, DECLINING_BALANCE_FACTOR[life_yr])
    assert computed.sum() == pytest.approx(100.0, abs=1e-9)
    assert np.max(np.abs(computed - published)) < one_unit
    assert np.max(np.abs(np.cumsum(computed) - np.cumsum(published))) < one_unit
    assert published.sum() == pytest.approx(100.0, abs=one_unit / 10)


def test_macrs_3yr_matches_irs_pub946_table_a1():
    _check_life(3)


def test_macrs_5yr_matches_irs_pub946_table_a1():
    _check_life(5)


def test_macrs_7yr_matches_irs_pub946_table_a1():
    # 7-year property: 14.29, 24.49, 17.49, 12.49, 8.93, 8.92, 8.93, 4.46. By hand (200 % DB):
    # y1 = 100 * 2/7 * 1/2 = 14.2857; y2 = (100 - 14.2857) * 2/7 = 24.4898;
    # y3 = 61.2245 * 2/7 = 17.4927; y4 = 43.7318 * 2/7 = 12.4948; y5: DB 31.2370 * 2/7 = 8.9249
    # equals SL 31.2370 / 3.5 = 8.9249 -> straight line from here: 8.9249 in years 5-7 and
    # the remaining half year 4.4624.
    _check_life(7)
    computed = 100 * macrs_declining_balance_rates(7, 2.0)
    np.testing.assert_allclose(
        computed[:5], [14.2857, 24.4898, 17.4927, 12.4948, 8.9249], atol=5e-5
    )
    assert computed[7] == pytest.approx(4.4624, abs=5e-5)


def test_macrs_10yr_matches_irs_pub946_table_a1():
    _check_life(10)


def test_macrs_15yr_matches_irs_pub946_table_a1():
    _check_life(15)


def test_macrs_20yr_matches_irs_pub946_table_a1():
    _check_life(20)


def test_bundled_table_has_exactly_the_published_lives_and_a_source():
    table = load_macrs_gds_half_year()
    assert sorted(table.classes) == sorted(PUB946_TABLE_A1_PCT)
    assert "Publication 946" in table.source and "Table A-1" in table.source
    for life, cls in table.classes.items():
        assert cls.declining_balance_factor == DECLINING_BALANCE_FACTOR[life]


def test_macrs_schedule_of_a_basis_uses_the_published_table():
    # 7-year property, basis 100,000 USD: 14,290; 24,490; 17,490; 12,490; 8,930; 8,920;
    # 8,930; 4,460 (Pub. 946 percentages times the basis).
    schedule = depreciation_schedule_usd(100_000.0, "macrs_gds_half_year", 7, 8,
                                         macrs_rates_pct=macrs_rates_pct())
    np.testing.assert_allclose(schedule, [1000.0 * p for p in PUB946_TABLE_A1_PCT[7]], rtol=1e-12)
