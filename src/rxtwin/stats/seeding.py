"""The seed tree of a chunked Monte Carlo run.

A run has one integer ``entropy`` (stored with the run). Chunk ``i`` draws from
``SeedSequence(entropy).spawn(n_chunks)[i]``, which is ``SeedSequence(entropy,
spawn_key=(i,))``: the stream of a chunk depends only on the entropy and the chunk's
index, never on how many chunks there are, which process runs it, or when.

What is invariant (see docs/compute.md):

* same ``entropy`` and same chunk sizes -> bit-identical chunk results on every backend
  and worker count, and after a resume;
* adding chunks to a run leaves the earlier chunks' streams unchanged;
* a different chunk size re-partitions the replications, so the streams (and the
  numbers) differ; results then agree only statistically.

References
----------
NumPy, "Parallel random number generation",
https://numpy.org/doc/stable/reference/random/parallel.html (SeedSequence spawning).
Scientific Python SPEC 7, "Seeding pseudo-random number generation".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rxtwin.errors import UserInputError

__all__ = [
    "ChunkSpec",
    "chunk_rng",
    "chunk_seeds",
    "fresh_entropy",
    "plan_chunks",
    "split_replications",
]

#: Bits of :func:`fresh_entropy`: a root entropy that fits a signed 64-bit integer column
#: (PostgreSQL ``BIGINT``) and a JSON number of every parser.
FRESH_ENTROPY_BITS = 63


def _check_entropy(entropy) -> None:
    if isinstance(entropy, bool) or not isinstance(entropy, int | np.integer) or entropy < 0:
        raise UserInputError(f"entropy = {entropy!r}, must be a non-negative integer or None")


def fresh_entropy() -> int:
    """Fresh root entropy for a run launched without a seed, from the operating system.

    ``SeedSequence().entropy`` (128 bits from the OS) reduced to its low
    :data:`FRESH_ENTROPY_BITS` bits; store it with the run so the run can be repeated.

    Examples
    --------
    >>> 0 <= fresh_entropy() < 2**63
    True
    """
    return int(np.random.SeedSequence().entropy) & ((1 << FRESH_ENTROPY_BITS) - 1)


def chunk_seeds(entropy: int | None, n_chunks: int) -> tuple[int, list[np.random.SeedSequence]]:
    """Independent seed sequences, one per chunk.

    Parameters
    ----------
    entropy : int or None
        Root entropy of the run (a non-negative integer). ``None`` draws fresh entropy
        from the operating system; it is returned so that the run can be repeated.
    n_chunks : int
        Number of chunks [-], >= 0.

    Returns
    -------
    entropy : int
        The root entropy used (store it with the run).
    seeds : list of numpy.random.SeedSequence
        ``SeedSequence(entropy).spawn(n_chunks)``; ``seeds[i].spawn_key == (i,)``.

    Examples
    --------
    >>> entropy, seeds = chunk_seeds(12345, 3)
    >>> entropy, [s.spawn_key for s in seeds]
    (12345, [(0,), (1,), (2,)])
    """
    if isinstance(n_chunks, bool) or not isinstance(n_chunks, int | np.integer) or n_chunks < 0:
        raise UserInputError(f"n_chunks = {n_chunks!r}, must be a non-negative integer")
    if entropy is not None:
        _check_entropy(entropy)
    root = np.random.SeedSequence(entropy)
    return int(root.entropy), root.spawn(int(n_chunks))


def split_replications(n_reps: int, chunk_size: int) -> list[int]:
    """Split replications into chunks of ``chunk_size`` (the last may be smaller).

    Parameters
    ----------
    n_reps : int
        Total replications [-], >= 0.
    chunk_size : int
        Replications per chunk [-], >= 1.

    Returns
    -------
    list of int
        Chunk sizes, summing to ``n_reps``.

    Examples
    --------
    >>> split_replications(10, 4)
    [4, 4, 2]
    """
    for name, value, low in (("n_reps", n_reps, 0), ("chunk_size", chunk_size, 1)):
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < low:
            raise UserInputError(f"{name} = {value!r}, must be an integer >= {low}")
    full, rest = divmod(int(n_reps), int(chunk_size))
    return [int(chunk_size)] * full + ([rest] if rest else [])


@dataclass(frozen=True)
class ChunkSpec:
    """One chunk of a run: which replications, and the stream to draw them from.

    Attributes
    ----------
    index : int
        Chunk index (0-based); results are merged in this order.
    first_rep : int
        Global index of the chunk's first replication.
    n_reps : int
        Replications in the chunk.
    seed : numpy.random.SeedSequence
        The chunk's stream (``spawn_key == (index,)``).
    """

    index: int
    first_rep: int
    n_reps: int
    seed: np.random.SeedSequence


def plan_chunks(
    n_reps: int, chunk_size: int, entropy: int | None
) -> tuple[int, list[ChunkSpec]]:
    """Partition a run into seeded chunks.

    Parameters
    ----------
    n_reps : int
        Total replications [-].
    chunk_size : int
        Replications per chunk [-].
    entropy : int or None
        Root entropy; ``None`` draws fresh entropy (returned).

    Returns
    -------
    entropy : int
    chunks : list of ChunkSpec

    Examples
    --------
    >>> entropy, chunks = plan_chunks(10, 4, entropy=7)
    >>> [(c.index, c.first_rep, c.n_reps) for c in chunks]
    [(0, 0, 4), (1, 4, 4), (2, 8, 2)]
    """
    sizes = split_replications(n_reps, chunk_size)
    entropy, seeds = chunk_seeds(entropy, len(sizes))
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(int) if sizes else []
    return entropy, [
        ChunkSpec(index=i, first_rep=int(starts[i]), n_reps=size, seed=seeds[i])
        for i, size in enumerate(sizes)
    ]


def chunk_rng(chunk: ChunkSpec) -> np.random.Generator:
    """The generator of a chunk: ``numpy.random.default_rng(chunk.seed)`` (PCG64)."""
    return np.random.default_rng(chunk.seed)
