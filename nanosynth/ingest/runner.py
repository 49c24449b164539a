"""The ingestion job: register documents, skip what is done, extract the rest (here or on Dask), write results
in batched transactions, and report.

Guarantees
----------
- Every input source has a row in the ingestion table per pipeline version (content hash, source, status, error,
  timings); reruns skip documents done with the same pipeline version. Sources with identical bytes are extracted
  once: the first one's record holds the outcome, the others are recorded ``duplicate`` (naming the first one and
  pointing at the same paper).
- A document's recipes and its ``done`` status are committed in the same transaction: after a crash (even
  ``kill -9``) nothing committed is lost and nothing is half-written; documents left ``running`` by a dead run of
  the same job (or stale for ``stale_after_s``) are processed again by the next run.
- A document that cannot be read or extracted is recorded ``failed`` with its reason; the job goes on. So are
  files refused unread: symbolic links leaving the input folder, dangling links, named pipes (see
  :func:`nanosynth.ingest.inputs.refusal`).
- Writes are idempotent (papers by key/DOI, recipes by source key) and retried on unique-key races and
  deadlocks, so concurrent jobs on PostgreSQL produce no duplicates.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from datetime import timedelta

from sqlalchemy.engine import Engine

from nanosynth.db import ingestion
from nanosynth.db.engine import session_scope
from nanosynth.ingest.executors import DaskExecutor, InlineExecutor
from nanosynth.ingest.inputs import DOCUMENT_SUFFIXES, DocumentInput, discover
from nanosynth.ingest.limits import MB, DocumentLimits, setting_hint
from nanosynth.ingest.protocol import PipelineFactory, default_pipeline
from nanosynth.ingest.storing import store_results
from nanosynth.ingest.summary import MAX_ERROR_CHARS, FailureInfo, JobSummary, ProgressEvent
from nanosynth.ingest.tasks import TaskInput, TaskResult, peak_rss_mb
from nanosynth.schema.enums import IngestionStatus
from nanosynth.schema.errors import ConfigError, DatabaseError
from nanosynth.schema.tables import utcnow

log = logging.getLogger(__name__)

ProgressCallback = Callable[[ProgressEvent], None]

#: Why a source with the same bytes as another one is not extracted again (its record says ``duplicate``).
DUPLICATE_REASON = "duplicate of another input (stored once)"


@dataclass
class _Planned:
    doc: DocumentInput
    state: ingestion.RecordState
    replace: bool


def run_ingest(
    engine: Engine,
    paths: Sequence[Path | str] = (),
    *,
    documents: Sequence[DocumentInput] = (),
    pipeline: PipelineFactory | None = None,
    job: str = "default",
    workers: int = 1, scheduler: str | None = None,
    retry_failed: bool = False, reprocess: bool = False,
    batch_size: int = 16, flush_interval_s: float = 2.0, stale_after_s: float = 3600.0,
    suffixes: frozenset[str] = DOCUMENT_SUFFIXES, progress: ProgressCallback | None = None,
    docs_per_task: int = 4,
    limits: DocumentLimits | None = None, worker_writes: bool = True,
) -> JobSummary:
    """Ingest documents into the database as a resumable, idempotent job.

    Parameters
    ----------
    engine:
        Database engine (opened with :func:`nanosynth.db.engine.open_database`).
    paths, documents:
        Files and directories (walked recursively) to ingest; already hashed inputs (e.g. fetched by DOI, see
        :func:`nanosynth.ingest.fetch_documents`).
    pipeline:
        Picklable zero-argument factory of the extraction pipeline (default: the shipped
        :class:`nanosynth.miner.pipeline.Pipeline`), built once here to read its version, initialized once per worker.
    job:
        Job name recorded with every document; a rerun of the same job re-queues documents its dead predecessor
        left ``running``.
    workers, scheduler, docs_per_task:
        1 processes documents in this process, N > 1 starts a local Dask cluster of N worker processes; an existing
        Dask scheduler (``tcp://host:8786``) overrides ``workers``; documents per Dask task (1 for long papers).
    retry_failed, reprocess:
        Process again documents that failed in an earlier run / that are done with this pipeline version
        (replacing their recipes).
    batch_size, flush_interval_s, stale_after_s:
        Results are written in one transaction per ``batch_size`` documents or every ``flush_interval_s``; a
        document ``running`` under another job for longer than ``stale_after_s`` is presumed abandoned.
    suffixes, progress:
        File types ingested when walking directories (other files are recorded as skipped); called with
        :class:`ProgressEvent` s (the CLI draws its progress bar from them).
    limits, worker_writes:
        Per-document limits (:class:`DocumentLimits`: size, time, attempts, PDF streams; over one, a document is
        recorded failed and the job goes on); Dask workers write their own results (False: the driver writes all).

    Returns
    -------
    JobSummary

    Raises
    ------
    ConfigError, DatabaseError
        Bad paths or executor settings; the database is unreachable or not migrated.
    """
    _check_job(job, batch_size, workers)
    url = _worker_database_url(engine) if worker_writes else None
    options = _Options(job, workers, scheduler, retry_failed, reprocess, batch_size, flush_interval_s, stale_after_s,
                       docs_per_task, limits or DocumentLimits(), url)
    return _run_job(engine, _Inputs(paths, documents, suffixes), pipeline or default_pipeline, options,
                    progress or (lambda event: None))


@dataclass(frozen=True)
class _Options:
    job: str
    workers: int
    scheduler: str | None
    retry_failed: bool
    reprocess: bool
    batch_size: int
    flush_interval_s: float
    stale_after_s: float
    docs_per_task: int
    limits: DocumentLimits
    worker_database_url: str | None


@dataclass(frozen=True)
class _Inputs:
    paths: Sequence[Path | str]
    documents: Sequence[DocumentInput]
    suffixes: frozenset[str]


def _run_job(engine: Engine, inputs: _Inputs, factory: PipelineFactory, opt: _Options,
             emit: ProgressCallback) -> JobSummary:
    t_start = time.perf_counter()
    probe = factory()
    version = probe.version
    if not version or len(version) > 64:
        raise ConfigError(f"pipeline version {version!r} must be a non-empty string of at most 64 characters")
    summary = JobSummary(job=opt.job, pipeline_version=version, limits=opt.limits.model_dump())
    log.info("job %s: per-document limits %s", opt.job, opt.limits.describe())
    unique = [_size_checked(doc, opt.limits) for doc in
              _unique_inputs(inputs.paths, inputs.documents, inputs.suffixes)]
    summary.inputs = len(unique)
    refused = [doc for doc in unique if doc.problem is not None]
    plan = _plan(engine, opt, version, [doc for doc in unique if doc.problem is None], summary, refused)
    emit(ProgressEvent("start", total=len(plan) + len(refused), skipped=summary.skipped))
    _record_refused(engine, opt.job, version, refused, summary, emit, len(plan) + len(refused))
    if plan:
        executor = _executor(factory, probe, version, opt)
        summary.workers = executor.workers
        try:
            executor.start()
            summary.workers = executor.workers
            _execute(engine, opt.job, plan, executor, summary, emit, opt.batch_size, opt.flush_interval_s,
                     len(refused))
            summary.worker_peak_rss_mb = executor.worker_memory()
        finally:
            executor.close()
    with session_scope(engine) as session:
        ingestion.link_duplicates(session, version)
    summary.driver_peak_rss_mb = round(peak_rss_mb(), 1)
    summary.elapsed_s = time.perf_counter() - t_start
    emit(ProgressEvent("end", total=len(plan) + len(refused), completed=summary.processed, failed=summary.failed,
                       skipped=summary.skipped))
    log.info("job %s: %d done, %d failed, %d skipped in %.1f s", opt.job, summary.done, summary.failed,
             summary.skipped, summary.elapsed_s)
    return summary


def _check_job(job: str, batch_size: int, workers: int) -> None:
    if batch_size < 1:
        raise ConfigError(f"batch_size must be at least 1 (got {batch_size})")
    if not job or len(job) > 120:
        raise ConfigError(f"job name {job!r} must be 1 to 120 characters")
    if workers < 1:
        raise ConfigError(f"--workers must be at least 1 (got {workers})")


def _unique_inputs(paths: Sequence[Path | str], documents: Sequence[DocumentInput],
                   suffixes: frozenset[str]) -> list[DocumentInput]:
    """The inputs found under ``paths`` plus ``documents``, a source given twice (e.g. a file and its folder)
    counted once."""
    found = [*discover(paths, suffixes), *documents] if paths else list(documents)
    return list({(doc.content_hash, doc.source): doc for doc in found}.values())


def _executor(factory: PipelineFactory, probe, version: str, opt: _Options):
    """Dask on an existing cluster, a local Dask cluster of ``workers`` processes, or this process."""
    common = dict(docs_per_task=opt.docs_per_task, limits=opt.limits, database_url=opt.worker_database_url)
    if opt.scheduler is not None:
        return DaskExecutor(factory, version, scheduler=opt.scheduler, **common)
    if opt.workers > 1:
        return DaskExecutor(factory, version, workers=opt.workers, **common)
    return InlineExecutor(probe, opt.limits)


def _worker_database_url(engine: Engine) -> str | None:
    """The URL Dask workers open to write their results (password included); None for an in-memory database."""
    url = engine.url
    if url.get_backend_name() == "sqlite":
        if url.database in (None, "", ":memory:"):
            return None
        url = url.set(database=str(Path(url.database).resolve()))
    return url.render_as_string(hide_password=False)


def _size_checked(doc: DocumentInput, limits: DocumentLimits) -> DocumentInput:
    """``doc``, refused (recorded failed unread) when it is larger than ``max_file_mb``."""
    if doc.problem is not None or not doc.supported or doc.size <= limits.max_file_bytes:
        return doc
    problem = (f"too large: {doc.source} is {doc.size / MB:.1f} MB, over the per-document limit of "
               f"{limits.max_file_mb:g} MB; {setting_hint('max_file_mb')} to ingest it")
    log.warning("%s", problem)
    return replace(doc, problem=problem)


def _gave_up(doc: DocumentInput, state: ingestion.RecordState) -> DocumentInput:
    return replace(doc, problem=(
        f"gave up after {state.attempts} attempts: the process extracting {doc.source} died or was stopped "
        f"each time (a crash, the memory, or a hang); {setting_hint('max_attempts')} or run with "
        f"--retry-failed to try again"))


def _new_record(doc: DocumentInput) -> ingestion.NewRecord:
    reason = None if doc.supported else (
        f"unsupported file type {doc.path.suffix or '(no suffix)'!r}: not a PDF, HTML, XML or text document")
    return ingestion.NewRecord(doc.content_hash, doc.source, reason)


def _is_stale(state: ingestion.RecordState, stale_after_s: float) -> bool:
    """True when a ``running`` record was started longer ago than ``stale_after_s`` (its job is presumed dead)."""
    if state.started_at is None:
        return True
    return utcnow() - state.started_at > timedelta(seconds=stale_after_s)


def _skip(summary: JobSummary, reason: str) -> None:
    summary.skipped += 1
    summary.skipped_reasons[reason] = summary.skipped_reasons.get(reason, 0) + 1


def _plan(engine: Engine, opt: _Options, version: str, docs: list[DocumentInput], summary: JobSummary,
          refused: list[DocumentInput]) -> list[_Planned]:
    """Register every document and decide which ones this run processes (appends to ``refused`` the documents
    left ``running`` by ``max_attempts`` dead runs)."""
    job, retry_failed, reprocess = opt.job, opt.retry_failed, opt.reprocess
    with session_scope(engine) as session:
        states = ingestion.register(session, job, version, [_new_record(d) for d in docs])
        redo = ingestion.done_under_other_versions(session, [d.content_hash for d in docs], version)
    plan: list[_Planned] = []
    for doc in docs:
        state = states[(doc.content_hash, doc.source)]
        status = IngestionStatus(state.status)
        if status is IngestionStatus.DUPLICATE:
            _skip(summary, DUPLICATE_REASON)
            log.info("%s", f"{doc.source}: {state.error}")
        elif status is IngestionStatus.PENDING:
            plan.append(_Planned(doc, state, doc.content_hash in redo or reprocess))
        elif status is IngestionStatus.RUNNING:
            if state.job != job and not _is_stale(state, opt.stale_after_s):
                summary.busy += 1
                _skip(summary, f"being processed by job {state.job!r}")
            elif state.attempts >= opt.limits.max_attempts:   # dead runs died on it that often: give up
                refused.append(_gave_up(doc, state))
            else:
                summary.requeued += 1
                plan.append(_Planned(doc, state, doc.content_hash in redo or reprocess))
        elif status is IngestionStatus.DONE:
            if reprocess:
                plan.append(_Planned(doc, state, True))
            else:
                _skip(summary, "already done with this pipeline version")
        elif status is IngestionStatus.FAILED:
            if retry_failed or reprocess:
                plan.append(_Planned(doc, state, doc.content_hash in redo or reprocess))
            else:
                summary.not_retried += 1
                summary.previous_failures.append(FailureInfo(doc.source, doc.content_hash, state.error or ""))
        else:  # SKIPPED
            _skip(summary, (state.error or "skipped").split(":")[0])
    return plan


def _record_refused(engine: Engine, job: str, version: str, refused: list[DocumentInput], summary: JobSummary,
                    emit: ProgressCallback, total: int) -> None:
    """Record files refused unread (:attr:`DocumentInput.problem`) as failed; they count as processed."""
    if not refused:
        return
    with session_scope(engine) as session:
        for doc in refused:
            ingestion.record_failure(session, job=job, version=version, source=doc.source,
                                     content_hash=doc.content_hash, error=doc.problem[:MAX_ERROR_CHARS])
    for doc in refused:
        summary.processed += 1
        summary.failed += 1
        summary.failures.append(FailureInfo(doc.source, doc.content_hash, doc.problem[:MAX_ERROR_CHARS]))
        emit(ProgressEvent("document", total=total, completed=summary.processed, failed=summary.failed,
                           skipped=summary.skipped, source=doc.source, ok=False))
    summary.done = summary.processed - summary.failed


def _claimed_tasks(engine: Engine, job: str, plan: list[_Planned], by_key: dict[tuple[str, str], TaskInput],
                   chunk: int, summary: JobSummary) -> Iterator[TaskInput]:
    """Claim documents chunk by chunk as the executor asks for work (so a crash leaves few ``running``)."""
    for start in range(0, len(plan), chunk):
        part = plan[start:start + chunk]
        with session_scope(engine) as session:
            claimed = [p for p in part if ingestion.claim(session, p.state, job)]
        for p in part:
            if p not in claimed:
                summary.busy += 1
                _skip(summary, "claimed by another job meanwhile")
        for p in claimed:
            task = TaskInput(content_hash=p.doc.content_hash, source=p.doc.source, path=str(p.doc.path),
                             record_id=p.state.id, replace=p.replace, paper_fields=p.doc.paper_fields)
            by_key[(task.content_hash, task.source)] = task
            yield task


def _execute(engine: Engine, job: str, plan: list[_Planned], executor, summary: JobSummary, emit: ProgressCallback,
             batch_size: int, flush_interval_s: float, refused: int = 0) -> None:
    """Run the plan; results the workers did not store themselves are written here in batches."""
    by_key: dict[tuple[str, str], TaskInput] = {}
    buffer: list[TaskResult] = []
    last_flush = time.monotonic()
    tasks = _claimed_tasks(engine, job, plan, by_key, batch_size, summary)
    try:
        for result in executor.map_unordered(tasks):
            summary.processed += 1
            summary.extract_s += result.duration_s
            if result.stored:
                _account(summary, result)
            else:
                buffer.append(result)
            emit(ProgressEvent("document", total=len(plan) + refused, completed=summary.processed,
                               failed=summary.failed + sum(not r.ok for r in buffer),
                               skipped=summary.skipped, source=result.source, ok=result.ok))
            if buffer and (len(buffer) >= batch_size or time.monotonic() - last_flush >= flush_interval_s):
                _flush(engine, buffer, by_key, summary)
                last_flush = time.monotonic()
    finally:
        if buffer:  # results already computed are written even when the loop is interrupted (Ctrl-C)
            _flush(engine, buffer, by_key, summary)
    summary.done = summary.processed - summary.failed


def _flush(engine: Engine, buffer: list[TaskResult], by_key: dict[tuple[str, str], TaskInput],
           summary: JobSummary) -> None:
    """Write the buffered results in one transaction (one per document on errors) and count them."""
    results = list(buffer)
    buffer.clear()
    store_results(engine, [(by_key[(r.content_hash, r.source)], r) for r in results])
    for result in results:
        _account(summary, result)


def _account(summary: JobSummary, result: TaskResult) -> None:
    """Count a stored result in the summary."""
    summary.recipes += result.recipes_written
    summary.recipes_existing += result.recipes_existing
    summary.write_s += result.write_s
    if not result.ok:
        summary.failed += 1
        summary.failures.append(FailureInfo(result.source, result.content_hash, result.error or ""))
