"""``nanosynth ingest``: resumable, idempotent ingestion jobs (local process or Dask) and their status.

    nanosynth ingest PATH... | --doi-file FILE [--workers N | --scheduler tcp://HOST:PORT]
                     [--retry-failed] [--reprocess] [--job NAME]
    nanosynth ingest status [--job NAME] [--json]
"""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, ProgressColumn, TextColumn, TimeRemainingColumn
from rich.table import Table
from rich.text import Text
from typer.core import TyperGroup

from nanosynth.cli import apps
from nanosynth.cli.apps import app, console, err_console, fail, settings
from nanosynth.schema.errors import ConfigError, NanosynthError, QueryError, unknown_value


class _DefaultRunGroup(TyperGroup):
    """``nanosynth ingest PATH...`` means ``nanosynth ingest run PATH...`` (``status`` stays a subcommand)."""

    def parse_args(self, ctx, args):
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h"):
            args = ["run", *args]
        return super().parse_args(ctx, args)


ingest_app = typer.Typer(
    cls=_DefaultRunGroup, no_args_is_help=True,
    help="Ingest papers into the database as a resumable job: nanosynth ingest PATH... | --doi-file FILE. "
         "See 'nanosynth ingest run --help'.")
app.add_typer(ingest_app, name="ingest")


class _RateColumn(ProgressColumn):
    """Documents per second since the bar started."""

    def render(self, task) -> Text:
        elapsed = task.elapsed or 0
        rate = task.completed / elapsed if elapsed > 0 else 0.0
        return Text(f"{rate:5.1f} docs/s", style="progress.data.speed")


def fetch_config():
    """Fetching settings (API keys, contact e-mail, cache) from the nanosynth settings."""
    from nanosynth.miner.fetch import FetchConfig

    s = settings()
    return FetchConfig(elsevier_api_key=s.elsevier_api_key, springer_api_key=s.springer_api_key,
                       unpaywall_email=s.unpaywall_email, http=FetchConfig.default_http(Path(s.cache_dir)))


@ingest_app.command("run")
def run(
    paths: list[Path] = typer.Argument(None, help="Files or directories (walked recursively) to ingest."),
    doi_file: Path | None = typer.Option(None, "--doi-file", help="Text file with one DOI or arXiv id per "
                                         "line: fetch the full texts (cached), then ingest them."),
    workers: int = typer.Option(1, "--workers", "-w", min=1, help="1: this process. N>1: local Dask cluster "
                                "of N worker processes."),
    scheduler: str | None = typer.Option(None, "--scheduler", help="Submit to an existing Dask cluster, "
                                         "e.g. tcp://10.0.0.5:8786 (workers need nanosynth installed)."),
    retry_failed: bool = typer.Option(False, "--retry-failed", help="Process again documents that failed."),
    reprocess: bool = typer.Option(False, "--reprocess", help="Re-extract documents already done with this "
                                   "pipeline version (replaces their recipes, no duplicates)."),
    job: str = typer.Option("default", "--job", "-j", help="Job name (status and resume are per job)."),
    batch_size: int = typer.Option(16, "--batch-size", min=1, help="Documents written per transaction."),
    pipeline: str | None = typer.Option(None, "--pipeline", help="'default' (shipped models), 'rules' (no "
                                        "trained models: keyword labels, rule mentions) or a factory "
                                        "'module:callable'."),
    show_failures: int = typer.Option(20, "--show-failures", help="How many failed documents to list."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON instead of tables."),
) -> None:
    """Ingest documents: every document is recorded (hash, status, error, timings, pipeline version); reruns
    skip what is done and resume what a crash interrupted; one broken paper never stops the job."""
    if not paths and doi_file is None:
        fail(ConfigError("give PATH... and/or --doi-file FILE"))
    if scheduler is not None and workers != 1:
        fail(ConfigError("use either --workers N (local cluster) or --scheduler ADDRESS, not both"))
    from nanosynth.ingest import ingest, load_pipeline_factory, read_identifier_file

    if workers > 1 or scheduler is not None:
        _quiet_distributed()
    progress = Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), _RateColumn(),
                        TimeRemainingColumn(), TextColumn("[red]{task.fields[failed]} failed"), console=console,
                        transient=True, disable=not (console.is_terminal and not as_json))
    engine = None
    try:
        kwargs = dict(pipeline=load_pipeline_factory(pipeline), job=job, workers=workers, scheduler=scheduler,
                      retry_failed=retry_failed, reprocess=reprocess, batch_size=batch_size,
                      limits=settings().ingest)
        identifiers = read_identifier_file(doi_file) if doi_file is not None else []
        engine = apps.open_db()
        with progress:
            summary = ingest(engine, paths or [], identifiers=identifiers,
                             fetch_config=fetch_config() if identifiers else None,
                             documents_dir=Path(settings().cache_dir) / "documents",
                             on_fetched=_fetch_bar(progress, len(identifiers)), progress=_ingest_bar(progress, job),
                             **kwargs)
    except KeyboardInterrupt:
        err_console.print("[yellow]interrupted[/]: finished documents are saved; run the same command again to "
                          "resume")
        raise typer.Exit(code=130) from None
    except NanosynthError as exc:
        fail(exc)
    finally:
        if engine is not None:
            engine.dispose()
    if as_json:
        typer.echo(json.dumps(summary.to_dict(), indent=2, default=str))
    else:
        _print_summary(summary, show_failures)
    _exit_if_all_failed(summary)


def _exit_if_all_failed(summary) -> None:
    """Exit with status 1 when the run processed documents and every one of them failed."""
    if summary.failed and not summary.done:
        err_console.print(f"[bold red]error:[/] every document of this run failed ({summary.failed}): see the "
                          "reasons above, fix the inputs, then rerun with --retry-failed")
        raise typer.Exit(code=1)


def _quiet_distributed() -> None:
    """Dask's loggers are chatty: keep them at warnings unless -vv."""
    import logging

    import distributed  # noqa: F401  (configures its loggers on import; quiet them unless -vv)

    if logging.getLogger().getEffectiveLevel() > logging.DEBUG:
        logging.getLogger("distributed").setLevel(logging.WARNING)


def _fetch_bar(progress: Progress, total: int):
    """Progress callback of the DOI fetches (one bar), or None without DOIs."""
    if not total:
        return None
    task = progress.add_task("fetch", total=total, failed=0)
    failed = 0

    def on_fetched(_ident: str, ok: bool) -> None:
        nonlocal failed
        failed += 0 if ok else 1
        progress.update(task, advance=1, failed=failed)

    return on_fetched


def _ingest_bar(progress: Progress, job: str):
    """Progress callback of the ingestion (a new bar for each part of the command)."""
    task_id = None

    def on_event(event) -> None:
        nonlocal task_id
        if event.kind == "start":
            task_id = progress.add_task(f"ingest {job}", total=event.total, failed=0)
        elif event.kind == "document" and task_id is not None:
            progress.update(task_id, completed=event.completed, failed=event.failed)

    return on_event


def _print_summary(summary, show_failures: int) -> None:
    table = Table(title=escape(f"ingest job '{summary.job}' (pipeline {summary.pipeline_version})"), show_header=False)
    table.add_column("", style="bold")
    table.add_column("", justify="right")
    table.add_row("documents", str(summary.inputs))
    table.add_row("[green]done[/]", str(summary.done))
    table.add_row("[red]failed[/]", str(summary.failed))
    table.add_row("skipped", str(summary.skipped))
    for reason, n in summary.skipped_reasons.items():
        table.add_row(escape(f"  {reason}"), str(n))
    if summary.not_retried:
        table.add_row("failed earlier, not retried (--retry-failed)", str(summary.not_retried))
    if summary.requeued:
        table.add_row("resumed from an interrupted run", str(summary.requeued))
    table.add_row("recipes written", str(summary.recipes))
    if summary.recipes_existing:
        table.add_row("recipes already in the database", str(summary.recipes_existing))
    table.add_row("workers", str(summary.workers))
    table.add_row("time", f"{summary.elapsed_s:.1f} s ({summary.docs_per_s:.2f} docs/s)")
    if summary.worker_peak_rss_mb:
        table.add_row("peak memory per worker", ", ".join(f"{v:.0f} MB" for v in summary.worker_peak_rss_mb.values()))
    console.print(table)
    _print_failures(summary.failures, show_failures, title="failed in this run")
    if summary.previous_failures:
        _print_failures(summary.previous_failures, show_failures,
                        title="failed in an earlier run (use --retry-failed to try again)")


def _print_failures(failures, limit: int, title: str) -> None:
    if not failures:
        return
    from nanosynth.ingest.summary import group_reasons

    grouped = Table(title=f"{title}: reasons")
    grouped.add_column("count", justify="right")
    grouped.add_column("reason")
    grouped.add_column("examples")
    examples: dict[str, list[str]] = {}
    for f in failures:
        examples.setdefault(f.reason, []).append(Path(f.source).name if "/" in f.source else f.source)
    for reason, n in group_reasons(failures).items():
        grouped.add_row(str(n), escape(reason), escape(", ".join(examples[reason][:3]) + (" …" if n > 3 else "")))
    console.print(grouped)
    if limit > 0:
        listing = Table(title=f"{title}: documents")
        listing.add_column("source", overflow="fold")
        listing.add_column("error", overflow="fold")
        for f in failures[:limit]:
            listing.add_row(escape(f.source), escape(f.error or ""))
        console.print(listing)
        if len(failures) > limit:
            console.print(f"… and {len(failures) - limit} more (nanosynth ingest status --json lists all)")


@ingest_app.command("status")
def status(
    job: str | None = typer.Option(None, "--job", "-j", help="Job name (default: every job)."),
    pipeline_version: str | None = typer.Option(None, "--pipeline-version", help="Version to report "
                                                "(default: the most recent one of the job)."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
    show_failures: int = typer.Option(20, "--show-failures", help="How many failed documents to list."),
) -> None:
    """Counts (done, failed, skipped, pending, running) and failed documents with reasons, for a job in progress
    or done."""
    from nanosynth.ingest import job_status
    from nanosynth.ingest.status import list_jobs

    try:
        engine = apps.open_db()
        st = job_status(engine, job, pipeline_version, with_jobs=True)
        known = list_jobs(engine) if job is not None and st.total == 0 else []
        engine.dispose()
        if known and job not in known:  # a misspelled job name: not "no records", but the names there are
            raise QueryError(unknown_value("job", job, known))
    except NanosynthError as exc:
        fail(exc)
    if as_json:
        typer.echo(json.dumps(st.to_dict(), indent=2, default=str))
        return
    jobs = st.jobs or []
    if st.total == 0:
        console.print(escape(f"no ingestion records{' for job ' + repr(job) if job else ''}"))
        return
    table = Table(title=escape(f"ingest status: {'job ' + repr(job) if job else 'all jobs'} "
                               f"(pipeline {st.pipeline_version})"), show_header=False)
    table.add_column("", style="bold")
    table.add_column("", justify="right")
    for name, n in st.counts.items():
        table.add_row(name, str(n))
    table.add_row("recipes extracted", str(st.recipes))
    if st.mean_duration_s is not None:
        table.add_row("mean time per document", f"{st.mean_duration_s:.2f} s")
    if st.last_finished is not None:
        table.add_row("last finished (UTC)", st.last_finished.isoformat(timespec="seconds"))
    if len(jobs) > 1:
        table.add_row("jobs", escape(", ".join(jobs)))
    console.print(table)
    for version, counts in st.by_version.items():
        if version != st.pipeline_version:
            console.print(escape(f"  pipeline {version}: " + ", ".join(f"{k} {v}" for k, v in counts.items() if v)))
    _print_failures(st.failures, show_failures, title="failed")
    _print_no_synthesis(st.no_synthesis, show_failures)
    _print_pairs(st.duplicates, show_failures, "duplicates (same bytes as another source, stored once)",
                 "duplicate of")


def _print_no_synthesis(entries: list[tuple[str, str]], limit: int) -> None:
    """Documents read without error that describe no nanomaterial synthesis, with the reason (the table title
    already says "no nanomaterial synthesis")."""
    _print_pairs([(source, reason.removeprefix("no nanomaterial synthesis: ")) for source, reason in entries],
                 limit, "no nanomaterial synthesis (no recipe stored)", "reason")


def _print_pairs(entries: list[tuple[str, str]], limit: int, title: str, column: str) -> None:
    """A table of (source, ``column``) listing at most ``limit`` entries."""
    if not entries or limit <= 0:
        return
    listing = Table(title=title)
    listing.add_column("source", overflow="fold")
    listing.add_column(column, overflow="fold")
    for source, value in entries[:limit]:
        listing.add_row(escape(source), escape(value))
    console.print(listing)
    if len(entries) > limit:
        console.print(f"… and {len(entries) - limit} more (nanosynth ingest status --json lists all)")
