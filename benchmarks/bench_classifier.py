"""Paragraph classifier: dev-split precision/recall/F1 per class and single-core throughput, both backends.

Usage::

    OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 nice -n 10 .venv/bin/python benchmarks/bench_classifier.py \\
        [--data-dir ../shared/data] [--models default minilm] [--retrain tfidf minilm] \\
        [--out benchmarks/results/classifier.md]

The shipped models (``default`` = TF-IDF backend, ``minilm`` = MiniLM backend; see ``miner.classify``) are
scored on ``paragraphs/dev.jsonl``, which plays no part in their training or selection; their cross-validation
figures and selected settings come from their manifests. ``--retrain B`` also trains backend B from scratch
exactly as ``nanosynth miner train-classifier`` does (paper-grouped 5-fold CV on ``paragraphs/train.jsonl``
selects C, the MSPTC weight and the backend's feature settings; seed 0) and scores it the same way.
Throughput is measured with one thread (torch and BLAS) as paragraphs per CPU-second (best of 3,
``time.process_time``, so other jobs on a shared machine do not inflate it) and, for reference, per
wall-clock second.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse  # noqa: E402
import platform  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

from nanosynth.miner.classify import load_classifier  # noqa: E402
from nanosynth.miner.corpora.paragraphs import read_jsonl, read_msptc  # noqa: E402
from nanosynth.miner.scoring.classifier import evaluate  # noqa: E402
from nanosynth.miner.training.classifier import train_classifier  # noqa: E402


def throughput(model, texts: list[str], repeats: int = 3) -> tuple[float, float]:
    """(paragraphs per CPU second, paragraphs per wall second), best of ``repeats``."""
    model.predict(texts[:8])  # warm-up (lazy loading, caches)
    cpu, wall = [], []
    for _ in range(repeats):
        c0, w0 = time.process_time(), time.perf_counter()
        model.predict(texts)
        cpu.append(time.process_time() - c0)
        wall.append(time.perf_counter() - w0)
    return len(texts) / min(cpu), len(texts) / min(wall)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, default=Path("../shared/data"))
    parser.add_argument("--models", nargs="*", default=["default", "minilm"], help="Shipped models to score.")
    parser.add_argument("--retrain", nargs="*", default=[], help="Backends to retrain from scratch and score.")
    parser.add_argument("--out", type=Path, default=None, help="Also write the markdown tables to this file.")
    args = parser.parse_args()

    import torch

    torch.set_num_threads(1)
    train = read_jsonl(args.data_dir / "paragraphs" / "train.jsonl")
    dev = read_jsonl(args.data_dir / "paragraphs" / "dev.jsonl")
    aux = read_msptc(args.data_dir / "msptc", split="train")
    dev_texts = [r.text for r in dev]

    results = []
    models = [(f"{name} (shipped)", lambda n=name: (load_classifier(n), None)) for name in args.models]
    for backend in args.retrain:
        models.append((f"{backend} (retrained)",
                       lambda b=backend: train_classifier(train, backend=b, aux_rows=aux, seed=0)))
    for name, build in models:
        started = time.perf_counter()
        model, report = build()
        train_s = time.perf_counter() - started
        scores = evaluate(model, dev)
        n_speed = 1000 if model.backend == "tfidf" else len(dev_texts)
        texts = (dev_texts * (n_speed // len(dev_texts) + 1))[:n_speed]
        per_cpu_s, per_wall_s = throughput(model, texts, repeats=3 if model.backend == "tfidf" else 1)
        row = {"model": name, "backend": model.backend, "train_s": train_s if report else None,
               "selected": report.selected if report else model.manifest_.get("model_selection", {}).get("selected"),
               "cv": report.cv if report else (model.manifest_.get("metrics") or {}).get("cv"),
               "dev": scores, "cpu": per_cpu_s, "wall": per_wall_s}
        results.append(row)
        print(f"{name}: dev synthesis P/R/F1 {scores.per_class['synthesis'].precision:.3f}/"
              f"{scores.per_class['synthesis'].recall:.3f}/{scores.synthesis_f1:.3f}, macro F1 "
              f"{scores.macro_f1:.3f}; {per_cpu_s:.0f} paragraphs/CPU-s ({per_wall_s:.0f}/wall-s)", flush=True)

    lines = _markdown(results, len(train), len(aux), len(dev))
    print("\n".join(lines))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _markdown(results, n_train: int, n_aux: int, n_dev: int) -> list[str]:
    lines = [
        f"Dev split `../shared/data/paragraphs/dev.jsonl` ({n_dev} paragraphs; never used for training or model "
        f"selection). Training: `paragraphs/train.jsonl` ({n_train}) + {n_aux} MSPTC train-split procedures as "
        "candidate auxiliary synthesis examples; C, MSPTC weight and feature settings chosen by paper-grouped "
        "5-fold CV (seed 0).",
        "",
        "| model | backend | selected (CV) | CV synthesis F1 | CV macro F1 | dev synthesis F1 | dev macro F1 "
        "| paragraphs/s (1 core, CPU time) | paragraphs/s (wall) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        sel = ", ".join(f"{'MSPTC w' if k == 'aux_weight' else k}={v}" for k, v in (r["selected"] or {}).items())
        cv = r["cv"] or {}
        lines.append(
            f"| {r['model']} | {r['backend']} | {sel} | {_fmt(cv.get('synthesis_f1'))} | {_fmt(cv.get('macro_f1'))} | "
            f"{r['dev'].synthesis_f1:.3f} | {r['dev'].macro_f1:.3f} | {r['cpu']:.0f} | {r['wall']:.0f} |")
    lines += ["", "Dev split, per class:", "",
              "| model | class | precision | recall | F1 | support |", "|---|---|---|---|---|---|"]
    for r in results:
        for label, m in r["dev"].per_class.items():
            lines.append(f"| {r['model']} | {label} | {m.precision:.3f} | {m.recall:.3f} | {m.f1:.3f} | "
                         f"{m.support} |")
    lines += ["", f"Machine: {platform.machine()}, Python {sys.version.split()[0]}, 1 thread "
              "(OMP/MKL/torch), shared 2-core host (wall-clock figures include contention)."]
    return lines


def _fmt(value) -> str:
    return "" if value is None else f"{value:.3f}"


if __name__ == "__main__":
    main()
