"""How the Gu et al. size model changes when recipes mined from real papers are added to its training data.

Mined data: every real-paper text the shared corpora hold — the real-paper dev abstracts and procedures
(``realpapers_dev/docs``), the synthesis-labelled paragraphs (``paragraphs/*.jsonl``, grouped per document) and
the gold-nanoparticle paragraphs (``aunp_ner``, with their DOIs) — written to a temporary folder (never into the
repository) and ingested with the default pipeline into a SQLite database that also holds the curated Gu
recipes. The size model is then cross-validated under the Gu protocol (random 5-fold; scored: Gu recipes whose
size was measured on ≥ 300 particles; every other recipe, mined ones included, always trains) with the
selection ``gu2024`` and ``gu2024+mined``; mined recipes of a paper that Gu already curated are dropped
(one source per paper).

Usage::

    OMP_NUM_THREADS=1 HF_HUB_OFFLINE=1 nice -n 10 .venv/bin/python benchmarks/bench_models_mined.py \
        [--data ../shared/data] [--db sqlite:////tmp/nanosynth-bench-mined.db] [--model et] [--seeds 0,1,2]

Prints the mined-recipe counts, then one line per (selection, seed) and the mean difference.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def write_mined_texts(data: Path, folder: Path) -> int:
    """One text file per real document of the shared corpora (DOI line first where known); returns the count."""
    n = 0
    for doc in sorted((data / "realpapers_dev" / "docs").glob("*.txt")):
        (folder / f"realpapers_{doc.name}").write_text(doc.read_text(encoding="utf-8"), encoding="utf-8")
        n += 1
    paragraphs = defaultdict(list)
    for split in ("train", "dev"):
        for line in (data / "paragraphs" / f"{split}.jsonl").read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            if row["label"] == "synthesis":
                paragraphs[row["doc"]].append(row["text"])
    for k, (doc, texts) in enumerate(sorted(paragraphs.items())):
        (folder / f"paragraphs_{k:04d}.txt").write_text(f"{doc}\n\n" + "\n\n".join(texts), encoding="utf-8")
        n += 1
    by_doi = defaultdict(list)
    for line in (data / "aunp_ner" / "aunp_6lab.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        by_doi[(row.get("meta") or {}).get("doi") or row.get("remark")].append(row["text"])
    for k, (doi, texts) in enumerate(sorted(by_doi.items(), key=lambda kv: str(kv[0]))):
        (folder / f"aunp_{k:04d}.txt").write_text(f"Gold nanoparticles\n\ndoi:{doi}\n\n" + "\n\n".join(texts),
                                                  encoding="utf-8")
        n += 1
    return n


def build_database(url: str, data: Path) -> dict:
    """Migrate, import the Gu recipes, ingest the mined texts; returns recipe counts by source kind."""
    from nanosynth.db.engine import make_engine, session_scope
    from nanosynth.db.importers import import_file
    from nanosynth.db.migrate import upgrade
    from nanosynth.db.queries import RecipeFilter, count_recipes
    from nanosynth.ingest import run_ingest

    upgrade(url)
    engine = make_engine(url)
    with session_scope(engine) as session:
        if not count_recipes(session, RecipeFilter(dataset="gu2024")):
            import_file(session, "gu2024", data / "nanocrystal_recipes" / "raw_recipe_dataset.xlsx")
    with tempfile.TemporaryDirectory() as tmp:
        n_docs = write_mined_texts(data, Path(tmp))
        summary = run_ingest(engine, [Path(tmp)], job="bench-mined")
    with session_scope(engine) as session:
        counts = {"documents": n_docs, "ingested": summary.done, "failed": summary.failed,
                  "mined_recipes": count_recipes(session, RecipeFilter(source_kind="literature")),
                  "mined_with_size": count_recipes(session, RecipeFilter(source_kind="literature",
                                                                         has_property=["size_nm"]))}
    return {"engine": engine, **counts}


def main(argv=None) -> int:
    from nanosynth.property_models import ModelRequest, cross_validate_request, selected_frames

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    ap.add_argument("--db", default="sqlite:////tmp/nanosynth-bench-mined.db")
    ap.add_argument("--model", default="et")
    ap.add_argument("--seeds", default="0,1,2")
    args = ap.parse_args(argv)
    built = build_database(args.db, args.data)
    engine = built.pop("engine")
    print("mined: " + " ".join(f"{k}={v}" for k, v in built.items()), flush=True)
    maes = defaultdict(list)
    for source in ("gu2024", "gu2024+mined"):
        for seed in (int(s) for s in args.seeds.split(",")):
            request = ModelRequest(source, "size_nm", args.model, seed)
            frames = selected_frames(engine, request, args.data)
            overall = cross_validate_request(frames, request, 5, min_count=300).overall()
            maes[source].append(overall["mae"])
            print(f"{source:14s} seed={seed} recipes={len(frames.recipes)} mae={overall['mae']:.4f} "
                  f"coverage={overall['coverage']:.3f}", flush=True)
    base, mixed = (sum(v) / len(v) for v in (maes["gu2024"], maes["gu2024+mined"]))
    print(f"gu2024 mae={base:.4f} · gu2024+mined mae={mixed:.4f} · change {mixed - base:+.4f} nm "
          f"(Gu protocol, {args.model}, mean of seeds {args.seeds})")
    engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
