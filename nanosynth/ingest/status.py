"""State of ingestion jobs as stored in the ingestion table (for ``nanosynth ingest status``)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from nanosynth.db.engine import session_scope
from nanosynth.ingest.summary import FailureInfo, group_reasons
from nanosynth.schema.enums import IngestionStatus
from nanosynth.schema.tables import IngestionRecord

C = IngestionRecord.__table__.c


@dataclass
class JobStatus:
    """Counts and failures of one job (or of all jobs) for one pipeline version.

    Attributes
    ----------
    job:
        Job name, or ``None`` for every job.
    pipeline_version:
        The version the counts refer to (the most recently used one unless asked for another).
    counts:
        Documents per status (``pending``, ``running``, ``done``, ``failed``, ``skipped``).
    failures:
        Failed documents with their errors.
    by_version:
        Counts per pipeline version when the job was run with several.
    recipes:
        Recipes extracted from the done documents (the same recipe from the PDF and the HTML of one paper is
        counted twice here but stored once).
    """

    job: str | None
    pipeline_version: str | None
    counts: dict[str, int]
    failures: list[FailureInfo] = field(default_factory=list)
    by_version: dict[str, dict[str, int]] = field(default_factory=dict)
    recipes: int = 0
    first_started: datetime | None = None
    last_finished: datetime | None = None
    mean_duration_s: float | None = None

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def reasons(self) -> dict[str, int]:
        return group_reasons(self.failures)

    def to_dict(self) -> dict:
        """JSON-ready: ``done``, ``failed``, ``skipped``, ``pending``, ``running`` counts at the top level, plus
        ``failures`` (source, content_hash, error, reason) and ``reasons`` (counts per grouped reason)."""
        return {
            "job": self.job,
            "pipeline_version": self.pipeline_version,
            **self.counts,
            "total": self.total,
            "recipes_extracted": self.recipes,
            "first_started": self.first_started.isoformat() if self.first_started else None,
            "last_finished": self.last_finished.isoformat() if self.last_finished else None,
            "mean_duration_s": self.mean_duration_s,
            "reasons": self.reasons,
            "failures": [{**asdict(f), "reason": f.reason} for f in self.failures],
            "by_version": self.by_version,
        }


def _empty_counts() -> dict[str, int]:
    return {s.value: 0 for s in (IngestionStatus.DONE, IngestionStatus.FAILED, IngestionStatus.SKIPPED,
                                 IngestionStatus.PENDING, IngestionStatus.RUNNING)}


def list_jobs(engine: Engine) -> list[str]:
    """Names of every job in the ingestion table."""
    with session_scope(engine) as session:
        return list(session.execute(select(C.job).distinct().order_by(C.job)).scalars())


def job_status(engine: Engine, job: str | None = None, pipeline_version: str | None = None) -> JobStatus:
    """Counts per status and the failed documents of ``job`` (every job when None).

    Parameters
    ----------
    engine:
        Database engine.
    job:
        Job name; ``None`` summarizes the whole table.
    pipeline_version:
        Version to report; default: the one of the most recently created record of the job.
    """
    scope = [C.job == job] if job is not None else []
    with session_scope(engine) as session:
        per_version: dict[str, dict[str, int]] = {}
        for version, status, n in session.execute(
                select(C.pipeline_version, C.status, func.count()).where(*scope)
                .group_by(C.pipeline_version, C.status)).all():
            per_version.setdefault(version, _empty_counts())[status] = n
        if pipeline_version is None:
            pipeline_version = session.execute(
                select(C.pipeline_version).where(*scope).order_by(C.created_at.desc(), C.id.desc()).limit(1)
            ).scalar()
        where = [*scope, C.pipeline_version == pipeline_version]
        failures = [FailureInfo(row.source, row.content_hash, row.error or "") for row in session.execute(
            select(C.source, C.content_hash, C.error).where(*where, C.status == IngestionStatus.FAILED.value)
            .order_by(C.source)).all()]
        agg = session.execute(select(func.min(C.started_at), func.max(C.finished_at), func.avg(C.duration_s),
                                     func.coalesce(func.sum(C.recipes), 0)).where(*where)).one()
    counts = per_version.get(pipeline_version, _empty_counts()) if pipeline_version else _empty_counts()
    return JobStatus(job=job, pipeline_version=pipeline_version, counts=counts, failures=failures,
                     by_version=per_version if len(per_version) > 1 else {}, recipes=int(agg[3] or 0),
                     first_started=agg[0], last_finished=agg[1],
                     mean_duration_s=round(float(agg[2]), 4) if agg[2] is not None else None)
