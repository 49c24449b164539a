"""Benchmark of recipe extraction: linking precision/recall on the MSPTC dev split, extraction speed, sample papers.

Usage (from the repository root)::

    OMP_NUM_THREADS=1 HF_HUB_OFFLINE=1 nice -n 10 .venv/bin/python benchmarks/bench_extract.py \
        [--data ../shared/data] [--ner fast,spacy,default] [--repeat 3]

Prints

1. linking precision/recall/F1 per link type (amount→material, condition→operation, material→operation) with the
   GOLD entities of the MSPTC dev split as input (linking alone);
2. the same with PREDICTED entities for every NER model of ``--ner`` (NER + linking, ``predict_spans`` of
   :mod:`nanosynth.miner.extract.ner`; a link counts only when both of its spans match a gold link exactly);
3. extraction speed in paragraphs/s of :class:`nanosynth.miner.extract.assemble.RecipeExtractor` over the MSPTC dev
   paragraphs (every line labelled ``synthesis``), rules only and with each NER model (models loaded once,
   NER batched per document), plus end-to-end :class:`nanosynth.miner.pipeline.Pipeline` speed (read + classify + extract)
   over the 15 sample files;
4. the sample papers (txt/html/pdf) against their expected JSON with the shipped classifier and each NER model.

A model that cannot be loaded (not trained in this checkout) is reported and skipped.
"""

from __future__ import annotations

import argparse
import logging
import time
from pathlib import Path

from nanosynth.miner.document import Document
from nanosynth.miner.extract.assemble import RecipeExtractor, is_procedural
from nanosynth.miner.extract.linking import Mention
from nanosynth.miner.scoring.linking import LINK_TYPES, evaluate_linking, read_brat, split_names
from nanosynth.miner.samples import load_expected, paper_problems, sample_paper_paths, score_paper
from nanosynth.schema.records import PaperCreate, ParagraphCreate


def _print_scores(title: str, scores) -> None:
    print(f"\n{title}")
    print(f"{'link type':22s} {'P':>6s} {'R':>6s} {'F1':>6s} {'gold':>6s}")
    for typ in (*LINK_TYPES, "all"):
        s = scores[typ]
        print(f"{typ:22s} {s.precision:6.3f} {s.recall:6.3f} {s.f1:6.3f} {s.tp + s.fn:6d}")


def _load(name: str):
    from nanosynth.miner.extract.ner import load_ner, predict_spans

    t0 = time.perf_counter()
    nlp = load_ner(name)
    predict_spans(nlp, ["CdO (0.2 mmol) was heated to 300 °C."])  # warm-up, as Pipeline.initialize does
    return nlp, time.perf_counter() - t0


def _papers(msptc: Path, names: list[str]) -> list[PaperCreate]:
    """One paper per MSPTC dev document, one paragraph per non-empty line, all labelled synthesis."""
    papers = []
    for name in names:
        lines = [t for t in read_brat(msptc / "brat" / f"{name}.txt").text.split("\n") if t.strip()]
        papers.append(PaperCreate(key=f"bench:{name}", paragraphs=[
            ParagraphCreate(order=i, text=t, label="synthesis") for i, t in enumerate(lines)]))
    return papers


def _speed(label: str, ner, papers: list[PaperCreate], repeat: int) -> None:
    extractor = RecipeExtractor(ner=ner)
    n_par = sum(len(p.paragraphs) for p in papers)
    n_proc = sum(is_procedural(p.text) for paper in papers for p in paper.paragraphs)
    for paper in papers[:2]:
        extractor.recipes(Document.from_records(paper))  # warm-up (pint registry, regexes)
    # fresh documents for every pass: a document keeps its NER entities once annotated
    passes = [[Document.from_records(paper) for paper in papers] for _ in range(repeat)]
    t0 = time.perf_counter()
    n_recipes = 0
    for documents in passes:
        for document in documents:
            n_recipes += len(extractor.recipes(document))
    dt = time.perf_counter() - t0
    print(f"{label:28s} {n_par * repeat / dt:8.1f} paragraphs/s  {n_proc * repeat / dt:8.1f} procedural "
          f"paragraphs/s  ({n_par} paragraphs × {repeat}, {n_recipes // repeat} recipes per pass)")


def _samples(label: str, classifier: str, ner: str | None) -> None:
    from nanosynth.miner.pipeline import Pipeline, PipelineConfig

    try:
        t0 = time.perf_counter()
        pipe = Pipeline(PipelineConfig(classifier_model=classifier, ner_model=ner)).initialize()
        init_s = time.perf_counter() - t0
    except Exception as exc:  # noqa: BLE001 - the benchmark reports and continues
        print(f"\n{label}: skipped ({type(exc).__name__}: {exc})")
        return
    paths = sample_paper_paths()
    totals: dict[str, list[int]] = {}
    keys: dict[str, set[tuple[str, ...]]] = {}
    problems = 0
    n_par = 0
    t0 = time.perf_counter()
    results = [(path, pipe.process(path.read_bytes(), str(path))) for path in paths]
    dt = time.perf_counter() - t0
    for path, result in results:
        n_par += len(result.paper.paragraphs)
        expected = load_expected(path.stem)
        keys.setdefault(path.stem, set()).add(tuple(sorted(r.source_key for r in result.recipes)))
        problems += len(paper_problems(result.recipes, expected))
        for group, pr in score_paper(result.recipes, expected).items():
            t = totals.setdefault(group, [0, 0, 0, 0])
            t[0] += pr.matched_extracted
            t[1] += pr.extracted
            t[2] += pr.matched_expected
            t[3] += pr.expected
    print(f"\n{label}: init {init_s:.1f} s, {len(paths)} files in {dt:.2f} s = {len(paths) / dt:.1f} docs/s, "
          f"{n_par / dt:.1f} paragraphs/s end to end (read + classify + extract)")
    print("  " + "  ".join(f"{g}={t[0] / t[1] if t[1] else 1:.2f}/{t[2] / t[3] if t[3] else 1:.2f}"
                           for g, t in totals.items()) + "   (precision/recall, micro over 15 files)")
    same = all(len(v) == 1 for v in keys.values())
    print(f"  identical recipe keys across txt/html/pdf: {same}; discrepancies vs expected JSON: {problems}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data"))
    parser.add_argument("--ner", default="fast,spacy,default",
                        help="comma-separated NER models (names of load_ner or directories); 'none' for rules only")
    parser.add_argument("--repeat", type=int, default=3, help="passes over the paragraphs for the speed figures")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)

    msptc = args.data / "msptc"
    names = split_names(msptc / "ner-dev-fnames.txt")
    _print_scores(f"Linking on MSPTC dev ({len(names)} documents), gold entities",
                  evaluate_linking(msptc / "brat", names))

    from nanosynth.miner.extract.ner import predict_spans

    models: dict[str, object] = {}
    for name in [n.strip() for n in args.ner.split(",") if n.strip() and n.strip() != "none"]:
        try:
            models[name], load_s = _load(name)
            print(f"\n(NER {name!r} loaded in {load_s:.1f} s)")
        except Exception as exc:  # noqa: BLE001 - the benchmark reports and continues
            print(f"\n(NER {name!r} unavailable: {type(exc).__name__}: {exc}; skipped)")
    texts = {n: read_brat(msptc / "brat" / f"{n}.txt").text for n in names}
    for name, nlp in models.items():
        spans = dict(zip(texts.values(), predict_spans(nlp, list(texts.values())), strict=True))

        def predict(text: str, spans=spans) -> list[Mention]:
            return [Mention(s, e, label, text[s:e]) for s, e, label in spans[text]]

        _print_scores(f"Linking on MSPTC dev, predicted entities of NER {name!r} (NER + linking, exact spans)",
                      evaluate_linking(msptc / "brat", names, predict_mentions=predict))

    papers = _papers(msptc, names)
    n_proc = sum(is_procedural(p.text) for paper in papers for p in paper.paragraphs)
    n_all = sum(len(paper.paragraphs) for paper in papers)
    print(f"\nExtraction speed, RecipeExtractor over MSPTC dev ({len(papers)} documents, {n_all} paragraphs = lines, "
          f"{n_proc} procedural, {sum(len(p.text) for pp in papers for p in pp.paragraphs) / n_all:.0f} "
          f"chars/paragraph avg; one process, OMP_NUM_THREADS as set)")
    _speed("rules only", None, papers, args.repeat)
    for name, nlp in models.items():
        _speed(f"rules + NER {name!r}", nlp, papers, args.repeat)

    print("\nSample papers (5 papers × txt/html/pdf) through Pipeline against expected JSON")
    _samples("heuristic labels, rules only", "heuristic", None)
    _samples("classifier 'default', rules only", "default", None)
    for name in models:
        _samples(f"classifier 'default' + NER {name!r}", "default", name)


if __name__ == "__main__":
    main()
