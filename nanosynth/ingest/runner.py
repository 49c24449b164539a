"""The ingestion job: register documents, skip what is done, extract the rest (here or on Dask), write results
in batched transactions, and report.

Guarantees
----------
- Every document has a row in the ingestion table per pipeline version (content hash, source, status, error,
  timings); reruns skip documents done with the same pipeline version.
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
from dataclasses import dataclass
from pathlib import Path

from datetime import timedelta

from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError

from nanosynth.db import ingestion
from nanosynth.db.engine import session_scope
from nanosynth.db.write import write_document
from nanosynth.ingest.executors import DaskExecutor, InlineExecutor
from nanosynth.ingest.inputs import DOCUMENT_SUFFIXES, DocumentInput, discover
from nanosynth.ingest.protocol import PipelineFactory, default_pipeline
from nanosynth.ingest.summary import MAX_ERROR_CHARS, FailureInfo, JobSummary, ProgressEvent
from nanosynth.ingest.tasks import TaskInput, TaskResult, peak_rss_mb
from nanosynth.schema.enums import IngestionStatus
from nanosynth.schema.errors import ConfigError, DatabaseError
from nanosynth.schema.tables import utcnow

log = logging.getLogger(__name__)

#: SQLSTATEs worth retrying a transaction for (PostgreSQL deadlock, serialization failure).
_RETRY_SQLSTATES = {"40P01", "40001"}
WRITE_ATTEMPTS = 4

ProgressCallback = Callable[[ProgressEvent], None]


@dataclass
class _Planned:
    doc: DocumentInput
    state: ingestion.RecordState
    replace: bool


def _is_transient(exc: BaseException) -> bool:
    """Unique-key races and deadlocks between concurrent writers: retry the transaction."""
    for err in (exc, exc.__cause__):
        if isinstance(err, IntegrityError):
            return True
        if isinstance(err, DBAPIError) and getattr(err.orig, "sqlstate", None) in _RETRY_SQLSTATES:
            return True
        if isinstance(err, DBAPIError) and "database is locked" in str(err.orig):
            return True
    return False


def run_ingest(
    engine: Engine,
    paths: Sequence[Path | str] = (),
    *,
    documents: Sequence[DocumentInput] = (),
    pipeline: PipelineFactory | None = None,
    job: str = "default",
    workers: int = 1,
    scheduler: str | None = None,
    retry_failed: bool = False,
    reprocess: bool = False,
    batch_size: int = 16,
    flush_interval_s: float = 2.0,
    stale_after_s: float = 3600.0,
    suffixes: frozenset[str] = DOCUMENT_SUFFIXES,
    progress: ProgressCallback | None = None,
    docs_per_task: int = 4,
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

    Returns
    -------
    JobSummary

    Raises
    ------
    ConfigError, DatabaseError
        Bad paths or executor settings; the database is unreachable or not migrated.
    """
    _check_job(job, batch_size, workers)
    options = _Options(job, workers, scheduler, retry_failed, reprocess, batch_size, flush_interval_s, stale_after_s,
                       docs_per_task)
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
    summary = JobSummary(job=opt.job, pipeline_version=version)
    unique = _unique_inputs(inputs.paths, inputs.documents, inputs.suffixes, summary)
    refused = [doc for doc in unique if doc.problem is not None]
    plan = _plan(engine, opt.job, version, [doc for doc in unique if doc.problem is None], summary,
                 retry_failed=opt.retry_failed, reprocess=opt.reprocess, stale_after_s=opt.stale_after_s)
    emit(ProgressEvent("start", total=len(plan) + len(refused), skipped=summary.skipped))
    _record_refused(engine, opt.job, version, refused, summary, emit, len(plan) + len(refused))
    if plan:
        executor = _executor(factory, probe, version, opt.workers, opt.scheduler, opt.docs_per_task)
        summary.workers = executor.workers
        try:
            executor.start()
            summary.workers = executor.workers
            _execute(engine, opt.job, plan, executor, summary, emit, opt.batch_size, opt.flush_interval_s,
                     len(refused))
            summary.worker_peak_rss_mb = executor.worker_memory()
        finally:
            executor.close()
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


def _unique_inputs(paths: Sequence[Path | str], documents: Sequence[DocumentInput], suffixes: frozenset[str],
                   summary: JobSummary) -> list[DocumentInput]:
    """The inputs found under ``paths`` plus ``documents``, files with identical content counted once."""
    found = [*discover(paths, suffixes), *documents] if paths else list(documents)
    unique: dict[str, DocumentInput] = {}
    for doc in found:
        if doc.content_hash in unique:
            _skip(summary, "identical to another input")
            log.info("%s has the same content as %s; ingested once", doc.source, unique[doc.content_hash].source)
        else:
            unique[doc.content_hash] = doc
    summary.inputs = len(unique)
    return list(unique.values())


def _executor(factory: PipelineFactory, probe, version: str, workers: int, scheduler: str | None,
              docs_per_task: int):
    """Dask on an existing cluster, a local Dask cluster of ``workers`` processes, or this process."""
    if scheduler is not None:
        return DaskExecutor(factory, version, scheduler=scheduler, docs_per_task=docs_per_task)
    if workers > 1:
        return DaskExecutor(factory, version, workers=workers, docs_per_task=docs_per_task)
    return InlineExecutor(probe)


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


def _plan(engine: Engine, job: str, version: str, docs: list[DocumentInput], summary: JobSummary, *,
          retry_failed: bool, reprocess: bool, stale_after_s: float) -> list[_Planned]:
    """Register every document and decide which ones this run processes."""
    with session_scope(engine) as session:
        states = ingestion.register(session, job, version, [_new_record(d) for d in docs])
        redo = ingestion.done_under_other_versions(session, [d.content_hash for d in docs], version)
    plan: list[_Planned] = []
    for doc in docs:
        state = states[doc.content_hash]
        status = IngestionStatus(state.status)
        if status is IngestionStatus.PENDING:
            plan.append(_Planned(doc, state, doc.content_hash in redo or reprocess))
        elif status is IngestionStatus.RUNNING:
            if state.job == job or _is_stale(state, stale_after_s):
                summary.requeued += 1
                plan.append(_Planned(doc, state, doc.content_hash in redo or reprocess))
            else:
                summary.busy += 1
                _skip(summary, f"being processed by job {state.job!r}")
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


def _claimed_tasks(engine: Engine, job: str, plan: list[_Planned], by_hash: dict[str, _Planned],
                   chunk: int, summary: JobSummary) -> Iterator[TaskInput]:
    """Claim documents chunk by chunk as the executor asks for work (so a crash leaves few ``running``)."""
    for start in range(0, len(plan), chunk):
        part = plan[start:start + chunk]
        with session_scope(engine) as session:
            claimed = [p for p in part if ingestion.claim(session, p.state, job, p.doc.source)]
        for p in part:
            if p not in claimed:
                summary.busy += 1
                _skip(summary, "claimed by another job meanwhile")
        for p in claimed:
            by_hash[p.doc.content_hash] = p
            yield TaskInput(content_hash=p.doc.content_hash, source=p.doc.source, path=str(p.doc.path))


def _execute(engine: Engine, job: str, plan: list[_Planned], executor, summary: JobSummary, emit: ProgressCallback,
             batch_size: int, flush_interval_s: float, refused: int = 0) -> None:
    by_hash: dict[str, _Planned] = {}
    buffer: list[TaskResult] = []
    last_flush = time.monotonic()
    tasks = _claimed_tasks(engine, job, plan, by_hash, batch_size, summary)
    try:
        for result in executor.map_unordered(tasks):
            buffer.append(result)
            summary.processed += 1
            summary.extract_s += result.duration_s
            if not result.ok:
                summary.failed += 1
            emit(ProgressEvent("document", total=len(plan) + refused, completed=summary.processed,
                               failed=summary.failed,
                               skipped=summary.skipped, source=result.source, ok=result.ok))
            if len(buffer) >= batch_size or time.monotonic() - last_flush >= flush_interval_s:
                _flush(engine, buffer, by_hash, summary)
                buffer.clear()
                last_flush = time.monotonic()
    finally:
        if buffer:  # results already computed are written even when the loop is interrupted (Ctrl-C)
            _flush(engine, buffer, by_hash, summary)
            buffer.clear()
    summary.done = summary.processed - summary.failed


def _apply(session, result: TaskResult, planned: _Planned) -> tuple[int, int]:
    """Write one result and its record status; returns (recipes written, recipes already present)."""
    if not result.ok:
        ingestion.finish(session, planned.state.id, ok=False, error=result.error, duration_s=result.duration_s)
        return 0, 0
    paper = result.paper
    extra = {k: v for k, v in planned.doc.paper_fields.items() if getattr(paper, k, None) in (None, "")}
    if extra:
        paper = paper.model_copy(update=extra)
    paper_id, report = write_document(session, paper, list(result.recipes), replace=planned.replace)
    ingestion.finish(session, planned.state.id, ok=True, error=result.note, paper_id=paper_id,
                     recipes=len(result.recipes), duration_s=result.duration_s)
    return report.added + report.replaced, report.skipped


def _flush(engine: Engine, results: list[TaskResult], by_hash: dict[str, _Planned], summary: JobSummary) -> None:
    """Write a batch in one transaction; on any error fall back to one transaction per document."""
    t0 = time.perf_counter()
    try:
        _write_batch(engine, results, by_hash, summary)
    finally:
        summary.write_s += time.perf_counter() - t0


def _write_batch(engine: Engine, results: list[TaskResult], by_hash: dict[str, _Planned],
                 summary: JobSummary) -> None:
    try:
        with session_scope(engine) as session:
            written = [_apply(session, r, by_hash[r.content_hash]) for r in results]
    except Exception as exc:  # noqa: BLE001 - retried document by document below
        log.info("batch of %d could not be written at once (%s); writing one by one", len(results),
                 type(exc).__name__)
    else:
        summary.recipes += sum(w[0] for w in written)
        summary.recipes_existing += sum(w[1] for w in written)
        summary.failures.extend(FailureInfo(r.source, r.content_hash, r.error or "") for r in results if not r.ok)
        return
    for result in results:
        _write_one(engine, result, by_hash[result.content_hash], summary)


def _write_one(engine: Engine, result: TaskResult, planned: _Planned, summary: JobSummary) -> None:
    for attempt in range(1, WRITE_ATTEMPTS + 1):
        try:
            with session_scope(engine) as session:
                written, existing = _apply(session, result, planned)
            summary.recipes += written
            summary.recipes_existing += existing
            if not result.ok:
                summary.failures.append(FailureInfo(result.source, result.content_hash, result.error or ""))
            return
        except Exception as exc:  # noqa: BLE001
            if _is_transient(exc) and attempt < WRITE_ATTEMPTS:
                log.debug("transient write conflict on %s (attempt %d): %s", result.source, attempt, exc)
                time.sleep(0.05 * attempt)
                continue
            if isinstance(exc, DatabaseError) and isinstance(exc.__cause__, (OperationalError, InterfaceError)):
                raise  # the database itself is unreachable: stop; the rerun resumes
            error = f"write failed: {type(exc).__name__}: {exc}"[:MAX_ERROR_CHARS]
            log.warning("%s: %s", result.source, error)
            with session_scope(engine) as session:
                ingestion.finish(session, planned.state.id, ok=False, error=error, duration_s=result.duration_s)
            if result.ok:
                summary.failed += 1
            summary.failures.append(FailureInfo(result.source, result.content_hash, error))
            return
