"""Reader speed and memory: a 10-page two-column PDF, a 500-page PDF (bounded memory), XML/HTML/text fixtures.

Usage: ``OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench_readers.py [--pages 500]``. Prints one line per
figure; PDFs are generated with reportlab (tests/fixtures/readers/make_pdfs.py), nothing is downloaded.
"""

from __future__ import annotations

import argparse
import importlib.util
import resource
import statistics
import time
import tracemalloc
from pathlib import Path

from nanosynth.miner.readers import read_document

FIX = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "readers"


def _factory():
    spec = importlib.util.spec_from_file_location("make_pdfs_bench", FIX / "make_pdfs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _best_of(fn, n: int = 3) -> float:
    """Best CPU time of ``n`` runs (CPU time, so that other jobs on a shared machine do not inflate it)."""
    times = []
    for _ in range(n):
        start = time.process_time()
        fn()
        times.append(time.process_time() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pages", type=int, default=500, help="pages of the long PDF")
    args = parser.parse_args()
    mp = _factory()

    ten = mp.two_column_paper(pages_of_filler=12)
    doc = read_document(ten, "ten.pdf")
    t = _best_of(lambda: read_document(ten, "ten.pdf"))
    print(f"pdf_10_pages: pages={doc.page_count} chars={len(doc.text)} cpu_seconds={t:.2f} "
          f"chars_per_s={len(doc.text) / t:.0f}")

    for name in sorted(p.name for p in FIX.iterdir() if p.suffix in {".xml", ".html", ".txt", ".md"}):
        data = (FIX / name).read_bytes()
        t = _best_of(lambda d=data, n=name: read_document(d, n), 5)
        print(f"{name}: reader={read_document(data, name).reader} cpu_ms={1000 * t:.1f}")

    data = mp.many_pages_pdf(60)
    tracemalloc.start()
    read_document(data, "sixty.pdf")
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(f"pdf_60_pages_traced_peak_mb={peak / 1e6:.1f}")

    long = mp.many_pages_pdf(args.pages)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    cpu0 = time.process_time()
    doc = read_document(long, "long.pdf")
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu0
    grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    print(f"pdf_{args.pages}_pages: paragraphs={len(doc.paragraphs)} wall_s={wall:.1f} cpu_s={cpu:.1f} "
          f"cpu_ms_per_page={1000 * cpu / args.pages:.0f} peak_rss_growth_mb={grown:.0f}")
    print(f"median_paragraph_chars={statistics.median(len(p.text) for p in doc.body):.0f}")


if __name__ == "__main__":
    main()
