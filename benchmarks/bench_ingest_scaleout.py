"""Ingestion scale-out on realistic full papers: one process vs N Dask workers that write their own results,
on PostgreSQL.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench_ingest_scaleout.py --workers 2 \
        [--database-url postgresql+psycopg://user@host:5432/postgres] [--papers DIR] [--limit 45] [--copies 2] \
        [--driver-writes] [--scheduler tcp://host:8786] [--report benchmarks/results/ingest_scaleout.md]

Papers: the 45 full open-access articles of ``../shared/data/sofc_exp/texts`` (plain text, ~47 kB each: full
articles with every section, not fixtures; out of the synthesis domain, so few recipes, but the extraction work
of a real paper), each ``--copies`` times (default 2: 90 documents, copies differ by one trailing line) so that
the run is long enough to amortize the cluster start-up. Each run ingests them into a fresh PostgreSQL database, in its own process: ``--workers 1``
(in-process) and ``--workers N`` (Dask LocalCluster of N single-threaded worker processes, or ``--scheduler``;
workers write their results themselves). ``--driver-writes`` adds a run where the workers send every result back
to the driver (the behaviour before issue 15), to see what the worker writes bring.

PostgreSQL: ``--database-url`` (a server URL; one database per run is created on it and dropped afterwards), else
``$NANOSYNTH_TEST_POSTGRES_URL``, else a throw-away server is started with ``.ci/postgres.sh`` on ``--pg-port``.

Prints papers/s (wall clock including cluster start-up, and steady state between the first and the last finished
paper) and the speed-up of N workers over one process.
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
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
DEFAULT_PAPERS = REPO.parent / "shared" / "data" / "sofc_exp" / "texts"


# --------------------------------------------------------------------------------------------- one run (child)
def run_once(papers: list[str], db_url: str, workers: int, scheduler: str | None, worker_writes: bool,
             pipeline: str, out: Path) -> None:
    """Ingest ``papers`` into the empty database ``db_url``; write the figures as JSON to ``out``."""
    from nanosynth.db.engine import create_all, make_engine
    from nanosynth.ingest import load_pipeline_factory, run_ingest

    engine = make_engine(db_url)
    create_all(engine)
    marks: dict[str, float] = {}
    t0 = time.perf_counter()

    def on_event(event) -> None:
        if event.kind == "document":
            now = time.perf_counter() - t0
            marks.setdefault("first", now)
            marks["last"] = now

    summary = run_ingest(engine, [Path(p) for p in papers], pipeline=load_pipeline_factory(pipeline),
                         job=f"scaleout-w{workers}", workers=workers, scheduler=scheduler, docs_per_task=1,
                         worker_writes=worker_writes, progress=on_event)
    engine.dispose()
    n = summary.processed
    span = marks.get("last", 0) - marks.get("first", 0)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    out.write_text(json.dumps({"summary": summary.to_dict(), "wall_s": summary.elapsed_s,
                               "driver_cpu_s": usage.ru_utime + usage.ru_stime,
                               "papers_per_s": summary.docs_per_s, "first_s": marks.get("first"),
                               "steady_per_s": (n - 1) / span if n > 1 and span > 0 else 0.0}))


# --------------------------------------------------------------------------------------------- driver
class Postgres:
    """A server URL given, or a throw-away server started with .ci/postgres.sh (stopped on exit)."""

    def __init__(self, url: str | None, port: int):
        self.url, self.port, self.data_dir = url, port, None

    def __enter__(self) -> Postgres:
        if self.url is None:
            script = (f"source {REPO / '.ci' / 'postgres.sh'} && PG_PORT={self.port} start_postgres >&2 && "
                      f"echo $PG_DATA $PG_BIN")
            self.data_dir, self.bin = subprocess.run(["bash", "-c", script], check=True, capture_output=True,
                                                     text=True).stdout.split()
            self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"
        self.url = self.url.replace("postgresql://", "postgresql+psycopg://", 1)
        return self

    def __exit__(self, *exc) -> None:
        if self.data_dir:
            script = (f"source {REPO / '.ci' / 'postgres.sh'} && PG_DATA={self.data_dir} PG_BIN={self.bin} "
                      f"stop_postgres")
            subprocess.run(["bash", "-c", script], check=False)

    def admin(self, sql: str) -> None:
        import sqlalchemy as sa

        engine = sa.create_engine(self.url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(sa.text(sql))
        engine.dispose()

    def fresh(self, name: str) -> str:
        self.admin(f'CREATE DATABASE "{name}"')
        return self.url.rsplit("/", 1)[0] + "/" + name


def _child(pg: Postgres, papers: list[str], workers: int, scheduler: str | None, worker_writes: bool,
           pipeline: str, tmp: Path) -> dict:
    name = f"scaleout_{uuid.uuid4().hex[:10]}"
    out, listing = tmp / f"{name}.json", tmp / f"{name}.papers"
    listing.write_text("\n".join(papers))
    cmd = [sys.executable, __file__, "_run", "--db", pg.fresh(name), "--workers", str(workers), "--pipeline",
           pipeline, "--listing", str(listing), "--out", str(out)]
    cmd += ["--scheduler", scheduler] if scheduler else []
    cmd += [] if worker_writes else ["--driver-writes"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    try:
        subprocess.run(cmd, check=True)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        result = json.loads(out.read_text())
        # CPU of the run's process and all its descendants (Dask nannies and workers are reaped before it exits)
        result["total_cpu_s"] = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
        return result
    finally:
        pg.admin(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'")
        pg.admin(f'DROP DATABASE IF EXISTS "{name}"')


def _copies(papers: list[str], copies: int, folder: Path) -> list[str]:
    """``papers`` as they are (one copy), or ``copies`` variants of each written to ``folder``."""
    if copies <= 1:
        return papers
    folder.mkdir()
    out = []
    for paper in papers:
        path = Path(paper)
        data = path.read_bytes()
        for k in range(copies):
            target = folder / f"{path.stem}-copy{k}{path.suffix}"
            target.write_bytes(data + f"\n\n(benchmark copy {k})\n".encode())
            out.append(str(target))
    return out


def report(runs: dict[str, dict], args, n_papers: int, mb: float) -> str:
    one = runs["1 process"]
    cmd = "OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench_ingest_scaleout.py " + " ".join(
        "<postgresql-url>" if "@" in a and "://" in a else shlex.quote(a) for a in sys.argv[1:])
    lines = ["## Ingestion scale-out on full papers (PostgreSQL)", "", f"Command: `{cmd}`", "",
             f"Papers: {n_papers} full articles ({mb:.1f} MB of text) from `{args.papers}`, each ingested "
             f"{max(1, args.copies)} time(s) ({one['summary']['processed']} documents); pipeline "
             f"`{args.pipeline}` ({one['summary']['pipeline_version']}); PostgreSQL; {os.cpu_count()} cores "
             f"(1-min load average at the end: {os.getloadavg()[0]:.1f}).", "",
             "| run | wall (s) | papers/s (wall) | start-up (s) | papers/s (steady) | speed-up wall | "
             "speed-up steady | done / failed | write time (s) | CPU/paper all (ms) | CPU/paper driver (ms) | "
             "projected speed-up |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    cpu_one = one["total_cpu_s"] / max(1, one["summary"]["processed"])
    for label, r in runs.items():
        s = r["summary"]
        wall_up = r["papers_per_s"] / one["papers_per_s"] if one["papers_per_s"] else 0.0
        steady_up = r["steady_per_s"] / one["steady_per_s"] if one["steady_per_s"] else 0.0
        cpu, driver = (r[k] / max(1, s["processed"]) for k in ("total_cpu_s", "driver_cpu_s"))
        workers = max(1, s["workers"])
        # on idle cores a run is bound by its CPU spread over its workers, or by the driver alone
        projected = cpu_one / max(cpu / workers, driver) if r is not one else 1.0
        lines.append(f"| {label} | {r['wall_s']:.1f} | {r['papers_per_s']:.3f} | {r['first_s'] or 0:.1f} | "
                     f"{r['steady_per_s']:.3f} | {wall_up:.2f}× | {steady_up:.2f}× | {s['done']} / {s['failed']} | "
                     f"{s['write_s']:.1f} | {1000 * cpu:.0f} | {1000 * driver:.0f} | {projected:.2f}× |")
    lines += ["", "Speed-up = papers/s of the run / papers/s of one process. Target (issue 15): ≥ 1.7× on 2 "
              "workers. Write time counts the driver's own writes in one process, the workers' writes with Dask. "
              "CPU per paper counts every process of the run (driver, scheduler, nannies, workers; model loading once per "
              "process included); the projected "
              "speed-up on idle cores (CPU of one process / max(CPU of the run / workers, driver CPU)) is an "
              "estimate from CPU time, less sensitive to other load than wall time, not a measurement."]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=Path, default=DEFAULT_PAPERS, help="folder of full papers")
    parser.add_argument("--limit", type=int, default=100, help="at most this many papers (sorted by name)")
    parser.add_argument("--copies", type=int, default=2,
                        help="ingest each paper this many times (copies differ by one trailing line, so each is a "
                             "document of its own): a longer run amortizes the cluster start-up")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--scheduler", help="an existing Dask scheduler instead of a local cluster")
    parser.add_argument("--pipeline", default="default", help="default | rules | module:callable")
    parser.add_argument("--database-url", default=os.environ.get("NANOSYNTH_TEST_POSTGRES_URL"),
                        help="PostgreSQL server URL (default: $NANOSYNTH_TEST_POSTGRES_URL, else start one)")
    parser.add_argument("--pg-port", type=int, default=55499, help="port of a throw-away PostgreSQL server")
    parser.add_argument("--driver-writes", action="store_true", help="also run N workers with driver writes")
    parser.add_argument("--report", type=Path, help="write the figures as a markdown fragment here")
    args = parser.parse_args()
    if not args.papers.is_dir():
        sys.exit(f"no papers folder {args.papers}: give --papers DIR (see /work/shared/data/README.md)")
    papers = sorted(str(p) for p in args.papers.iterdir() if p.suffix in {".txt", ".xml", ".html", ".pdf"})
    papers = papers[:args.limit]
    mb = sum(Path(p).stat().st_size for p in papers) / 1e6
    n_originals = len(papers)
    plan = [("1 process", 1, None, True),
            (f"Dask, {args.workers} workers (workers write)", args.workers, args.scheduler, True)]
    if args.driver_writes:
        plan.append((f"Dask, {args.workers} workers (driver writes)", args.workers, args.scheduler, False))
    runs = {}
    with tempfile.TemporaryDirectory(prefix="bench-scaleout-") as tmpdir, Postgres(args.database_url,
                                                                                    args.pg_port) as pg:
        papers = _copies(papers, args.copies, Path(tmpdir) / "papers")
        for label, workers, scheduler, worker_writes in plan:
            print(f"{label}: ingesting {len(papers)} papers ...", flush=True)
            runs[label] = _child(pg, papers, workers, scheduler, worker_writes, args.pipeline, Path(tmpdir))
            print(f"  {runs[label]['papers_per_s']:.3f} papers/s", flush=True)
    text = report(runs, args, n_originals, mb)
    print(text)
    if args.report:
        args.report.write_text(text)
        print(f"written to {args.report}")


def _run_main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("_run")
    parser.add_argument("--db", required=True)
    parser.add_argument("--workers", type=int, required=True)
    parser.add_argument("--scheduler")
    parser.add_argument("--pipeline", required=True)
    parser.add_argument("--listing", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--driver-writes", action="store_true")
    a = parser.parse_args()
    run_once(a.listing.read_text().splitlines(), a.db, a.workers, a.scheduler, not a.driver_writes, a.pipeline,
             a.out)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "_run":
        _run_main()
    else:
        main()
