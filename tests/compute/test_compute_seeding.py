"""The seed tree: entropy is kept, chunks are independent of the chunk count."""

import numpy as np
import pytest

from rxtwin.stats.seeding import chunk_rng, chunk_seeds, plan_chunks, split_replications


def test_given_entropy_is_returned_and_children_are_spawned():
    entropy, seeds = chunk_seeds(2024, 4)
    assert entropy == 2024
    assert [s.spawn_key for s in seeds] == [(0,), (1,), (2,), (3,)]
    expected = np.random.SeedSequence(2024).spawn(4)
    for got, want in zip(seeds, expected, strict=True):
        np.testing.assert_array_equal(got.generate_state(4), want.generate_state(4))


def test_fresh_entropy_is_returned_and_reproduces_the_streams():
    entropy, seeds = chunk_seeds(None, 3)
    assert isinstance(entropy, int) and entropy > 0
    _, again = chunk_seeds(entropy, 3)
    for a, b in zip(seeds, again, strict=True):
        np.testing.assert_array_equal(a.generate_state(8), b.generate_state(8))
    other, _ = chunk_seeds(None, 3)
    assert other != entropy  # 128 bits of OS entropy: a collision would be a bug


def test_chunk_stream_does_not_depend_on_the_number_of_chunks():
    _, five = chunk_seeds(7, 5)
    _, ten = chunk_seeds(7, 10)
    for a, b in zip(five, ten[:5], strict=True):
        np.testing.assert_array_equal(np.random.default_rng(a).random(5),
                                      np.random.default_rng(b).random(5))


def test_chunk_streams_differ():
    _, seeds = chunk_seeds(7, 3)
    draws = [np.random.default_rng(s).random(4) for s in seeds]
    assert not np.array_equal(draws[0], draws[1]) and not np.array_equal(draws[1], draws[2])


@pytest.mark.parametrize(("n_reps", "size", "expected"),
                         [(10, 4, [4, 4, 2]), (8, 4, [4, 4]), (3, 10, [3]), (0, 5, [])])
def test_split_replications(n_reps, size, expected):
    assert split_replications(n_reps, size) == expected


def test_plan_chunks_covers_every_replication_once():
    entropy, chunks = plan_chunks(25, 10, entropy=3)
    assert entropy == 3
    assert [(c.index, c.first_rep, c.n_reps) for c in chunks] == [(0, 0, 10), (1, 10, 10),
                                                                 (2, 20, 5)]
    np.testing.assert_array_equal(chunk_rng(chunks[1]).random(3),
                                  np.random.default_rng(np.random.SeedSequence(3).spawn(2)[1])
                                  .random(3))


@pytest.mark.parametrize(
    ("call", "pattern"),
    [
        (lambda: chunk_seeds(-1, 2), r"entropy = -1, must be a non-negative integer"),
        (lambda: chunk_seeds(1.5, 2), r"entropy = 1.5"),
        (lambda: chunk_seeds(1, -2), r"n_chunks = -2"),
        (lambda: split_replications(10, 0), r"chunk_size = 0, must be an integer >= 1"),
        (lambda: split_replications(-1, 3), r"n_reps = -1"),
    ],
)
def test_bad_arguments_are_named(call, pattern):
    with pytest.raises(ValueError, match=pattern):
        call()
