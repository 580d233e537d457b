"""rxtwin.report."""
