"""End-to-end extraction on real nanocrystal papers: ``nanosynth extract --json`` scored by the shared scorer.

Usage (from the repository root)::

    OMP_NUM_THREADS=1 HF_HUB_OFFLINE=1 nice -n 10 .venv/bin/python benchmarks/bench_realpapers.py \
        [--data ../shared/data/realpapers_dev] [--scorer ../shared/tools/realpapers/score.py] [--keep OUT.jsonl]

Runs :func:`nanosynth.extraction.iter_extract` (what ``nanosynth extract --json`` prints, in-process, models loaded
once) over ``DATA/docs/*.txt``, writes the JSON lines to a temporary file and runs the scorer on it with this
Python, printing its figures; the last line is the scorer's summary (``realpapers: doc-F1 X target-recall X ...``).
Skips with a message (exit status 0) when the shared data or scorer is absent. The dev set's texts are third-party:
only figures go into the repository, never its text.
"""

from __future__ import annotations

import argparse
import json
import logging
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=SHARED / "data" / "realpapers_dev")
    parser.add_argument("--scorer", type=Path, default=SHARED / "tools" / "realpapers" / "score.py")
    parser.add_argument("--keep", type=Path, default=None, help="Also keep the JSON lines in this file.")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    docs = sorted((args.data / "docs").glob("*.txt"))
    if not docs or not args.scorer.is_file():
        print(f"skipped: real-paper dev set ({args.data}) or scorer ({args.scorer}) not found")
        return 0
    from nanosynth.extraction import iter_extract

    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "extract.jsonl"
        with out.open("w", encoding="utf-8") as handle:
            for doc in iter_extract(docs):
                handle.write(json.dumps(doc.to_json(), ensure_ascii=False) + "\n")
        elapsed = time.perf_counter() - started
        if args.keep is not None:
            args.keep.write_bytes(out.read_bytes())
        print(f"extracted {len(docs)} documents in {elapsed:.1f} s (models loaded once)")
        sys.stdout.flush()
        scored = subprocess.run([sys.executable, str(args.scorer), str(args.data), "--json-file", str(out)],
                                check=False)
    return scored.returncode


if __name__ == "__main__":
    raise SystemExit(main())
