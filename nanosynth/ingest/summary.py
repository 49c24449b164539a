"""Results of an ingestion run: per-run summary, failures grouped by reason, progress events."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Literal

#: Longest error text stored for one document.
MAX_ERROR_CHARS = 2000


@dataclass(frozen=True)
class FailureInfo:
    """A document that failed, with why."""

    source: str
    content_hash: str
    error: str

    @property
    def reason(self) -> str:
        return reason_of(self.error)


def reason_of(error: str | None) -> str:
    """A grouping key for an error message: the error type and the message with paths, numbers, quotes masked.

    ``"ReaderError: PDF /data/x.pdf is encrypted (3 pages)"`` → ``"ReaderError: PDF <path> is encrypted (# pages)"``.
    """
    if not error:
        return "unknown"
    text = error.strip().splitlines()[0].split("; ")[0]
    text = re.sub(r"[\w.\-]+\.(?:pdf|html?|xhtml|xml|nxml|txt|text)\b", "<file>", text, flags=re.I)
    text = re.sub(r"[^\s'\":,;()\[\]]*[/\\][^\s'\":,;()\[\]]*", "<path>", text)
    text = re.sub(r"'[^']*'|\"[^\"]*\"", "'…'", text)
    text = re.sub(r"\b0x[0-9a-fA-F]+\b|\b\d+(?:\.\d+)?\b", "#", text)
    return text[:160]


def group_reasons(failures: list[FailureInfo]) -> dict[str, int]:
    """Failure counts by :func:`reason_of`, most frequent first."""
    return dict(Counter(f.reason for f in failures).most_common())


@dataclass
class JobSummary:
    """What one :func:`nanosynth.ingest.run_ingest` call did.

    Attributes
    ----------
    inputs:
        Sources found (each has its ingestion record; files with identical bytes are extracted once).
    processed:
        Documents extracted in this run (done + failed).
    done, failed:
        Outcomes of this run.
    skipped:
        Not processed because already done with this pipeline version, of an unsupported type, or a duplicate
        (same bytes) of another input (``skipped_reasons`` says which).
    not_retried:
        Documents that failed in an earlier run and were left alone (use ``retry_failed``).
    busy:
        Documents being processed by another live job.
    requeued:
        Documents left ``running`` by a dead run and processed again.
    recipes:
        Recipes written (added or replaced) in this run.
    recipes_existing:
        Extracted recipes already in the database (same source key, e.g. the HTML and PDF of one paper).
    failures:
        Every failure of this run (and the not-retried ones), with its reason.
    elapsed_s, extract_s, write_s:
        Wall-clock time of the run; summed extraction time over documents (on the workers); time the driver spent
        writing results to the database.
    worker_peak_rss_mb:
        Peak resident memory of each worker process (the driver's own when running in one process).
    limits:
        The per-document limits in effect (:class:`nanosynth.ingest.limits.DocumentLimits`).
    """

    job: str
    pipeline_version: str
    workers: int = 1
    inputs: int = 0
    processed: int = 0
    done: int = 0
    failed: int = 0
    skipped: int = 0
    skipped_reasons: dict[str, int] = field(default_factory=dict)
    not_retried: int = 0
    busy: int = 0
    requeued: int = 0
    recipes: int = 0
    recipes_existing: int = 0
    elapsed_s: float = 0.0
    extract_s: float = 0.0
    write_s: float = 0.0
    failures: list[FailureInfo] = field(default_factory=list)
    previous_failures: list[FailureInfo] = field(default_factory=list)
    worker_peak_rss_mb: dict[str, float] = field(default_factory=dict)
    driver_peak_rss_mb: float = 0.0
    limits: dict = field(default_factory=dict)

    @property
    def docs_per_s(self) -> float:
        """Processed documents per wall-clock second."""
        return self.processed / self.elapsed_s if self.elapsed_s > 0 else 0.0

    @property
    def reasons(self) -> dict[str, int]:
        """Failures of this run grouped by reason."""
        return group_reasons(self.failures)

    def merge(self, other: JobSummary) -> JobSummary:
        """Add the counts of ``other`` to this summary (the DOI part and the local part of one command)."""
        for name in ("inputs", "processed", "done", "failed", "skipped", "not_retried", "busy", "requeued",
                     "recipes", "recipes_existing", "elapsed_s", "extract_s"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for reason, n in other.skipped_reasons.items():
            self.skipped_reasons[reason] = self.skipped_reasons.get(reason, 0) + n
        self.failures += other.failures
        self.previous_failures += other.previous_failures
        self.worker_peak_rss_mb.update(other.worker_peak_rss_mb)
        self.workers = max(self.workers, other.workers)
        return self

    def to_dict(self) -> dict:
        """JSON-ready dictionary."""
        data = asdict(self)
        data["docs_per_s"] = round(self.docs_per_s, 3)
        data["reasons"] = self.reasons
        data["failures"] = [{**asdict(f), "reason": f.reason} for f in self.failures]
        data["previous_failures"] = [{**asdict(f), "reason": f.reason} for f in self.previous_failures]
        return data


@dataclass(frozen=True)
class ProgressEvent:
    """Reported to the ``progress`` callback of :func:`~nanosynth.ingest.run_ingest`.

    ``kind`` is ``"start"`` (``total`` = documents to process, ``skipped`` known), ``"document"`` (one finished:
    ``source`` and ``ok``), or ``"end"``.
    """

    kind: Literal["start", "document", "end"]
    total: int = 0
    completed: int = 0
    failed: int = 0
    skipped: int = 0
    source: str | None = None
    ok: bool | None = None
