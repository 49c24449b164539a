"""Figures that tell the truth about the microreactor models: level-out parity with intervals, coverage and
interval width against distance to the training data, and a temperature sweep with the training levels marked.

Protocol: leave-one-level-out CV on cdse-hte (every experiment at one level of temperature, [Cd], [Se] or OA:Cd
held out in turn); the sweep uses the model trained on every recipe.

Usage::

    OMP_NUM_THREADS=1 nice -n 10 .venv/bin/python benchmarks/bench_models_figures.py \
        [--model gp] [--target abs_peak_nm] [--fig-dir benchmarks/results/figures]

Prints the level-out figures (pooled, interpolation, extrapolation, per held-out level), the
coverage-by-distance table and the paths of the figures it wrote.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))


def main(argv=None) -> int:
    from bench_models import frames_for

    from nanosynth.models.evaluation import coverage_by_distance, cross_validate
    from nanosynth.models.pipeline import PropertyModel
    from nanosynth.models.plots import coverage_distance_plot, parity_plot, temperature_sweep_plot
    from nanosynth.models.sources import get_source

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", default="sqlite:////tmp/nanosynth-bench-models.db")
    ap.add_argument("--data-dir", type=Path, default=REPO.parent / "shared" / "data")
    ap.add_argument("--model", default="gp")
    ap.add_argument("--target", default="abs_peak_nm")
    ap.add_argument("--fig-dir", type=Path, default=REPO / "benchmarks" / "results" / "figures")
    args = ap.parse_args(argv)
    args.fig_dir.mkdir(parents=True, exist_ok=True)
    frames = frames_for("cdse-hte", args.db, args.data_dir)
    params = get_source("cdse-hte").params(args.model, args.target)
    res = cross_validate(frames, args.target, args.model, 10, 0, "experiment", None, params, protocol="level-out")
    overall = res.overall()
    print(" ".join(f"{k}={overall[k]:.4g}" for k in ("mae", "coverage", "mae_interpolation", "coverage_interpolation",
                                                    "interval_width_interpolation", "mae_extrapolation",
                                                    "coverage_extrapolation", "interval_width_extrapolation")))
    for fold in res.folds:
        print(f"  {fold['split']:28s} {fold['kind']:13s} mae={fold['mae']:.1f} coverage={fold['coverage']:.2f}")
    stem = f"models_{args.target}_{args.model}_level-out"
    p = res.predictions
    written = [parity_plot(p["y"], p["pred"], args.fig_dir / f"{stem}_parity.png", lower=p["lower"],
                           upper=p["upper"], unit="meV", quantity="peak energy",
                           title=f"cdse-hte {args.target}, {args.model}, leave-one-level-out")]
    table = coverage_by_distance(frames, res, bins=8)
    print(table.to_string(index=False, float_format=lambda v: f"{v:.3g}"))
    written.append(coverage_distance_plot(table, args.fig_dir / f"{stem}_coverage_distance.png", unit="meV",
                                          title=f"cdse-hte {args.target}, {args.model}, leave-one-level-out"))
    model = PropertyModel(args.target, args.model, group_by="experiment", estimator_params=params).fit(frames)
    written.append(temperature_sweep_plot(model, frames, args.fig_dir / f"models_{args.target}_{args.model}_"
                                          "temperature_sweep.png", np.linspace(180.0, 330.0, 61),
                                          ylabel=f"{args.target.replace('_nm', '')} (nm)",
                                          title="10 mM Cd and Se, OA:Cd 10, 120 s"))
    for path in written:
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
