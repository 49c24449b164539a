"""Benchmark: experiments to reach a target first-exciton peak (±3 nm) on the digital twin, seeded vs --no-seed.

For each target wavelength and repeat, a campaign runs on :class:`lab.adapters.simulated.SimulatedReactor`
(seed = repeat; default fault rates: 2 % injection failures, 1 % spectrometer timeouts) with the full
bookkeeping path (in-memory SQLite). Seeded campaigns use a literature prior fitted on the cdse-hte data
(:class:`lab.prior.TreeEnsemblePrior`, the fallback prior the CLI uses when no model is registered; read from the
CSV files here so that the benchmark does not need an imported database). Unseeded campaigns start from a Latin
hypercube and run the same GP optimizer without prior. A campaign that does not reach the target within the
budget counts as budget + 1 (censored); the median is reported with the number of misses.

Usage::

    OMP_NUM_THREADS=1 nice -n 10 .venv/bin/python benchmarks/bench_campaign.py [--repeats 10] [--budget 25]
        [--targets 480 505 530 555 580] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import logging
import statistics
import time
from pathlib import Path

from db.engine import create_all, make_engine
from lab.adapters.simulated import SimulatedReactor
from lab.campaign import CampaignSettings, run_campaign
from lab.prior import fit_tree_prior, hte_table_from_csv

REPO = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data-dir", type=Path, default=REPO.parent / "shared" / "data" / "cdse_hte")
    ap.add_argument("--targets", type=float, nargs="+", default=[480.0, 505.0, 530.0, 555.0, 580.0])
    ap.add_argument("--repeats", type=int, default=10)
    ap.add_argument("--budget", type=int, default=25)
    ap.add_argument("--tolerance", type=float, default=3.0)
    ap.add_argument("--initial-seeded", type=int, default=2)
    ap.add_argument("--initial-unseeded", type=int, default=5)
    ap.add_argument("--json", type=Path, default=None, help="write every campaign's result here")
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    t0 = time.perf_counter()
    prior = fit_tree_prior(hte_table_from_csv(args.data_dir), "abs_peak_nm")
    rows = []
    for target in args.targets:
        for seeded in (True, False):
            for rep in range(args.repeats):
                engine = make_engine("sqlite://")
                create_all(engine)
                settings = CampaignSettings(
                    targets={"abs_peak_nm": target}, tolerance=args.tolerance, budget=args.budget, seed=rep,
                    seeded=seeded, initial_size=args.initial_seeded if seeded else args.initial_unseeded)
                t = time.perf_counter()
                out = run_campaign(engine, SimulatedReactor(seed=rep), settings, {"abs_peak_nm": prior})
                rows.append({"target": target, "seeded": seeded, "repeat": rep,
                             "experiments_to_target": out.experiments_to_target,
                             "experiments_run": out.experiments_run, "wall_s": round(time.perf_counter() - t, 2)})
                engine.dispose()
            print(f"target {target:g} seeded={seeded}: "
                  f"{[r['experiments_to_target'] for r in rows if r['target'] == target and r['seeded'] == seeded]}",
                  flush=True)
    print()
    print(f"| target (nm) | seeded median | seeded misses | --no-seed median | --no-seed misses | ratio |")
    print("|---|---|---|---|---|---|")
    med = {}
    for target in args.targets:
        line = [f"{target:g}"]
        for seeded in (True, False):
            vals = [r["experiments_to_target"] or args.budget + 1 for r in rows
                    if r["target"] == target and r["seeded"] == seeded]
            med[(target, seeded)] = statistics.median(vals)
            misses = sum(r["experiments_to_target"] is None for r in rows if r["target"] == target and r["seeded"] == seeded)
            line += [f"{med[(target, seeded)]:g}", str(misses)]
        line.append(f"{med[(target, True)] / med[(target, False)]:.2f}")
        print("| " + " | ".join(line) + " |")
    all_s = [r["experiments_to_target"] or args.budget + 1 for r in rows if r["seeded"]]
    all_u = [r["experiments_to_target"] or args.budget + 1 for r in rows if not r["seeded"]]
    print(f"| all | {statistics.median(all_s):g} | {sum(r['experiments_to_target'] is None for r in rows if r['seeded'])} "
          f"| {statistics.median(all_u):g} | {sum(r['experiments_to_target'] is None for r in rows if not r['seeded'])} "
          f"| {statistics.median(all_s) / statistics.median(all_u):.2f} |")
    print(f"\nwall time {time.perf_counter() - t0:.0f} s for {len(rows)} campaigns")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
