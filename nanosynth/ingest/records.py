"""The ingestion table: registering documents, claiming them, recording results (all idempotent and safe with
several concurrent jobs: inserts ignore conflicts on (content_hash, pipeline_version), claims are conditional
updates)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from nanosynth.ingest.inputs import DocumentInput
from nanosynth.schema.enums import IngestionStatus
from nanosynth.schema.tables import IngestionRecord, utcnow

TABLE = IngestionRecord.__table__
C = TABLE.c
CHUNK = 500


@dataclass(frozen=True)
class RecordState:
    """The stored state of one (document, pipeline version)."""

    id: int
    content_hash: str
    status: str
    job: str
    started_at: datetime | None
    error: str | None
    source: str


def _chunks(items: Sequence, size: int = CHUNK) -> Iterable[Sequence]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


def insert_ignoring_conflicts(session: Session, rows: list[dict]) -> None:
    """Insert ingestion records, silently keeping the existing row on a (content_hash, pipeline_version) clash.

    Uses ``INSERT ... ON CONFLICT DO NOTHING`` on PostgreSQL and SQLite (safe with concurrent jobs), and one
    savepoint per row elsewhere.
    """
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    if dialect in ("postgresql", "sqlite"):
        module = postgresql if dialect == "postgresql" else sqlite
        stmt = module.insert(TABLE).on_conflict_do_nothing(index_elements=["content_hash", "pipeline_version"])
        for chunk in _chunks(rows):
            session.execute(stmt, list(chunk))
        return
    for row in rows:  # other databases: one savepoint per row
        try:
            with session.begin_nested():
                session.execute(insert(TABLE), [row])
        except IntegrityError:
            pass


def load_states(session: Session, hashes: Sequence[str], version: str) -> dict[str, RecordState]:
    """Stored states of ``hashes`` under ``version``."""
    states: dict[str, RecordState] = {}
    for chunk in _chunks(list(hashes)):
        rows = session.execute(
            select(C.id, C.content_hash, C.status, C.job, C.started_at, C.error, C.source)
            .where(C.content_hash.in_(chunk), C.pipeline_version == version)
        ).all()
        for row in rows:
            states[row.content_hash] = RecordState(*row)
    return states


def register(session: Session, job: str, version: str, docs: Sequence[DocumentInput]) -> dict[str, RecordState]:
    """Make sure every document has a record under ``version``; return all their states.

    New documents are inserted as ``pending`` (``skipped`` for unsupported types) under ``job``; existing
    records are left as they are.
    """
    now = utcnow()
    existing = load_states(session, [d.content_hash for d in docs], version)
    rows = []
    for doc in docs:
        if doc.content_hash in existing:
            continue
        status = IngestionStatus.PENDING if doc.supported else IngestionStatus.SKIPPED
        error = None if doc.supported else (
            f"unsupported file type {doc.path.suffix or '(no suffix)'!r}: not a PDF, HTML, XML or text document")
        rows.append({"job": job, "source": doc.source, "content_hash": doc.content_hash,
                     "pipeline_version": version, "status": status.value, "error": error, "recipes": 0,
                     "created_at": now})
    insert_ignoring_conflicts(session, rows)
    if rows:
        existing.update(load_states(session, [r["content_hash"] for r in rows], version))
    return existing


def done_under_other_versions(session: Session, hashes: Sequence[str], version: str) -> set[str]:
    """Hashes already extracted with another pipeline version (re-extraction must replace their recipes)."""
    found: set[str] = set()
    for chunk in _chunks(list(hashes)):
        found.update(session.execute(
            select(C.content_hash).where(C.content_hash.in_(chunk), C.pipeline_version != version,
                                         C.status == IngestionStatus.DONE.value)).scalars())
    return found


def claim(session: Session, state: RecordState, job: str, source: str) -> bool:
    """Mark a document ``running`` for ``job`` unless another job changed it since ``state`` was read."""
    conditions = [C.id == state.id, C.status == state.status]
    if state.status == IngestionStatus.RUNNING.value:
        conditions.append(C.job == state.job)
        conditions.append(C.started_at == state.started_at if state.started_at is not None
                          else C.started_at.is_(None))
    result = session.execute(
        update(TABLE).where(and_(*conditions)).values(
            status=IngestionStatus.RUNNING.value, job=job, source=source, started_at=utcnow(), error=None,
            finished_at=None, duration_s=None))
    return result.rowcount == 1


def finish(session: Session, record_id: int, *, ok: bool, error: str | None = None, paper_id: int | None = None,
           recipes: int = 0, duration_s: float | None = None) -> None:
    """Record the outcome of one document."""
    session.execute(update(TABLE).where(C.id == record_id).values(
        status=(IngestionStatus.DONE if ok else IngestionStatus.FAILED).value, error=error, paper_id=paper_id,
        recipes=recipes, finished_at=utcnow(), duration_s=duration_s))


def is_stale(state: RecordState, stale_after_s: float) -> bool:
    """True when a ``running`` record was started longer ago than ``stale_after_s`` (its job is presumed dead)."""
    if state.started_at is None:
        return True
    return utcnow() - state.started_at > timedelta(seconds=stale_after_s)
