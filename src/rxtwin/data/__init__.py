"""rxtwin.data."""
