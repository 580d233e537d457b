"""rxtwin.runs: the orchestration wing, the only place that composes engines, the store and
the executors.

One module per run kind's wing (:mod:`~rxtwin.runs.line`, :mod:`~rxtwin.runs.supply`,
:mod:`~rxtwin.runs.twin`, :mod:`~rxtwin.runs.demo`, ...) and one registry of run kinds
(:mod:`~rxtwin.runs.kinds`): a kind's name, parameters, resolver and figures are declared
there and nowhere else. The CLI and the web app call these functions; nothing below this
package imports it (docs/design.md).
"""

from rxtwin.compute.executors import backend_for

__all__ = ["backend_for"]
