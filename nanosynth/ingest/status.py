"""State of ingestion jobs as stored in the ingestion table (for ``nanosynth ingest status``)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime

from sqlalchemy.engine import Engine

from nanosynth.db import ingestion
from nanosynth.db.engine import session_scope
from nanosynth.ingest.summary import FailureInfo, group_reasons


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
    no_synthesis:
        Done documents recorded as describing no nanomaterial synthesis: (source, note with the reason).
    by_version:
        Counts per pipeline version when the job was run with several.
    duplicates:
        Sources recorded ``duplicate`` (the same bytes as another source, extracted and stored once): (source,
        first source whose record holds the outcome).
    recipes:
        Recipes extracted from the done documents (the same recipe from the PDF and the HTML of one paper is
        counted twice here but stored once).
    jobs:
        Job names (filled when asked for with ``job_status(..., with_jobs=True)``; ``to_dict`` then ends with them).
    """

    job: str | None
    pipeline_version: str | None
    counts: dict[str, int]
    failures: list[FailureInfo] = field(default_factory=list)
    no_synthesis: list[tuple[str, str]] = field(default_factory=list)
    by_version: dict[str, dict[str, int]] = field(default_factory=dict)
    duplicates: list[tuple[str, str]] = field(default_factory=list)
    recipes: int = 0
    first_started: datetime | None = None
    last_finished: datetime | None = None
    mean_duration_s: float | None = None
    jobs: list[str] | None = None

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def reasons(self) -> dict[str, int]:
        return group_reasons(self.failures)

    def to_dict(self) -> dict:
        """JSON-ready: ``done``, ``failed``, ``skipped``, ``duplicate``, ``pending``, ``running`` counts at the top
        level, plus ``failures`` (source, content_hash, error, reason), ``reasons`` (counts per grouped reason),
        ``no_synthesis`` (source, reason of the done documents that describe no nanomaterial synthesis) and
        ``duplicates`` (source, duplicate_of: the source extracted once for both)."""
        data = {
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
            "no_synthesis": [{"source": source, "reason": note} for source, note in self.no_synthesis],
            "duplicates": [{"source": source, "duplicate_of": first} for source, first in self.duplicates],
        }
        if self.jobs is not None:
            data["jobs"] = self.jobs
        return data


def list_jobs(engine: Engine) -> list[str]:
    """Names of every job in the ingestion table."""
    with session_scope(engine) as session:
        return ingestion.list_jobs(session)


def job_status(engine: Engine, job: str | None = None, pipeline_version: str | None = None,
               with_jobs: bool = False) -> JobStatus:
    """Counts per status and the failed documents of ``job`` (every job when None).

    Parameters
    ----------
    engine:
        Database engine.
    job:
        Job name; ``None`` summarizes the whole table.
    pipeline_version:
        Version to report; default: the one of the most recently created record of the job.
    with_jobs:
        Also fill :attr:`JobStatus.jobs` (every job name when ``job`` is None, else ``[job]``).
    """
    with session_scope(engine) as session:
        found = ingestion.job_counts(session, job, pipeline_version)
        jobs = (ingestion.list_jobs(session) if job is None else [job]) if with_jobs else None
    version = found.pipeline_version
    counts = found.per_version.get(version, ingestion.empty_counts()) if version else ingestion.empty_counts()
    return JobStatus(job=job, pipeline_version=version, counts=counts,
                     failures=[FailureInfo(*failure) for failure in found.failures],
                     no_synthesis=found.no_synthesis, duplicates=found.duplicates,
                     by_version=found.per_version if len(found.per_version) > 1 else {}, recipes=found.recipes,
                     first_started=found.first_started, last_finished=found.last_finished,
                     mean_duration_s=found.mean_duration_s, jobs=jobs)
