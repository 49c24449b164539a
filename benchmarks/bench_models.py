"""Benchmark of the property models: XGBoost, PyTorch deep ensemble and a random-forest baseline, side by side.

Every figure comes from seeded cross-validation on frames queried from the database (a SQLite file the script
fills with the curated datasets through the importers when they are missing).

Usage::

    OMP_NUM_THREADS=1 nice -n 10 .venv/bin/python benchmarks/bench_models.py \
        --db sqlite:////tmp/nanosynth-bench.db --out /tmp/bench_models.json [--only cdse-hte] [--models xgb,nn,rf]

Prints one line per (source, target, grouping, model) and writes the JSON (and a Markdown table with --md).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

#: (source, target, group_by, folds, min_count, models); min_count=300 is the Gu et al. evaluation protocol
#: (scored recipes: size from >= 300 counted particles; the others are always in training).
CONFIGS = [
    ("gu2024", "size_nm", "none", 5, 300, "xgb,et,rf,nn"),
    ("gu2024", "size_nm", "none", 5, None, "xgb,et,rf"),
    ("gu2024", "size_nm", "doi", 5, None, "xgb,et,rf"),
    ("gu2024", "shape", "none", 5, 300, "xgb,et,rf"),
    ("gu2024", "shape", "none", 5, None, "xgb,et,rf"),
    ("gu2024", "shape", "doi", 5, None, "xgb,et,rf"),
    ("cdse-hte", "abs_peak_nm", "experiment", 10, None, "xgb,nn,rf"),
    ("cdse-hte", "pl_peak_nm", "experiment", 10, None, "xgb,nn,rf"),
    ("cdse-hte", "fwhm_mev", "experiment", 10, None, "xgb,rf"),
    ("cdse-literature", "size_nm", "citation", 5, None, "xgb,et,nn,rf"),
    ("cdse-literature", "size_nm", "none", 5, None, "xgb,et,rf"),
]


def frames_for(source: str, url: str, data_dir: Path):
    from nanosynth.db.engine import make_engine, session_scope
    from nanosynth.db.importers import import_file
    from nanosynth.db.migrate import upgrade
    from nanosynth.db.queries import RecipeFilter, count_recipes, recipe_frames
    from nanosynth.models.pipeline import select_recipes
    from nanosynth.models.sources import get_source

    spec = get_source(source)
    upgrade(url)  # migrations, so a scratch database from an older schema is brought up to date
    engine = make_engine(url)
    with session_scope(engine) as session:
        if not count_recipes(session, RecipeFilter(dataset=list(spec.datasets))):
            for fmt, rel in spec.files:
                import_file(session, fmt, data_dir / rel)
            session.flush()
        frames = recipe_frames(session, dataset=list(spec.datasets))
    engine.dispose()
    return select_recipes(frames, spec.max_size_nm)


def markdown(results: list[dict]) -> str:
    """Side-by-side table: one row per (source, target, grouping, protocol), one column group per model."""
    lines = ["| source | target | folds / grouping | scored | model | MAE | R² | accuracy | 90 % coverage | "
             "mean 90 % width | time (s) |", "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        scored = f">= {r['min_count']} particles" if r.get("min_count") else "all"
        unit = r.get("unit") or ""
        mae = f"{r['mae']:.3f} {unit}" if "mae" in r else ""
        extra = "".join(f" ({k[4:]} {v:.2f})" for k, v in r.items() if k.startswith("mae_") and isinstance(v, float))
        lines.append(
            f"| {r['source']} | {r['target']} | {r['folds']}-fold {r['group_by']} | {scored} | {r['model']} | "
            f"{mae}{extra} | {r.get('r2', float('nan')):.3f} | "
            f"{r['accuracy']:.3f} |".replace("| nan |", "|  |") if "accuracy" in r else
            f"| {r['source']} | {r['target']} | {r['folds']}-fold {r['group_by']} | {scored} | {r['model']} | "
            f"{mae}{extra} | {r.get('r2', float('nan')):.3f} |  |")
        lines[-1] += (f" {r.get('coverage', float('nan')):.3f} | {r.get('interval_width', r.get('set_size', float('nan'))):.3g} | "
                      f"{r['seconds']} |")
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", default="sqlite:////tmp/nanosynth-bench-models.db")
    ap.add_argument("--data-dir", type=Path, default=REPO.parent / "shared" / "data")
    ap.add_argument("--out", type=Path, default=Path("/tmp/bench_models.json"))
    ap.add_argument("--only", default=None, help="comma-separated sources")
    ap.add_argument("--targets", default=None, help="comma-separated targets")
    ap.add_argument("--models", default=None, help="comma-separated subset of each config's models")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--pred-dir", type=Path, default=Path("/tmp/bench_models_predictions"),
                    help="out-of-fold predictions per run (CSV), used for parity plots")
    ap.add_argument("--report-only", action="store_true", help="only print the Markdown table of --out")
    args = ap.parse_args(argv)
    if args.report_only:
        print(markdown(json.loads(args.out.read_text())))
        return 0

    from nanosynth.models.evaluation import cross_validate
    from nanosynth.models.sources import get_source

    results = json.loads(args.out.read_text()) if args.out.is_file() else []
    done = {(r["source"], r["target"], r["group_by"], r.get("min_count"), r["model"]) for r in results}
    cache: dict = {}
    for source, target, group_by, folds, min_count, models in CONFIGS:
        if args.only and source not in args.only.split(","):
            continue
        if args.targets and target not in args.targets.split(","):
            continue
        for model in models.split(","):
            if args.models and model not in args.models.split(","):
                continue
            if (source, target, group_by, min_count, model) in done:
                continue
            if source not in cache:
                cache[source] = frames_for(source, args.db, args.data_dir)
            t0 = time.time()
            params = get_source(source).params(model, target)
            res = cross_validate(cache[source], target, model, folds, args.seed, group_by, None, params,
                                 min_count=min_count)
            row = {"source": source, "target": target, "group_by": group_by, "folds": folds, "model": model,
                   "min_count": min_count,
                   "seed": args.seed, "unit": res.unit, "seconds": round(time.time() - t0, 1),
                   **res.overall(), "per_fold": res.folds}
            results.append(row)
            args.pred_dir.mkdir(parents=True, exist_ok=True)
            tag = f"_min{min_count}" if min_count else ""
            res.predictions.to_csv(args.pred_dir / f"{source}_{target}_{group_by}{tag}_{model}.csv", index=False)
            args.out.write_text(json.dumps(results, indent=1))
            main_metric = "accuracy" if "accuracy" in row else "mae"
            print(f"{source:16s} {target:12s} {group_by:10s} min_count={min_count} {model:4s} {main_metric}={row[main_metric]:.4f} "
                  f"r2={row.get('r2', float('nan')):.3f} coverage90={row.get('coverage', float('nan')):.3f} "
                  f"({row['seconds']} s)", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
