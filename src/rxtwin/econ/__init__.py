"""rxtwin.econ."""
