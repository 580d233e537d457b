"""rxtwin.compute."""
