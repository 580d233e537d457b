"""The greenfield run (rxtwin.runs.greenfield): the engine with the simulator and the
bundled terms bound, the econ.greenfield run kind (one chunk per arm, resumable) and the
tornado of the incremental NPV."""

from __future__ import annotations

import numpy as np
import pytest

from rxtwin.data.scenarios import load_scenario
from rxtwin.econ import greenfield as engine
from rxtwin.errors import InputError
from rxtwin.runs.econ import bundled_appraisal_terms, simulate_performances
from rxtwin.runs.greenfield import (
    GREENFIELD_RUN_KIND,
    GREENFIELD_TABLE,
    GreenfieldParams,
    appraise_greenfield,
    greenfield_sensitivity,
    run_greenfield_table,
)
from rxtwin.runs.kinds import RUN_KINDS, execute_run, parse_params, run_figures
from rxtwin.store import Store

REPS = 20
SEED = 5


@pytest.fixture(scope="module")
def hv():
    return load_scenario("high_volume_single_product")


@pytest.fixture()
def store(tmp_path):
    with Store.open(str(tmp_path / "runs.sqlite")) as opened:
        yield opened


def test_simulating_equals_the_engine_on_the_same_performances(hv):
    ids = ["batch", "continuous"]
    bound = appraise_greenfield(hv, technology_ids=["continuous"], n_replications=REPS,
                                entropy=SEED)
    perf = simulate_performances(hv, "line-1", ids, n_replications=REPS, entropy=SEED)
    direct = engine.appraise_greenfield(hv, "line-1", ids, perf, bundled_appraisal_terms())
    assert bound.table().equals(direct.table())


def test_the_run_kind_stores_one_chunk_per_arm_and_resumes(hv, store):
    assert GREENFIELD_RUN_KIND in RUN_KINDS
    params = parse_params(GREENFIELD_RUN_KIND, hv, {"technologies": ["continuous"],
                                                    "n_replications": REPS, "seed": SEED})
    assert params.technologies == ["batch", "continuous"] and params.horizon_yr == 10
    digest = store.put_scenario(hv.document(), hv.name)
    run_id = store.create_run(GREENFIELD_RUN_KIND, digest, params.model_dump(mode="json"),
                              SEED)
    calls = []

    def stop_after_first(done, total):
        calls.append((done, total))
        if done == 1:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        execute_run(store, run_id, stop_after_first)
    assert store.done_chunk_indices(run_id) == {0}
    resumed = []
    execute_run(store, run_id, lambda done, total: resumed.append((done, total)))
    assert resumed == [(2, 2)]  # the first arm's chunk was kept, not simulated again
    rerun = run_id
    table = store.get_summary(rerun, GREENFIELD_TABLE)
    assert table["technology"].tolist() == ["batch", "continuous"]
    direct = appraise_greenfield(hv, technology_ids=["continuous"], n_replications=REPS,
                                 entropy=SEED).table()
    assert table["incremental_npv_usd"].to_numpy() == pytest.approx(
        direct["incremental_npv_usd"].to_numpy(), rel=1e-9)
    assert "greenfield" in run_figures(store, rerun)


def test_the_cli_entry_point_stores_the_same_table(hv, store):
    result = run_greenfield_table(store, hv, GreenfieldParams(
        technologies=["continuous"], n_replications=REPS, seed=SEED, horizon_yr=12,
        case="new_product"))
    assert store.get_run(result.run_id).status == "done"
    assert result.params.horizon_yr == 12
    direct = appraise_greenfield(hv, technology_ids=["continuous"], n_replications=REPS,
                                 entropy=SEED, horizon_yr=12, case="new_product").table()
    assert result.table["npv_usd"].to_numpy() == pytest.approx(direct["npv_usd"].to_numpy(),
                                                               rel=1e-9)


def test_bad_parameters_name_the_field(hv, store):
    with pytest.raises(InputError) as error:
        run_greenfield_table(store, hv, GreenfieldParams(technologies=["warp"]))
    assert error.value.problems[0].path == "technologies"
    with pytest.raises(InputError) as error:
        run_greenfield_table(store, hv, GreenfieldParams(horizon_yr=3))
    assert error.value.problems[0].path == "horizon_yr"
    assert "continuous" in error.value.problems[0].rule


def test_the_tornado_ranks_the_uncertain_inputs_of_the_new_line(hv):
    frame = greenfield_sensitivity(hv, "tornado", rng=np.random.default_rng(0),
                                   n_replications=REPS, entropy=SEED)
    assert set(frame["parameter"]) == {p.path for p in hv.uncertain}
    assert (frame["swing"].diff().dropna() <= 0).all()
    base = appraise_greenfield(hv, technology_ids=["continuous"], n_replications=REPS,
                               entropy=SEED).incremental_npv_usd("continuous")
    assert frame["output_base"].to_numpy() == pytest.approx(base, rel=1e-9)
    # a dearer batch train makes CM's new line relatively better
    row = frame.set_index("parameter").loc["new_lines.batch.capex_usd"]
    assert row["output_high"] > row["output_low"]
