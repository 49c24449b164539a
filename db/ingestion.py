"""The ingestion table (``ingestion_record``): every read and write of ingestion jobs.

Registering documents, claiming them and recording results are idempotent and safe with several concurrent jobs:
inserts ignore conflicts on (content_hash, source, pipeline_version), claims are conditional updates.

Every input source has its own record; a source with the same bytes as another one already recorded is recorded
``duplicate`` (its note names the first source, its ``paper_id`` the paper stored once for both).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, delete, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from nanosynth.schema.enums import IngestionStatus
from nanosynth.schema.tables import IngestionRecord, utcnow

#: Prefix of the note stored in ``error`` of a ``done`` record whose document describes no nanomaterial synthesis
#: (``"no nanomaterial synthesis: <reason>"``).
NO_SYNTHESIS = "no nanomaterial synthesis"

TABLE = IngestionRecord.__table__
C = TABLE.c
CHUNK = 500
KEY = ["content_hash", "source", "pipeline_version"]
#: Statuses of a record that holds the outcome of its content (others with the same bytes are its duplicates).
_PRIMARY = (IngestionStatus.PENDING.value, IngestionStatus.RUNNING.value, IngestionStatus.DONE.value,
            IngestionStatus.FAILED.value)

#: (content hash, source): the identity of a record under one pipeline version.
Key = tuple[str, str]


@dataclass(frozen=True)
class RecordState:
    """The stored state of one (document, source, pipeline version)."""

    id: int
    content_hash: str
    status: str
    job: str
    started_at: datetime | None
    error: str | None
    source: str
    attempts: int = 0


@dataclass(frozen=True)
class NewRecord:
    """A document to register: ``skipped_reason`` set for documents recorded ``skipped`` (unsupported type)."""

    content_hash: str
    source: str
    skipped_reason: str | None = None


@dataclass
class JobCounts:
    """What the table says about a job (every job when ``job`` is None) under one pipeline version.

    ``per_version`` maps every pipeline version to its counts per status; ``failures`` lists
    (source, content_hash, error) of the failed documents of ``pipeline_version``; ``no_synthesis`` lists
    (source, note) of its done documents recorded as describing no nanomaterial synthesis; ``duplicates`` lists
    (source, first source) of its sources with the same bytes as another one.
    """

    job: str | None
    pipeline_version: str | None
    per_version: dict[str, dict[str, int]] = field(default_factory=dict)
    failures: list[tuple[str, str, str]] = field(default_factory=list)
    no_synthesis: list[tuple[str, str]] = field(default_factory=list)
    duplicates: list[tuple[str, str]] = field(default_factory=list)
    recipes: int = 0
    first_started: datetime | None = None
    last_finished: datetime | None = None
    mean_duration_s: float | None = None


def _chunks(items: Sequence, size: int = CHUNK) -> Iterable[Sequence]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


def insert_ignoring_conflicts(session: Session, rows: list[dict]) -> None:
    """Insert ingestion records, keeping the existing row on a (content_hash, source, pipeline_version) clash.

    Uses ``INSERT ... ON CONFLICT DO NOTHING`` on PostgreSQL and SQLite (safe with concurrent jobs), and one
    savepoint per row elsewhere.
    """
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    if dialect in ("postgresql", "sqlite"):
        module = postgresql if dialect == "postgresql" else sqlite
        stmt = module.insert(TABLE).on_conflict_do_nothing(index_elements=KEY)
        for chunk in _chunks(rows):
            session.execute(stmt, list(chunk))
        return
    for row in rows:  # other databases: one savepoint per row
        try:
            with session.begin_nested():
                session.execute(insert(TABLE), [row])
        except IntegrityError:
            pass


def load_states(session: Session, hashes: Sequence[str], version: str) -> dict[Key, RecordState]:
    """Stored states of every source of ``hashes`` under ``version``, by (content hash, source), oldest first."""
    states: dict[Key, RecordState] = {}
    for chunk in _chunks(list(dict.fromkeys(hashes))):
        rows = session.execute(
            select(C.id, C.content_hash, C.status, C.job, C.started_at, C.error, C.source, C.attempts)
            .where(C.content_hash.in_(chunk), C.pipeline_version == version).order_by(C.id)
        ).all()
        for row in rows:
            states[(row.content_hash, row.source)] = RecordState(*row)
    return states


_DUPLICATE_OF = "duplicate of "
_STORED_ONCE = ": same bytes, paper and recipes stored once under that source's record"


def duplicate_note(first_source: str) -> str:
    """The note of a ``duplicate`` record: ``"duplicate of <first source>: same bytes, ..."``."""
    return f"{_DUPLICATE_OF}{first_source}{_STORED_ONCE}"


def duplicate_of(note: str) -> str:
    """The first source named by a :func:`duplicate_note` (``note`` itself when it is not one)."""
    if note.startswith(_DUPLICATE_OF) and note.endswith(_STORED_ONCE):
        return note[len(_DUPLICATE_OF):-len(_STORED_ONCE)]
    return note


def register(session: Session, job: str, version: str, docs: Sequence[NewRecord]) -> dict[Key, RecordState]:
    """Make sure every (document, source) has a record under ``version``; return all their states.

    New documents are inserted as ``pending`` (``skipped`` when they carry a ``skipped_reason``) under ``job``,
    or ``duplicate`` when another source with the same bytes holds the outcome: an earlier input of this call, a
    recorded source given again, or a recorded source that is done. A ``duplicate`` record whose first source
    holds no outcome any more (it failed or never finished and is not given again) becomes ``pending`` (its
    source is extracted in its stead). Other existing records are left as they are.
    """
    existing = load_states(session, [d.content_hash for d in docs], version)
    given = {d.source for d in docs}
    first: dict[str, str] = {}
    for (digest, source), state in existing.items():
        if state.status in _PRIMARY and (source in given or state.status == IngestionStatus.DONE.value):
            first.setdefault(digest, source)
    promoted = _promote_orphans(session, job, docs, existing, first)
    rows = [_new_row(doc, job, version, first) for doc in docs if (doc.content_hash, doc.source) not in existing]
    insert_ignoring_conflicts(session, rows)
    if rows or promoted:
        existing.update(load_states(session, [d.content_hash for d in docs], version))
    return existing


def _promote_orphans(session: Session, job: str, docs: Sequence[NewRecord], existing: dict[Key, RecordState],
                     first: dict[str, str]) -> int:
    """Make ``pending`` the first ``duplicate`` record of each content without a source holding its outcome
    (updates ``first``); returns how many."""
    promoted = 0
    for doc in docs:
        state = existing.get((doc.content_hash, doc.source))
        if state is None or state.status != IngestionStatus.DUPLICATE.value or doc.content_hash in first:
            continue
        first[doc.content_hash] = doc.source
        promoted += session.execute(
            update(TABLE).where(C.id == state.id, C.status == IngestionStatus.DUPLICATE.value)
            .values(status=IngestionStatus.PENDING.value, error=None, paper_id=None, job=job)).rowcount
    return promoted


def _new_row(doc: NewRecord, job: str, version: str, first: dict[str, str]) -> dict:
    """The row of a new record (updates ``first``, the source holding the outcome of each content hash)."""
    status, note = IngestionStatus.SKIPPED, doc.skipped_reason
    if doc.skipped_reason is None:
        if doc.content_hash in first:
            status, note = IngestionStatus.DUPLICATE, duplicate_note(first[doc.content_hash])
        else:
            status = IngestionStatus.PENDING
            first[doc.content_hash] = doc.source
    return {"job": job, "source": doc.source, "content_hash": doc.content_hash, "pipeline_version": version,
            "status": status.value, "error": note, "recipes": 0, "created_at": utcnow()}


def link_duplicates(session: Session, version: str) -> None:
    """Point ``duplicate`` records without a paper at the paper of a done record with the same bytes."""
    primary = TABLE.alias("primary_record")
    paper = (select(primary.c.paper_id)
             .where(primary.c.content_hash == C.content_hash, primary.c.pipeline_version == C.pipeline_version,
                    primary.c.status == IngestionStatus.DONE.value, primary.c.paper_id.is_not(None))
             .order_by(primary.c.id).limit(1).scalar_subquery())
    session.execute(update(TABLE).where(C.pipeline_version == version, C.status == IngestionStatus.DUPLICATE.value,
                                        C.paper_id.is_(None)).values(paper_id=paper))


def done_under_other_versions(session: Session, hashes: Sequence[str], version: str) -> set[str]:
    """Hashes already extracted with another pipeline version (re-extraction must replace their recipes)."""
    found: set[str] = set()
    for chunk in _chunks(list(hashes)):
        found.update(session.execute(
            select(C.content_hash).where(C.content_hash.in_(chunk), C.pipeline_version != version,
                                         C.status == IngestionStatus.DONE.value)).scalars())
    return found


def claim(session: Session, state: RecordState, job: str) -> bool:
    """Mark a document ``running`` for ``job`` unless another job changed it since ``state`` was read.

    ``attempts`` counts consecutive claims that never finished: it grows when a document left ``running`` by a
    dead run is claimed again, and starts again at 1 otherwise.
    """
    conditions = [C.id == state.id, C.status == state.status]
    if state.status == IngestionStatus.RUNNING.value:
        conditions.append(C.job == state.job)
        conditions.append(C.started_at == state.started_at if state.started_at is not None
                          else C.started_at.is_(None))
    result = session.execute(
        update(TABLE).where(and_(*conditions)).values(
            status=IngestionStatus.RUNNING.value, job=job, started_at=utcnow(), error=None,
            finished_at=None, duration_s=None,
            attempts=C.attempts + 1 if state.status == IngestionStatus.RUNNING.value else 1))
    return result.rowcount == 1


def finish(session: Session, record_id: int, *, ok: bool, error: str | None = None, paper_id: int | None = None,
           recipes: int = 0, duration_s: float | None = None) -> None:
    """Record the outcome of one document (``error`` of a done document: a note such as :data:`NO_SYNTHESIS`)."""
    session.execute(update(TABLE).where(C.id == record_id).values(
        status=(IngestionStatus.DONE if ok else IngestionStatus.FAILED).value, error=error, paper_id=paper_id,
        recipes=recipes, finished_at=utcnow(), duration_s=duration_s))


def delete_record(session: Session, record_id: int) -> None:
    """Remove one record (the placeholder of a DOI once its full text is fetched)."""
    session.execute(delete(TABLE).where(C.id == record_id))


def record_failure(session: Session, *, job: str, version: str, source: str, content_hash: str,
                   error: str) -> None:
    """Insert or update a ``failed`` record (a DOI whose full text could not be fetched)."""
    insert_ignoring_conflicts(session, [{
        "job": job, "source": source, "content_hash": content_hash, "pipeline_version": version,
        "status": IngestionStatus.FAILED.value, "error": error, "recipes": 0, "created_at": utcnow()}])
    session.execute(update(TABLE).where(C.content_hash == content_hash, C.source == source,
                                        C.pipeline_version == version)
                    .values(status=IngestionStatus.FAILED.value, error=error, job=job, finished_at=utcnow()))


def list_jobs(session: Session) -> list[str]:
    """Names of every job in the ingestion table."""
    return list(session.execute(select(C.job).distinct().order_by(C.job)).scalars())


def empty_counts() -> dict[str, int]:
    """Zero documents in every status (``done``, ``failed``, ``skipped``, ``duplicate``, ``pending``, ``running``)."""
    return {s.value: 0 for s in (IngestionStatus.DONE, IngestionStatus.FAILED, IngestionStatus.SKIPPED,
                                 IngestionStatus.DUPLICATE, IngestionStatus.PENDING, IngestionStatus.RUNNING)}


def job_counts(session: Session, job: str | None = None, pipeline_version: str | None = None) -> JobCounts:
    """Counts per status and version, failures and timings of ``job`` (every job when None).

    ``pipeline_version`` defaults to the version of the job's most recently created record.
    """
    scope = [C.job == job] if job is not None else []
    per_version: dict[str, dict[str, int]] = {}
    for version, status, n in session.execute(
            select(C.pipeline_version, C.status, func.count()).where(*scope)
            .group_by(C.pipeline_version, C.status)).all():
        per_version.setdefault(version, empty_counts())[status] = n
    if pipeline_version is None:
        pipeline_version = session.execute(
            select(C.pipeline_version).where(*scope).order_by(C.created_at.desc(), C.id.desc()).limit(1)
        ).scalar()
    where = [*scope, C.pipeline_version == pipeline_version]
    failures = [(row.source, row.content_hash, row.error or "") for row in session.execute(
        select(C.source, C.content_hash, C.error).where(*where, C.status == IngestionStatus.FAILED.value)
        .order_by(C.source)).all()]
    no_synthesis = [(row.source, row.error) for row in session.execute(
        select(C.source, C.error).where(*where, C.status == IngestionStatus.DONE.value,
                                        C.error.startswith(NO_SYNTHESIS)).order_by(C.source)).all()]
    duplicates = [(row.source, duplicate_of(row.error or "")) for row in session.execute(
        select(C.source, C.error).where(*where, C.status == IngestionStatus.DUPLICATE.value)
        .order_by(C.source)).all()]
    agg = session.execute(select(func.min(C.started_at), func.max(C.finished_at), func.avg(C.duration_s),
                                 func.coalesce(func.sum(C.recipes), 0)).where(*where)).one()
    return JobCounts(job=job, pipeline_version=pipeline_version, per_version=per_version, failures=failures,
                     no_synthesis=no_synthesis, duplicates=duplicates, recipes=int(agg[3] or 0),
                     first_started=agg[0], last_finished=agg[1],
                     mean_duration_s=round(float(agg[2]), 4) if agg[2] is not None else None)
