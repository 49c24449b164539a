"""Benchmark: experiments to reach a target first-exciton peak (±3 nm) on the digital twin, seeded vs --no-seed.

For each target wavelength and repeat, a campaign runs on :class:`nanosynth.lab.adapters.simulated.SimulatedReactor`
(seed = repeat; default fault rates: 2 % injection failures, 1 % spectrometer timeouts) with the full
bookkeeping path (in-memory SQLite). Seeded campaigns use a literature prior fitted on the cdse-hte data
(:class:`nanosynth.lab.prior.TreeEnsemblePrior`, the fallback prior the CLI uses when no model is registered; read from the
CSV files here so that the benchmark does not need an imported database). Unseeded campaigns start from a Latin
hypercube and run the same GP optimizer without prior. A campaign that does not reach the target within the
budget counts as budget + 1 (censored); the median is reported with the number of misses.

Usage::

    OMP_NUM_THREADS=1 nice -n 10 .venv/bin/python benchmarks/bench_campaign.py [--repeats 10] [--budget 25]
        [--targets 480 510 540 570 600] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import logging
import statistics
import time
from pathlib import Path

from nanosynth.db.engine import create_all, make_engine
from nanosynth.lab.adapters.simulated import SimulatedReactor
from nanosynth.lab.campaign import CampaignSettings, run_campaign
from nanosynth.lab.prior import fit_tree_prior, hte_table_from_csv, load_model_prior

REPO = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data-dir", type=Path, default=REPO.parent / "shared" / "data" / "cdse_hte")
    ap.add_argument("--targets", type=float, nargs="+", default=[480.0, 510.0, 540.0, 570.0, 600.0])
    ap.add_argument("--repeats", type=int, default=10)
    ap.add_argument("--budget", type=int, default=25)
    ap.add_argument("--tolerance", type=float, default=3.0)
    ap.add_argument("--initial-seeded", type=int, default=2)
    ap.add_argument("--initial-unseeded", type=int, default=5)
    ap.add_argument("--json", type=Path, default=None, help="write every campaign's result here")
    ap.add_argument("--prior-artifact", type=Path, default=None,
                    help="seed from this trained models artifact (abs_peak_nm, cdse-hte source; see "
                         "'nanosynth models train') instead of the built-in tree-ensemble fallback")
    ap.add_argument("--no-unseeded", action="store_true", help="run only the seeded campaigns")
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    t0 = time.perf_counter()
    if args.prior_artifact:
        prior = load_model_prior(args.prior_artifact)
        print(f"prior: models artifact {prior.manifest.get('name')}@{prior.manifest.get('version')}")
    else:
        prior = fit_tree_prior(hte_table_from_csv(args.data_dir), "abs_peak_nm")
        print("prior: built-in tree ensemble fitted on cdse-hte (fallback)")
    rows = []
    for target in args.targets:
        for seeded in ((True,) if args.no_unseeded else (True, False)):
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
    print("| target (nm) | seeded median | seeded misses | --no-seed median | --no-seed misses | ratio |")
    print("|---|---|---|---|---|---|")

    def summary(sel) -> tuple[float, int]:
        vals = [r["experiments_to_target"] or args.budget + 1 for r in sel]
        return (statistics.median(vals) if vals else float("nan")), sum(r["experiments_to_target"] is None for r in sel)

    for target in [*args.targets, "all"]:
        line = [f"{target:g}" if target != "all" else "all"]
        meds = []
        for seeded in (True, False):
            med, misses = summary([r for r in rows if r["seeded"] == seeded and target in ("all", r["target"])])
            meds.append(med)
            line += [f"{med:g}", str(misses)]
        line.append(f"{meds[0] / meds[1]:.2f}")
        print("| " + " | ".join(line) + " |")
    print(f"\nwall time {time.perf_counter() - t0:.0f} s for {len(rows)} campaigns")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
