"""rxtwin.line."""
