"""rxtwin.uq."""
