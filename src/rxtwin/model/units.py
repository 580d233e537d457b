"""Time units shared by every layer: one calendar, defined once.

Two year lengths, for two different questions:

* :data:`DAYS_PER_YEAR` (365 d, 8,760 h): the year of every engine. A simulated year is
  365 whole days (the supply simulator steps day by day through ``scenario_year_days`` =
  365 days), rates ``*_per_yr`` are per such year, and a leap day would shift nothing a
  one-year horizon measures.
* :data:`DAYS_PER_JULIAN_YEAR` (365.25 d): the mean length of a calendar year over a leap
  cycle, used to turn the number of days between two real dates into years (the
  observation window of the dated FDA shortage snapshots,
  :func:`rxtwin.data.public_tables.shortage_observation_window_yr`). It is the Julian year
  (IAU unit of time, 365.25 d); the Gregorian mean, 365.2425 d, differs by 2e-4 relative,
  far below anything the window is used for.
"""

HOURS_PER_DAY = 24.0
DAYS_PER_YEAR = 365.0
HOURS_PER_YEAR = HOURS_PER_DAY * DAYS_PER_YEAR  # 8760 h
DAYS_PER_JULIAN_YEAR = 365.25
SECONDS_PER_HOUR = 3600.0
