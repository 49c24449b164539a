"""Transfer across compositions, SHAP importance and parity plots for the property models.

Usage::

    OMP_NUM_THREADS=1 nice -n 10 .venv/bin/python benchmarks/bench_models_analysis.py \
        --db sqlite:////tmp/nanosynth-bench-models.db --pred-dir /tmp/bench_models_predictions \
        --fig-dir benchmarks/results/figures

Writes ``models_transfer.png``, ``models_importance_<target>.png`` and ``models_parity_<run>.png`` to --fig-dir and
prints the tables as Markdown.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

LIGHT = {"n_members": 2, "n_estimators": 250, "max_depth": 8, "learning_rate": 0.08, "colsample_bytree": 0.5}


def _md(frame) -> str:
    """A DataFrame as a Markdown table (no extra dependency)."""
    cols = list(frame.columns)
    lines = ["| " + " | ".join(cols) + " |", "|" + "|".join("---" for _ in cols) + "|"]
    for row in frame.itertuples(index=False):
        lines.append("| " + " | ".join(f"{v:.3f}" if isinstance(v, float) else str(v) for v in row) + " |")
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", default="sqlite:////tmp/nanosynth-bench-models.db")
    ap.add_argument("--data-dir", type=Path, default=REPO.parent / "shared" / "data")
    ap.add_argument("--pred-dir", type=Path, default=Path("/tmp/bench_models_predictions"))
    ap.add_argument("--fig-dir", type=Path, default=REPO / "benchmarks" / "results" / "figures")
    ap.add_argument("--skip", default="", help="comma-separated: transfer,importance,parity")
    ap.add_argument("--repeats", type=int, default=2)
    args = ap.parse_args(argv)
    args.fig_dir.mkdir(parents=True, exist_ok=True)
    skip = set(args.skip.split(","))

    import pandas as pd

    from bench_models import frames_for
    from nanosynth.models.importance import shap_importance
    from nanosynth.models.pipeline import PropertyModel
    from nanosynth.models.plots import importance_plot, parity_plot, transfer_plot
    from nanosynth.models.sources import get_source
    from nanosynth.models.targets import TARGETS
    from nanosynth.models.transfer import transfer_experiment

    if "parity" not in skip:
        for csv in sorted(args.pred_dir.glob("*.csv")):
            pred = pd.read_csv(csv)
            if "pred" not in pred:
                continue
            target = next(t for t in sorted(TARGETS, key=len, reverse=True) if f"_{t}_" in csv.name)
            out = parity_plot(pred["y"], pred["pred"], args.fig_dir / f"models_parity_{csv.stem}.png",
                              lower=pred["lower"], upper=pred["upper"], title=csv.stem, unit=TARGETS[target].unit)
            print(f"parity: {out}")

    if {"transfer", "importance"} - skip:
        gu = frames_for("gu2024", args.db, args.data_dir)
    if "importance" not in skip:
        for target in ("size_nm", "shape"):
            pm = PropertyModel(target, "xgb", estimator_params=get_source("gu2024").params("xgb", target))
            pm.fit(gu)
            per_feature, per_class = shap_importance(pm, gu)
            importance_plot(per_feature, per_class, args.fig_dir / f"models_importance_gu2024_{target}.png",
                            title=f"gu2024 {target}: mean |SHAP| (XGBoost pred_contribs)")
            print(f"\n### importance gu2024 {target}\n")
            print(_md(per_class))
            print()
            print(_md(per_feature.head(15)))
    if "transfer" not in skip:
        comp = gu.recipes["target_composition"].value_counts()
        chosen = list(comp.index[:3])
        table = transfer_experiment(gu, chosen, "size_nm", "xgb", ks=(0, 5, 10, 20), repeats=args.repeats,
                                    estimator_params=LIGHT)
        transfer_plot(table, args.fig_dir / "models_transfer.png")
        print("\n### transfer (size_nm MAE, nm)\n")
        print(_md(table))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
