"""One contract, every Monte Carlo engine (as scikit-learn's ``check_estimator`` does for
estimators).

The checks (:mod:`.checks`, run over every engine by ``test_engine_contracts.py``):

* same entropy -> same bits (every array of the result, compared bit for bit), and another
  entropy -> other numbers;
* serial, threads, a process pool and a 2-worker Dask cluster -> same bits (processes and
  Dask are marked ``slow``);
* chunk size, stated precisely (docs/compute.md): for engines whose chunks carry their own
  random streams, another chunk size re-partitions the streams, so results agree only
  statistically (difference of means within a Bonferroni-corrected Student-t bound), while
  appending chunks leaves the earlier chunks bit-identical; for engines that draw their
  randomness before chunking (uq), any chunk size gives the same bits;
* resuming with ``done=`` a subset of the chunks gives the same bits, and ``on_chunk_done``
  is called only for the chunks that ran;
* chunk summaries merge in any order: pairs commute bit for bit; permuted and regrouped
  folds agree exactly in counts, minima, maxima and histograms and to 1e-12 relative in
  means and sums of squared deviations; the chunk-order fold is the run's summary;
* every column of the engine's result table is in the engine's documented column
  constant, with its unit, and in the table of its docs page;
* bad arguments raise :class:`rxtwin.errors.UserInputError` naming the field and value.

How a new engine joins: add ONE :class:`~.engines.EngineCase` to ``ENGINES`` in
:mod:`.engines` -- a tiny input builder, a ``run`` adapter with the signature
``run(inputs, n, *, entropy, chunk_size, map_chunks, done=None, on_chunk_done=None)``, the
result table and the engine's documented ``{column: unit}`` constant with the docs page that
lists it, the bad arguments with the field each error must name, and how to read a merged
summary, a chunk's summary and the estimates with standard errors from results. Every test
in ``test_engine_contracts.py`` then runs on it. The chunk task and the chunk plan are not
part of the case: the checks observe them through a recording chunk mapper and
``on_chunk_done``, so the engine's own chunk path is what is checked. Chunk tasks must pickle
(library functions or ``functools.partial`` of them), as processes and Dask need.

``test_contract_checks.py`` runs each check on deliberately broken engines (seeded from
the clock, chunk seeds that depend on the number of chunks, a bias that grows with the
chunk size...) and asserts that the check fails: the suite can fail.
"""
