"""rxtwin.supply."""
