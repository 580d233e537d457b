"""rxtwin.priority."""
