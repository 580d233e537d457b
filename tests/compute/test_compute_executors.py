"""Executors: same seed -> bit-identical summaries serially, on processes and on Dask."""

import functools
import os
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool

import numpy as np
import pytest
from worker_tasks import exit_on_chunk_one, worker_pid

from rxtwin.compute.examples import normal_statistics_task, normal_summaries_task
from rxtwin.compute.executors import run_chunks
from rxtwin.stats.seeding import plan_chunks
from rxtwin.stats.summaries import MomentSummary, merge_all

ENTROPY = 20240611


@pytest.fixture(scope="module")
def chunks():
    _, specs = plan_chunks(600, 50, ENTROPY)  # 12 chunks
    return specs


@pytest.fixture(scope="module")
def serial_result(chunks):
    return run_chunks(normal_statistics_task, chunks, backend="serial")



def _assert_identical(results, reference):
    assert len(results) == len(reference)
    for got, want in zip(results, reference, strict=True):
        assert got.equals(want)
    assert merge_all(results).equals(merge_all(reference))


def test_serial_result_is_a_sound_monte_carlo_estimate(serial_result):
    # mean of 50 N(0,1) draws: expectation 0; fraction above 0: expectation 0.5; both
    # within the 99 % CI. Expected max of 50 N(0,1) is 2.2491 (Harter 1961 table): 99 % CI.
    total = merge_all(serial_result)
    assert total.count == 600
    half = total.ci_half_width(0.99)
    assert abs(total.mean[0]) <= half[0]
    assert abs(total.mean[1] - 2.2491) <= half[1]
    assert abs(total.mean[2] - 0.5) <= half[2]


def test_processes_give_bit_identical_summaries(chunks, serial_result):
    _assert_identical(run_chunks(normal_statistics_task, chunks, backend="processes",
                                 workers=2), serial_result)


def test_dask_cluster_gives_bit_identical_summaries(chunks, serial_result, dask_address):
    seen = []
    results = run_chunks(normal_statistics_task, chunks, backend="dask",
                         scheduler_address=dask_address,
                         on_chunk_done=lambda i, s: seen.append(i))
    _assert_identical(results, serial_result)
    assert sorted(seen) == list(range(len(chunks)))


def test_dask_runs_partial_tasks_and_dict_summaries(chunks, dask_address):
    task = functools.partial(normal_statistics_task, loc=3.0, draws_per_rep=10)
    serial = run_chunks(task, chunks[:4])
    _assert_identical(run_chunks(task, chunks[:4], backend="dask",
                                 scheduler_address=dask_address), serial)
    dicts = run_chunks(normal_summaries_task, chunks[:3], backend="dask",
                       scheduler_address=dask_address)
    reference = run_chunks(normal_summaries_task, chunks[:3])
    merged, expected = merge_all(dicts), merge_all(reference)
    assert merged["moments"].equals(expected["moments"])
    assert merged["histogram"].equals(expected["histogram"])


@pytest.mark.slow
def test_dask_local_cluster_started_on_demand_and_kept(chunks, serial_result):
    _assert_identical(run_chunks(normal_statistics_task, chunks[:3], backend="dask",
                                 workers=1), serial_result[:3])
    first = run_chunks(worker_pid, chunks[:3], backend="dask", workers=1)
    again = run_chunks(worker_pid, chunks[:3], backend="dask", workers=1)
    assert len(set(first)) == 1
    assert set(again) == set(first)  # the same worker: no second cluster start-up


def test_process_pool_is_kept_for_later_calls(chunks):
    first = set(run_chunks(worker_pid, chunks, backend="processes", workers=2))
    again = set(run_chunks(worker_pid, chunks, backend="processes", workers=2))
    assert os.getpid() not in first
    assert 1 <= len(first) <= 2
    assert again <= first  # the same workers: no second start-up


def test_a_dead_worker_fails_its_call_and_the_next_call_gets_new_workers(chunks,
                                                                         serial_result):
    with pytest.raises(BrokenProcessPool):
        run_chunks(exit_on_chunk_one, chunks[:4], backend="processes", workers=2)
    _assert_identical(run_chunks(normal_statistics_task, chunks, backend="processes",
                                 workers=2), serial_result)


def test_pool_sizes_follow_workers_also_in_concurrent_calls(chunks, serial_result):
    assert len(set(run_chunks(worker_pid, chunks, backend="processes", workers=1))) == 1
    # two calls at once with different sizes: one uses the kept pool, the other its own
    with ThreadPoolExecutor(max_workers=2) as callers:
        calls = [callers.submit(run_chunks, normal_statistics_task, chunks,
                                backend="processes", workers=n) for n in (1, 2)]
        for call in calls:
            _assert_identical(call.result(), serial_result)


@pytest.mark.parametrize("backend", ["serial", "threads", "processes"])
def test_on_chunk_done_once_per_chunk_in_the_parent(chunks, backend):
    calls = []
    results = run_chunks(normal_statistics_task, chunks, backend=backend, workers=2,
                         on_chunk_done=lambda i, s: calls.append((i, s)))
    assert sorted(i for i, _ in calls) == list(range(len(chunks)))
    for i, summary in calls:
        assert summary.equals(results[i])


def test_resume_skips_done_chunks_and_gives_the_same_result(chunks, serial_result):
    done = {i: serial_result[i] for i in (0, 3, 4, 11)}
    calls = []
    results = run_chunks(normal_statistics_task, chunks, backend="processes", workers=2,
                         done=done, on_chunk_done=lambda i, s: calls.append(i))
    assert sorted(calls) == [i for i in range(len(chunks)) if i not in done]
    for i in done:
        assert results[i] is done[i]
    _assert_identical(results, serial_result)


def test_everything_done_runs_nothing(chunks, serial_result):
    done = dict(enumerate(serial_result))
    results = run_chunks(normal_statistics_task, chunks, backend="dask", done=done,
                         on_chunk_done=lambda i, s: pytest.fail("nothing should run"))
    _assert_identical(results, serial_result)


def test_chunk_size_changes_the_streams_but_not_the_distribution(serial_result):
    # A different partition gives different (not bit-identical) numbers; the estimates
    # must agree statistically: difference of means within 4 combined standard errors.
    _, other_chunks = plan_chunks(600, 75, ENTROPY)
    other = merge_all(run_chunks(normal_statistics_task, other_chunks))
    base = merge_all(serial_result)
    assert not other.equals(base)
    se = np.sqrt(base.variance() / base.count + other.variance() / other.count)
    assert np.all(np.abs(other.mean - base.mean) <= 4 * se)


def test_adding_chunks_keeps_earlier_chunks(chunks, serial_result):
    _, longer = plan_chunks(900, 50, ENTROPY)
    _assert_identical(run_chunks(normal_statistics_task, longer[:12]), serial_result)


def _fails_on_third(chunk):
    if chunk.index == 2:
        raise RuntimeError("chunk 2 broke")
    return MomentSummary.from_samples(np.zeros((1, 1)))


@pytest.mark.parametrize("backend", ["serial", "threads", "processes"])
def test_task_errors_propagate(chunks, backend):
    with pytest.raises(RuntimeError, match="chunk 2 broke"):
        run_chunks(_fails_on_third, chunks[:4], backend=backend, workers=2)


@pytest.mark.parametrize(
    ("kwargs", "pattern"),
    [
        ({"backend": "gpu"}, r"backend = 'gpu', must be one of"),
        ({"workers": 0}, r"workers = 0, must be an integer >= 1"),
        ({"scheduler_address": "tcp://x:8786"}, r"only used with backend='dask'"),
        ({"done": {99: None}}, r"done has chunk indices \[99\] outside"),
    ],
)
def test_bad_arguments_are_named(chunks, kwargs, pattern):
    with pytest.raises(ValueError, match=pattern):
        run_chunks(normal_statistics_task, chunks, **kwargs)
