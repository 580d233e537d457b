"""rxtwin.supply: the supply network KSM -> API -> FDF -> market and its resilience.

* :mod:`rxtwin.supply.network` — the graph of sites and flows (``build_network``).
* :mod:`rxtwin.supply.exposure` — concentration (HHI), single sources, country shares,
  node-independent paths, shared upstream sites.
* :mod:`rxtwin.supply.tts` — time-to-survive and performance-impact linear programs,
  risk-exposure ranking (Simchi-Levi et al.).

See docs/supply.md for the equations, sources and a worked example.
"""
