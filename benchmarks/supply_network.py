"""Benchmark of rxtwin.supply: print one JSON object to stdout.

A synthetic network of ``N_PRODUCTS`` products made at 2 FDF sites, APIs from 1-3 of 12 API
sites, each API site fed by 1-2 of 6 KSM sites, vials and stoppers from 2 suppliers each
(fixed seed). Times, median of ``REPEATS`` runs after one warm-up:

* ``build_s``: assemble the graph;
* ``exposure_s``: concentration + independent paths + single sources + shared sites;
* ``flow_model_s``: build the TTS flow model;
* ``tts_one_site_s``: one TTS linear program;
* ``risk_exposure_s``: TTS and lost-demand programs for every site (2 LPs per site).
"""

from __future__ import annotations

import json
import platform
import statistics
import time

import numpy as np

from rxtwin.model import Site, SupplyEdge
from rxtwin.model.supply import ItemInfo
from rxtwin.supply.exposure import (
    concentration,
    independent_paths,
    shared_upstream_sites,
    single_source_points,
)
from rxtwin.supply.network import assemble_network
from rxtwin.supply.tts import flow_model, risk_exposure, time_to_survive_days

N_PRODUCTS = 30
REPEATS = 5
SEED = 20231127


def synthetic_parts(rng: np.random.Generator):
    countries = ["IN", "CN", "DE", "US", "IT"]
    sites = [Site(id=f"fdf-{i}", name=f"fdf-{i}", country_code="US", owner="firm")
             for i in range(2)]
    sites += [Site(id=f"api-{i}", name=f"api-{i}", country_code=countries[i % 5],
                   owner=f"api maker {i}") for i in range(12)]
    sites += [Site(id=f"ksm-{i}", name=f"ksm-{i}", country_code=countries[i % 2],
                   owner=f"ksm maker {i}") for i in range(6)]
    sites += [Site(id=f"comp-{i}", name=f"comp-{i}", country_code=countries[2 + i % 2],
                   owner=f"component maker {i}") for i in range(4)]
    items = {"vial": ItemInfo("vial", "component", "vial"),
             "stopper": ItemInfo("stopper", "component", "stopper")}
    edges = []
    for fdf in ("fdf-0", "fdf-1"):
        edges += [SupplyEdge(supplier_site_id="comp-0", customer_site_id=fdf,
                             material_id="vial", share=0.7),
                  SupplyEdge(supplier_site_id="comp-1", customer_site_id=fdf,
                             material_id="vial", share=0.3),
                  SupplyEdge(supplier_site_id="comp-2", customer_site_id=fdf,
                             material_id="stopper", share=1.0)]
    api_sites_used = set()
    for n in range(N_PRODUCTS):
        product, api = f"p{n}", f"p{n}-api"
        items[api] = ItemInfo(api, "api", api)
        items[product] = ItemInfo(product, "product", product,
                                  input_ids=(api, "vial", "stopper"),
                                  demand_units_per_yr=float(rng.integers(100_000, 5_000_000)),
                                  criticality=float(rng.uniform(0.2, 1.0)),
                                  inventory_days=float(rng.integers(20, 90)))
        split = rng.uniform(0.3, 0.7)
        edges += [SupplyEdge(supplier_site_id="fdf-0", material_id=product, share=split),
                  SupplyEdge(supplier_site_id="fdf-1", material_id=product, share=1 - split)]
        chosen = rng.choice(12, size=int(rng.integers(1, 4)), replace=False)
        weights = rng.dirichlet(np.ones(len(chosen)))
        for fdf in ("fdf-0", "fdf-1"):
            for site, w in zip(chosen, weights, strict=True):
                edges.append(SupplyEdge(supplier_site_id=f"api-{site}", customer_site_id=fdf,
                                        material_id=api, share=float(w) / float(weights.sum()),
                                        capacity_units_per_yr=float(rng.integers(1, 4)) * 1e6))
                api_sites_used.add(int(site))
    items["ksm"] = ItemInfo("ksm", "ksm", "ksm")
    for site in sorted(api_sites_used):
        chosen = rng.choice(6, size=int(rng.integers(1, 3)), replace=False)
        for k in chosen:
            edges.append(SupplyEdge(supplier_site_id=f"ksm-{k}", customer_site_id=f"api-{site}",
                                    material_id="ksm", share=1.0 / len(chosen)))
    return sites, edges, items


def _median_time(fn) -> float:
    fn()
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    sites, edges, items = synthetic_parts(np.random.default_rng(SEED))
    graph = assemble_network(sites, edges, items)
    model = flow_model(graph)

    def exposure():
        concentration(graph)
        independent_paths(graph)
        single_source_points(graph)
        shared_upstream_sites(graph)

    ttr = dict.fromkeys(model.sites, 90.0)
    ranking = risk_exposure(model, ttr, 365.0)
    result = {
        "benchmark": "supply",
        "python": platform.python_version(),
        "n_products": N_PRODUCTS,
        "n_sites": len(model.sites),
        "n_arcs": len(model.arcs),
        "n_stages": len(model.stages),
        "build_s": _median_time(lambda: assemble_network(sites, edges, items)),
        "exposure_s": _median_time(exposure),
        "flow_model_s": _median_time(lambda: flow_model(graph)),
        "tts_one_site_s": _median_time(lambda: time_to_survive_days(model, ["comp-2"], 365.0)),
        "risk_exposure_s": _median_time(lambda: risk_exposure(model, ttr, 365.0)),
        "exposed_sites": int(ranking["exposed"].sum()),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
