"""rxtwin.twin: process digital twin of a continuous direct-compression tablet line.

Modules (one job each): ``rtd`` (E, F, moments, discrete kernels), ``rtd_fit`` (least-squares
fits, intervals, model selection), ``feeders``, ``blender``, ``press``, ``flowsheet``
(composition only), ``diversion`` (funnels, traceability, diversion rules), ``estimation``
(PAT model, Kalman filter, replay), ``losses`` (start-up / shut-down), ``handoff`` (loss
parameters for the economics), ``platform`` (fitted parameter library), ``parameters``
(typed parameter objects). See docs/twin.md.
"""
