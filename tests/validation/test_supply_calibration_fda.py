"""The bundled calibrated outage duration is still the best fit to the FDA episodes.

data/disruption_defaults.yaml carries (opt-in) a regulatory-action duration calibrated by
``rxtwin supply calibrate`` against the FDA shortage episodes (bundled yearly snapshots
2019-2025) of the oral-solid and sterile-injectable classes. A change to the simulator or
the scenarios can make it stale; this reruns the fit on the stored point's neighbours along
each axis of the recorded grid (same seed and scenario-years as the recorded command),
requires the stored point to stay the best, and prints the fit.
"""

from __future__ import annotations

from importlib import resources

from rxtwin.compute import chunk_mapper
from rxtwin.data.disruption_defaults import load_disruption_defaults
from rxtwin.data.public_tables import shortage_episodes
from rxtwin.data.scenarios import load_scenario
from rxtwin.supply.calibration import CalibrationTarget, calibrate_outage_duration
from rxtwin.supply.disruption_inputs import supply_inputs_from_scenario


def target(name: str, dosage_form_class: str) -> CalibrationTarget:
    scenario = load_scenario(name)
    return CalibrationTarget(f"{name}:{dosage_form_class}",
                             lambda d: supply_inputs_from_scenario(scenario, defaults=d),
                             dosage_form_class)


def test_stored_regulatory_action_duration_is_the_best_of_its_neighbours():
    defaults = load_disruption_defaults()
    stored = load_disruption_defaults(fda_calibrated=True).calibrated_durations[
        "regulatory_action"]
    text = resources.files("rxtwin.data").joinpath("disruption_defaults.yaml").read_text(
        encoding="utf-8")
    assert "calibrated with `rxtwin supply calibrate" in text  # says how it was made
    targets = [target("generic_oral_solid", "oral_solid"),
               target("sterile_injectable", "sterile_injectable")]
    step = {2190.0: (1460.0, 2920.0), 2920.0: (2190.0, 4380.0)}.get(stored.mean)
    assert step is not None, f"stored mean {stored.mean} is not on the recorded grid"
    cv_step = {0.5: (1.0,), 1.0: (0.5, 1.5), 1.5: (1.0,)}[stored.cv]
    kwargs = {"category": "regulatory_action", "n_years": 1000, "entropy": 1,
              "map_chunks": chunk_mapper("threads", workers=2)}
    # the stored point against its neighbours along each axis of the recorded grid
    along_mean = calibrate_outage_duration(
        targets, defaults, shortage_episodes(), mean_grid_days=(step[0], stored.mean,
                                                                step[1]),
        cv_grid=(stored.cv,), **kwargs)
    along_cv = calibrate_outage_duration(
        targets, defaults, shortage_episodes(), mean_grid_days=(stored.mean,),
        cv_grid=tuple(sorted((*cv_step, stored.cv))), **kwargs)
    for result in (along_mean, along_cv):
        print("\n" + result.grid.to_string(index=False))
        assert (result.best_mean_days, result.best_cv) == (stored.mean, stored.cv), \
            result.grid
    for name, table in along_mean.comparisons.items():
        print(name)
        print(table.to_string(index=False))
