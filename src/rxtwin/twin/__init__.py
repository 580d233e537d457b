"""rxtwin.twin."""
