"""Public data sets bundled with rxtwin, each with its ``SOURCE.md`` and ``meta.yaml``.

The shipped files are derived from the raw downloads by :mod:`rxtwin.data.public.build`;
the tidy tables are loaded by :mod:`rxtwin.data.public_tables`.
"""
