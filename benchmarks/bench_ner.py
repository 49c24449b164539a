"""Benchmark of entity recognition: MSPTC dev scores, AuNP dev (and optional DOI-level CV) scores, NER speed.

Usage (from the repository root)::

    OMP_NUM_THREADS=1 nice -n 10 .venv/bin/python benchmarks/bench_ner.py [--data ../shared/data]
        [--ner-model default] [--aunp-model default] [--aunp-cv 0]

Prints per-type precision/recall/F1 and micro-F1 (exact span match) of the MSPTC models on the dev split
(``ner-dev-fnames.txt``, 15 documents; ``--ner-model`` may be repeated, default: the shipped ``default``, ``spacy``
and ``fast`` models), of the AuNP model on the DOIs held out when it was trained (listed in its manifest),
optionally a k-fold DOI-level cross-validation of the AuNP recipe (``--aunp-cv 5``; trains k models), and the
tagging speed of every model in paragraphs per second (single process, ``predict_spans``).
"""

from __future__ import annotations

import argparse
import logging
import time
from pathlib import Path

from nanosynth.miner.corpora import brat
from nanosynth.miner.extract.aunp import load_aunp
from nanosynth.miner.extract.ner import load_ner, model_info, paragraph_spans, predict_spans
from nanosynth.miner.scoring.ner import evaluate_aunp, evaluate_brat
from nanosynth.miner.training.aunp import cross_validate_aunp


def _print_scores(title: str, scores) -> None:
    print(f"\n## {title}\n")
    print("| type | P | R | F1 | support |")
    print("|---|---:|---:|---:|---:|")
    for label, p, r, f1, support in scores.rows():
        print(f"| {label} | {p:.3f} | {r:.3f} | {f1:.3f} | {support} |")
    micro = scores.micro
    print(f"| **micro** | {micro.precision:.3f} | {micro.recall:.3f} | **{micro.f1:.3f}** | {micro.support} |")
    print(f"\nmicro_f1={scores.micro_f1:.4f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data"))
    parser.add_argument("--ner-model", action="append", default=None,
                        help="MSPTC model name or directory (repeatable; default: default, spacy, fast)")
    parser.add_argument("--aunp-model", default="default")
    parser.add_argument("--aunp-cv", type=int, default=0, help="k of a DOI-level k-fold CV of AuNP training "
                        "(0 = skip; trains k models)")
    parser.add_argument("--speed-paragraphs", type=int, default=600)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)

    msptc = args.data / "msptc"
    ner_models = args.ner_model or ["default", "spacy", "fast"]
    loaded = {}
    for name in ner_models:
        nlp = load_ner(name)
        info = model_info(name)
        loaded[name] = nlp
        scores = evaluate_brat(name, msptc / "brat", msptc / "ner-dev-fnames.txt", nlp=nlp)
        _print_scores(f"MSPTC NER `{name}` ({info.get('backend', 'spacy')} backend), dev split ({scores.n_docs} "
                      f"documents; best epoch {info.get('best_epoch')}, trained in {info.get('training_seconds')} s)",
                      scores)

    aunp_data = args.data / "aunp_ner" / "aunp_6lab.jsonl"
    aunp_nlp = load_aunp(args.aunp_model)
    aunp_scores = evaluate_aunp(args.aunp_model, aunp_data, "dev", nlp=aunp_nlp)
    _print_scores(f"AuNP outcome NER (6 labels), DOI-held-out dev ({aunp_scores.n_docs} paragraphs)", aunp_scores)
    if args.aunp_cv:
        cv = cross_validate_aunp(aunp_data, k=args.aunp_cv,
                                 progress=lambda i, s: print(f"fold {i}: micro-F1 {s.micro_f1:.3f}", flush=True))
        _print_scores(f"AuNP outcome NER, {args.aunp_cv}-fold DOI-level CV (pooled)", cv)

    # speed: MSPTC dev paragraphs (lines), repeated to the requested count
    documents = brat.read_directory(msptc / "brat", brat.read_split_file(msptc / "ner-dev-fnames.txt"))
    paragraphs = [d.text[a:b] for d in documents for a, b in paragraph_spans(d.text)]
    texts = (paragraphs * (args.speed_paragraphs // len(paragraphs) + 1))[:args.speed_paragraphs]
    chars = sum(len(t) for t in texts)
    print(f"\n## Speed\n\n{len(texts)} MSPTC dev paragraphs ({chars / len(texts):.0f} chars on average), one process "
          f"(torch threads: {_threads()})\n")
    print("| model | paragraphs/s | kchar/s |\n|---|---:|---:|")
    for name, model in [*loaded.items(), ("AuNP " + args.aunp_model, aunp_nlp)]:
        predict_spans(model, texts[:20])  # warm-up
        t0 = time.perf_counter()
        predict_spans(model, texts)
        seconds = time.perf_counter() - t0
        print(f"| {name} | {len(texts) / seconds:.1f} | {chars / seconds / 1000:.1f} |", flush=True)


def _threads() -> int:
    import torch

    return torch.get_num_threads()


if __name__ == "__main__":
    main()
