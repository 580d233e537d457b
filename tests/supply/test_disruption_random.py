"""The compiled normal draws of the demand paths are NumPy's numbers, in NumPy's order."""

from __future__ import annotations

import numpy as np
import pytest

from rxtwin.supply.disruption_kernel import fill_standard_normal


@pytest.mark.parametrize("entropy", [0, 12345, 2**70 + 3])
def test_compiled_normals_equal_numpys_and_leave_the_same_state(entropy):
    seed = np.random.SeedSequence(entropy, spawn_key=(1, 2))
    ours, numpys = np.random.default_rng(seed), np.random.default_rng(seed)
    drawn = fill_standard_normal(ours, np.empty(10_001))
    assert np.array_equal(drawn, numpys.standard_normal(10_001))
    # the generators stay in step: the next draws agree too
    assert ours.standard_normal() == numpys.standard_normal()
