"""Time units shared by every layer: one calendar, defined once.

rxtwin's engines use a 365-day year (8,760 h); a leap day would shift nothing a one-year
horizon measures. Observation windows of dated public data use the mean Gregorian year
instead (``rxtwin.data.public_tables``), a different quantity with its own name.
"""

HOURS_PER_DAY = 24.0
DAYS_PER_YEAR = 365.0
HOURS_PER_YEAR = HOURS_PER_DAY * DAYS_PER_YEAR  # 8760 h
SECONDS_PER_HOUR = 3600.0
