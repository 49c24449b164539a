"""Benchmark of the CdSe microreactor models under every protocol: grouped, random, level-out, extrapolate.

Level-out holds out every level of temperature, [Cd], [Se] and OA:Cd in turn (interior levels = interpolation,
end levels = extrapolation), the question a reactor asks about conditions between and beyond the training grid.

Usage::

    OMP_NUM_THREADS=1 nice -n 10 .venv/bin/python benchmarks/bench_models_protocols.py \
        --out /tmp/bench_protocols.json [--models gp,xgb,nn] [--targets abs_peak_nm,pl_peak_nm] \
        [--protocols level-out,grouped]

Appends one JSON row per (target, protocol, model) and prints a summary line for each.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))


def run_one(frames, target: str, protocol: str, model: str, seed: int) -> dict:
    """Cross-validate one (target, protocol, model) and return its pooled figures."""
    from nanosynth.models.evaluation import cross_validate
    from nanosynth.models.sources import get_source

    t0 = time.time()
    res = cross_validate(frames, target, model, 10, seed, "experiment", None,
                         get_source("cdse-hte").params(model, target), protocol=protocol)
    overall = res.overall()
    return {"source": "cdse-hte", "target": target, "protocol": protocol, "model": model, "seed": seed,
            "unit": res.unit, "seconds": round(time.time() - t0, 1), **overall, "per_split": res.folds}


def main(argv=None) -> int:
    from bench_models import frames_for

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", default="sqlite:////tmp/nanosynth-bench-models.db")
    ap.add_argument("--data-dir", type=Path, default=REPO.parent / "shared" / "data")
    ap.add_argument("--out", type=Path, default=Path("/tmp/bench_protocols.json"))
    ap.add_argument("--models", default="gp,xgb,nn")
    ap.add_argument("--targets", default="abs_peak_nm,pl_peak_nm")
    ap.add_argument("--protocols", default="level-out,grouped,random")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    results = json.loads(args.out.read_text()) if args.out.is_file() else []
    done = {(r["target"], r["protocol"], r["model"]) for r in results}
    frames = frames_for("cdse-hte", args.db, args.data_dir)
    for target in args.targets.split(","):
        for protocol in args.protocols.split(","):
            for model in args.models.split(","):
                if (target, protocol, model) in done:
                    continue
                row = run_one(frames, target, protocol, model, args.seed)
                results.append(row)
                args.out.write_text(json.dumps(results, indent=1, default=str))
                extra = " ".join(f"{k}={row[k]:.3g}" for k in ("mae_interpolation", "coverage_interpolation",
                                                               "mae_extrapolation", "coverage_extrapolation")
                                 if k in row)
                print(f"{target:12s} {protocol:11s} {model:4s} mae={row['mae']:.2f} coverage={row['coverage']:.3f} "
                      f"{extra} ({row['seconds']} s)", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
