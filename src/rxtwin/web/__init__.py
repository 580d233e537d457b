"""rxtwin.web."""
