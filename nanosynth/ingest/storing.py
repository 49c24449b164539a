"""Writing results: a document's recipes and its ``done``/``failed`` status in one transaction.

Run by whoever holds the results: a Dask worker for the documents it extracted (so the driver is not the
bottleneck), or the driver (single process, in-memory databases, and documents whose worker died). Writes are
idempotent (papers by key/DOI, recipes by source key) and retried on unique-key races and deadlocks, so several
writers on PostgreSQL produce no duplicates.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence

from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError

from nanosynth.db import ingestion
from nanosynth.db.engine import session_scope
from nanosynth.db.write import write_document
from nanosynth.ingest.summary import MAX_ERROR_CHARS
from nanosynth.ingest.tasks import TaskInput, TaskResult
from nanosynth.schema.errors import DatabaseError

log = logging.getLogger(__name__)

#: SQLSTATEs worth retrying a transaction for (PostgreSQL deadlock, serialization failure).
_RETRY_SQLSTATES = {"40P01", "40001"}
WRITE_ATTEMPTS = 4

Pair = tuple[TaskInput, TaskResult]


def is_transient(exc: BaseException) -> bool:
    """Unique-key races and deadlocks between concurrent writers: retry the transaction."""
    for err in (exc, exc.__cause__):
        if isinstance(err, IntegrityError):
            return True
        if isinstance(err, DBAPIError) and getattr(err.orig, "sqlstate", None) in _RETRY_SQLSTATES:
            return True
        if isinstance(err, DBAPIError) and "database is locked" in str(err.orig):
            return True
    return False


def write_reason(exc: BaseException) -> str:
    """Why a result could not be written: the database's own message for a database error (without the SQL
    statement, its parameters and SQLAlchemy's help link), else ``"<Type>: <message>"``."""
    for err in (exc, exc.__cause__):
        if isinstance(err, DBAPIError) and err.orig is not None:
            first = (str(err.orig).strip().splitlines() or [""])[0]
            return f"the database refused it ({type(err.orig).__name__}: {first})"
    return f"{type(exc).__name__}: {exc}"


def store_results(engine: Engine, pairs: Sequence[Pair]) -> None:
    """Write every result and its record status: one transaction for all, else one per document.

    Each result is marked ``stored`` with its recipe counts; a result that cannot be written is recorded (and
    marked) failed with the reason.

    Raises
    ------
    DatabaseError
        The database itself is unreachable (nothing of this batch is lost: the next run resumes it).
    """
    if not pairs:
        return
    if any(task.record_id is None for task, _ in pairs):
        raise ValueError("every task needs the id of its ingestion record to be stored")
    t0 = time.perf_counter()
    try:
        with session_scope(engine) as session:
            written = [_apply(session, task, result) for task, result in pairs]
    except Exception as exc:  # noqa: BLE001 - retried document by document below
        log.info("batch of %d could not be written at once (%s); writing one by one", len(pairs),
                 type(exc).__name__)
        for task, result in pairs:
            _store_one(engine, task, result)
    else:
        for (_, result), (added, existing) in zip(pairs, written, strict=True):
            result.recipes_written, result.recipes_existing, result.stored = added, existing, True
    share = (time.perf_counter() - t0) / len(pairs)
    for _, result in pairs:
        result.write_s = share


def _apply(session, task: TaskInput, result: TaskResult) -> tuple[int, int]:
    """Write one result and its record status; returns (recipes written, recipes already present)."""
    if not result.ok:
        ingestion.finish(session, task.record_id, ok=False, error=result.error, duration_s=result.duration_s)
        return 0, 0
    paper = result.paper
    extra = {k: v for k, v in task.paper_fields.items() if getattr(paper, k, None) in (None, "")}
    if extra:
        paper = paper.model_copy(update=extra)
    paper_id, report = write_document(session, paper, list(result.recipes), replace=task.replace)
    ingestion.finish(session, task.record_id, ok=True, error=result.note, paper_id=paper_id,
                     recipes=len(result.recipes), duration_s=result.duration_s)
    return report.added + report.replaced, report.skipped


def _store_one(engine: Engine, task: TaskInput, result: TaskResult) -> None:
    for attempt in range(1, WRITE_ATTEMPTS + 1):
        try:
            with session_scope(engine) as session:
                result.recipes_written, result.recipes_existing = _apply(session, task, result)
            result.stored = True
            return
        except Exception as exc:  # noqa: BLE001
            if is_transient(exc) and attempt < WRITE_ATTEMPTS:
                log.debug("transient write conflict on %s (attempt %d): %s", result.source, attempt, exc)
                time.sleep(0.05 * attempt)
                continue
            if isinstance(exc, DatabaseError) and isinstance(exc.__cause__, (OperationalError, InterfaceError)):
                raise  # the database itself is unreachable: stop; the rerun resumes
            error = f"write failed: {write_reason(exc)}; run the job again with --retry-failed"[:MAX_ERROR_CHARS]
            log.warning("%s: %s", result.source, error)
            with session_scope(engine) as session:
                ingestion.finish(session, task.record_id, ok=False, error=error, duration_s=result.duration_s)
            result.ok, result.error, result.stored = False, error, True
            result.recipes_written = result.recipes_existing = 0
            return
