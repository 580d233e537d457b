"""Every Monte Carlo engine passes the same contract (checks in ``checks.py``, engines in
``engines.py``; the package docstring says what is invariant and how an engine joins)."""

from __future__ import annotations

import dataclasses

import pytest

from rxtwin.compute import chunk_mapper
from rxtwin.supply.disruption import CAUSE_TABLE_COLUMNS

from . import checks
from .engines import ENGINES, SUPPLY


def test_same_seed_gives_same_bits(engine):
    checks.check_same_seed_same_bits(engine)


def test_threads_give_same_bits_as_serial(engine):
    checks.check_backend_same_bits(engine, chunk_mapper("threads", workers=2), "threads")


@pytest.mark.slow
def test_process_pool_gives_same_bits_as_serial(engine):
    # One pool per engine: start-up (forkserver, imports, numba cache) dominates.
    checks.check_backend_same_bits(engine, chunk_mapper("processes", workers=2), "processes")


@pytest.mark.slow
def test_dask_cluster_gives_same_bits_as_serial(engine, dask_address):
    checks.check_backend_same_bits(
        engine, chunk_mapper("dask", scheduler_address=dask_address), "dask (2 workers)")


def test_chunks_are_self_contained_and_picklable(engine):
    checks.check_chunks_self_contained(engine)


def test_chunk_size_changes_results_only_as_the_seed_contract_allows(engine):
    if engine.chunk_streams:
        checks.check_chunk_size_statistical(engine)
    else:
        checks.check_chunk_size_exact(engine)


# Only engines whose chunks carry their own random streams: the others draw their random
# numbers before chunking, so any chunk size gives the same bits (checked above).
@pytest.mark.parametrize("streamed", [e for e in ENGINES if e.chunk_streams], ids=str)
def test_appending_chunks_leaves_earlier_chunks_unchanged(streamed):
    checks.check_appending_chunks(streamed)


def test_resume_with_done_chunks_gives_same_bits(engine):
    checks.check_resume(engine)


def test_chunk_summaries_merge_in_any_order(engine):
    checks.check_merge_any_order(engine)


def test_every_output_column_is_documented_with_its_unit(engine):
    checks.check_documented_columns(engine)


def test_bad_input_raises_user_input_error_naming_the_field(engine):
    checks.check_bad_inputs(engine)


def test_supply_cause_table_columns_are_documented_with_their_units():
    # The supply engine's second table (shortage-days by cause), under the same check as
    # every engine's main table: its columns, CAUSE_TABLE_COLUMNS and the docs table agree.
    causes = dataclasses.replace(
        SUPPLY, name="supply.disruption causes", table=lambda r: r.summary.cause_table(),
        columns=CAUSE_TABLE_COLUMNS, docs=("docs/supply_simulation.md",
                                           "## Shortage-days by cause"))
    checks.check_documented_columns(causes)
