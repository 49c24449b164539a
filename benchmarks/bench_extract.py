"""Benchmark of recipe extraction: linking precision/recall on the MSPTC dev split and extraction speed.

Usage (from the repository root)::

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench_extract.py [--data ../shared/data] [--ner default|none]

Prints, per link type (amount→material, condition→operation, material→operation), precision/recall/F1 with gold
entities as input (linking alone) and, when an NER model is available, with predicted entities (NER + linking,
exact spans); then extraction speed in paragraphs/s over the MSPTC dev paragraphs and the sample papers, and
the sample-paper extraction scores against their expected JSON.
"""

from __future__ import annotations

import argparse
import logging
import time
from pathlib import Path

from miner.extract.assemble import RecipeExtractor
from miner.extract.linking import Mention
from miner.extract.linking_eval import LINK_TYPES, evaluate_linking, read_brat, split_names
from miner.samples import SAMPLE_IDS, load_expected, sample_papers_dir, score_recipes
from schema.records import PaperCreate, ParagraphCreate


def _print_scores(title: str, scores) -> None:
    print(f"\n{title}")
    print(f"{'link type':22s} {'P':>6s} {'R':>6s} {'F1':>6s} {'gold':>6s}")
    for typ in (*LINK_TYPES, "all"):
        s = scores[typ]
        print(f"{typ:22s} {s.precision:6.3f} {s.recall:6.3f} {s.f1:6.3f} {s.tp + s.fn:6d}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data"))
    parser.add_argument("--ner", default="default", help="NER model dir, 'default', or 'none'")
    parser.add_argument("--repeat", type=int, default=3, help="passes over the paragraphs for the speed figure")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)

    msptc = args.data / "msptc"
    names = split_names(msptc / "ner-dev-fnames.txt")
    _print_scores(f"Linking on MSPTC dev ({len(names)} documents), gold entities",
                  evaluate_linking(msptc / "brat", names))

    nlp = None
    if args.ner != "none":
        try:
            from miner.extract.ner import load_ner

            nlp = load_ner(args.ner)
        except Exception as exc:  # noqa: BLE001 - the benchmark reports and continues
            print(f"\n(no NER model: {exc}; predicted-entity linking skipped)")
    if nlp is not None:
        def predict(text: str) -> list[Mention]:
            return [Mention(e.start_char, e.end_char, e.label_, e.text) for e in nlp(text).ents]

        _print_scores("Linking on MSPTC dev, predicted entities (NER + linking, exact spans)",
                      evaluate_linking(msptc / "brat", names, predict_mentions=predict))

    # speed: every MSPTC dev paragraph as a synthesis paragraph of one paper, plus the sample papers
    texts = [p for n in names for p in read_brat(msptc / "brat" / f"{n}.txt").text.split("\n") if p.strip()]
    paper = PaperCreate(key="bench:msptc-dev", paragraphs=[ParagraphCreate(order=i, text=t, label="synthesis")
                                                          for i, t in enumerate(texts)])
    for label, ner in (("rules only", None), ("rules + NER", nlp)):
        if label == "rules + NER" and ner is None:
            continue
        extractor = RecipeExtractor(ner=ner)
        extractor.recipes(paper)  # warm-up (pint registry, regexes)
        t0 = time.perf_counter()
        for _ in range(args.repeat):
            out = extractor.recipes(paper)
        dt = time.perf_counter() - t0
        n = len(texts) * args.repeat
        print(f"\nExtraction speed ({label}): {n / dt:.1f} paragraphs/s ({len(texts)} MSPTC dev paragraphs × "
              f"{args.repeat}, {sum(len(t) for t in texts) / len(texts):.0f} chars/paragraph avg, "
              f"{len(out)} recipe(s))")

    from miner.readers import read_document

    print("\nSample papers (text format), extraction vs expected JSON: precision/recall")
    extractor = RecipeExtractor(ner=nlp)
    for pid in SAMPLE_IDS:
        path = sample_papers_dir() / f"{pid}.txt"
        scores = score_recipes(extractor.recipes(read_document(path.read_bytes(), path.name)), load_expected(pid))
        print(f"{pid:24s} " + "  ".join(f"{k}={v.precision:.2f}/{v.recall:.2f}" for k, v in scores.items()))


if __name__ == "__main__":
    main()
