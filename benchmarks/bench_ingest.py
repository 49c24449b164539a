"""Ingestion throughput: one process vs a local Dask cluster, on a generated corpus with broken files.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench_ingest.py --n 1000 --workers 2 --pipeline rules \
        --report benchmarks/results/ingest.md

Generates the corpus (``benchmarks/make_corpus.py``: PDF, HTML and text, ~5% broken) unless ``--corpus DIR`` is
given, then ingests it twice into fresh SQLite databases, each run in its own process (so peak memory is that
run's): ``--workers 1`` (in-process) and ``--workers N`` (LocalCluster, N single-threaded worker processes).

Prints and (with ``--report``) writes: documents/s (wall clock, cluster start included, and steady state between
the first and the last finished document), speed-up and scaling efficiency, startup time, peak memory per
worker and of the driver, the failure rate against the broken-file rate with every broken file and its reason,
and whether both runs wrote the same papers and recipes.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


# --------------------------------------------------------------------------------------------- one run (child)
def run_once(corpus: Path, db_url: str, workers: int, pipeline: str, out: Path, docs_per_task: int) -> None:
    """Ingest ``corpus`` into a fresh database and write the figures as JSON to ``out``."""
    from sqlalchemy import select

    from nanosynth.db.engine import create_all, make_engine, session_scope
    from nanosynth.ingest import load_pipeline_factory, run_ingest
    from nanosynth.schema.tables import Recipe

    engine = make_engine(db_url)
    create_all(engine)
    marks: dict[str, float] = {}
    t0 = time.perf_counter()

    def on_event(event) -> None:
        now = time.perf_counter() - t0
        if event.kind == "document":
            marks.setdefault("first_doc", now)
            marks["last_doc"] = now

    load = os.getloadavg()[0]
    summary = run_ingest(engine, [corpus], pipeline=load_pipeline_factory(pipeline), job=f"bench-w{workers}",
                         workers=workers, batch_size=32, progress=on_event, docs_per_task=docs_per_task)
    with session_scope(engine) as s:
        keys = sorted(s.execute(select(Recipe.source_key)).scalars())
    engine.dispose()
    n = summary.processed
    steady = (n - 1) / (marks["last_doc"] - marks["first_doc"]) if n > 1 and marks["last_doc"] > marks["first_doc"] \
        else 0.0
    usage = resource.getrusage(resource.RUSAGE_SELF)
    out.write_text(json.dumps({
        "driver_cpu_s": usage.ru_utime + usage.ru_stime,
        "summary": summary.to_dict(), "wall_s": summary.elapsed_s, "docs_per_s": summary.docs_per_s,
        "first_doc_s": marks.get("first_doc"), "steady_docs_per_s": steady, "recipe_keys": keys,
        "load_before": load, "load_after": os.getloadavg()[0],
    }))


# --------------------------------------------------------------------------------------------- driver
def _child(corpus: Path, db_url: str, workers: int, pipeline: str, tmp: Path, docs_per_task: int) -> dict:
    out = tmp / f"result-w{workers}.json"
    cmd = [sys.executable, __file__, "_run", "--corpus", str(corpus), "--db", db_url, "--workers", str(workers),
           "--pipeline", pipeline, "--out", str(out), "--docs-per-task", str(docs_per_task)]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(cmd, check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = json.loads(out.read_text())
    # CPU of the run's process and all its descendants (Dask nannies and workers are reaped before it exits)
    result["total_cpu_s"] = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000, help="documents to generate")
    parser.add_argument("--corpus", type=Path, help="existing corpus folder from make_corpus.py (docs/, manifest)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--pipeline", default="default", help="default | rules | module:callable")
    parser.add_argument("--broken-rate", type=float, default=0.05)
    parser.add_argument("--docs-per-task", type=int, default=4, help="documents per Dask task")
    parser.add_argument("--report", type=Path, help="write the figures as a markdown fragment here")
    args = parser.parse_args()

    from make_corpus import make_corpus

    with tempfile.TemporaryDirectory(prefix="bench-ingest-") as tmpdir:
        tmp = Path(tmpdir)
        corpus = args.corpus
        if corpus is None:
            corpus = tmp / "corpus"
            t = time.perf_counter()
            make_corpus(corpus, args.n, args.broken_rate)
            print(f"generated {args.n} documents in {time.perf_counter() - t:.1f} s")
        manifest = json.loads((corpus / "manifest.json").read_text())
        docs = corpus / "docs"
        runs = {}
        for workers in (1, args.workers):
            print(f"ingesting with --workers {workers} ...", flush=True)
            runs[workers] = _child(docs, f"sqlite:///{tmp / f'bench-w{workers}.db'}", workers, args.pipeline, tmp,
                                   args.docs_per_task)
        report = build_report(manifest, runs, args)
    print(report)
    if args.report:
        args.report.write_text(report)
        print(f"written to {args.report}")


def build_report(manifest: list[dict], runs: dict[int, dict], args) -> str:
    one, many = runs[1], runs[args.workers]
    s1, sn = one["summary"], many["summary"]
    n_docs = len(manifest)
    broken = {e["file"]: e["broken_kind"] for e in manifest if e["broken"]}

    def rel(source: str) -> str:
        parts = Path(source).parts
        return "/".join(parts[-2:])

    failed = {rel(f["source"]): f["error"] for f in sn["failures"]}
    identical = sn["skipped_reasons"].get("duplicate of another input (stored once)", 0)
    failed_single = {rel(f["source"]) for f in s1["failures"]}
    missed = sorted(set(broken) - set(failed))
    unexpected = sorted(set(failed) - set(broken))
    speed_wall = one["wall_s"] / many["wall_s"]
    speed_steady = many["steady_docs_per_s"] / one["steady_docs_per_s"] if one["steady_docs_per_s"] else 0.0
    cpu1 = one["total_cpu_s"] / max(1, s1["processed"])
    cpun = many["total_cpu_s"] / max(1, sn["processed"])
    driver_n = many["driver_cpu_s"] / max(1, sn["processed"])
    # on N otherwise idle cores the run is bound by the total CPU spread over N cores or by the driver alone
    projected = cpu1 / max(cpun / args.workers, driver_n)
    same = (one["recipe_keys"] == many["recipe_keys"] and s1["done"] == sn["done"]
            and failed_single == set(failed))
    cmd = "OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench_ingest.py " + " ".join(
        shlex.quote(a) for a in sys.argv[1:])
    lines = [
        "## Ingestion jobs: one process vs Dask LocalCluster",
        "",
        f"Command: `{cmd}`",
        "",
        f"Corpus: {n_docs} generated documents (PDF/HTML/text: "
        f"{sum(e['format'] == 'pdf' for e in manifest)}/{sum(e['format'] == 'html' for e in manifest)}/"
        f"{sum(e['format'] == 'txt' for e in manifest)}), {len(broken)} broken "
        f"({100 * len(broken) / n_docs:.1f}%); pipeline `{args.pipeline}` ({s1['pipeline_version']}); "
        f"SQLite database; machine: {os.cpu_count()} cores shared with other jobs "
        f"(1-min load average {one['load_before']:.1f} → {many['load_after']:.1f} during the runs).",
        "",
        "| run | wall time (s) | docs/s (wall) | start-up (s) | docs/s (steady) | peak RSS per worker (MB) | "
        "driver peak RSS (MB) |",
        "|---|---|---|---|---|---|---|",
    ]
    for workers, r in sorted(runs.items()):
        s = r["summary"]
        rss = ", ".join(f"{v:.0f}" for v in s["worker_peak_rss_mb"].values())
        label = "1 process" if workers == 1 else f"Dask LocalCluster, {workers} workers"
        lines.append(f"| {label} | {r['wall_s']:.1f} | {r['docs_per_s']:.2f} | {r['first_doc_s']:.1f} | "
                     f"{r['steady_docs_per_s']:.2f} | {rss} | {s['driver_peak_rss_mb']:.0f} |")
    lines += [
        "",
        f"- Speed-up on {args.workers} workers: **{speed_wall:.2f}×** wall clock (cluster start-up included), "
        f"**{speed_steady:.2f}×** steady state; scaling efficiency {speed_wall / args.workers:.0%} (wall) / "
        f"{speed_steady / args.workers:.0%} (steady). Target ≥ 1.7×.",
        f"- CPU per document (all processes of the run): {1000 * cpu1:.0f} ms in one process, {1000 * cpun:.0f} ms "
        f"with Dask (driver process incl. the Dask scheduler: {1000 * driver_n:.0f} ms CPU; wall time, inflated by "
        f"any load: {1000 * sn['write_s'] / max(1, sn['processed']):.0f} ms writing per document on the driver, "
        f"{1000 * sn['extract_s'] / max(1, sn['processed']):.0f} ms extracting per document on a worker). "
        f"Projected speed-up on {args.workers} idle "
        f"cores from these CPU costs: {projected:.2f}× (an estimate, not a measurement).",
        f"- Failures: {sn['failed']} of {sn['processed']} ({100 * sn['failed'] / max(1, sn['processed']):.1f}%) "
        f"vs {len(broken)} broken files ({100 * len(broken) / n_docs:.1f}%); broken files not failed: "
        f"{len(missed)}{' ' + str(missed) if missed else ''}; intact files failed: {len(unexpected)}"
        f"{' ' + str(unexpected) if unexpected else ''}; identical files ingested once: {identical}.",
        f"- Same papers/recipes/failures in both runs: {'yes' if same else 'NO'} "
        f"({s1['done']} documents done, {len(one['recipe_keys'])} recipes).",
        "",
        "Failure reasons (grouped):",
        "",
        "| count | reason |",
        "|---|---|",
    ]
    lines += [f"| {n} | {reason.replace('|', '/')} |" for reason, n in sn["reasons"].items()]
    lines += ["", "Every broken file and why it failed:", "", "| file | broken how | recorded error |",
              "|---|---|---|"]
    for file, kind in sorted(broken.items()):
        lines.append(f"| {file} | {kind} | {failed.get(file, 'NOT FAILED').replace('|', '/')[:200]} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "_run":
        p = argparse.ArgumentParser()
        p.add_argument("_run")
        p.add_argument("--corpus", type=Path)
        p.add_argument("--db")
        p.add_argument("--workers", type=int)
        p.add_argument("--pipeline")
        p.add_argument("--out", type=Path)
        p.add_argument("--docs-per-task", type=int, default=4)
        a = p.parse_args()
        run_once(a.corpus, a.db, a.workers, a.pipeline, a.out, a.docs_per_task)
    else:
        main()
