"""Ingesting by DOI: fetch full texts (driver side, rate-limited), then ingest them like local files.

A DOI whose fetch fails is recorded in the ingestion table as ``failed`` (source ``doi:<doi>``, keyed by the
hash of the identifier) so that ``nanosynth ingest status`` lists it; ``retry_failed`` fetches it again, and the
placeholder is removed once the full text arrives.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.engine import Engine

from nanosynth.db import ingestion
from nanosynth.db.engine import session_scope
from nanosynth.ingest.inputs import DocumentInput, hash_file
from nanosynth.ingest.protocol import PipelineFactory, default_pipeline
from nanosynth.ingest.runner import run_ingest
from nanosynth.ingest.summary import MAX_ERROR_CHARS, FailureInfo, JobSummary
from nanosynth.miner.fetch import DocumentFetcher, FetchConfig
from nanosynth.schema.enums import IngestionStatus
from nanosynth.schema.errors import ConfigError, NanosynthError

log = logging.getLogger(__name__)


@dataclass
class FetchOutcome:
    """Documents fetched and identifiers that could not be."""

    documents: list[DocumentInput] = field(default_factory=list)
    failures: list[FailureInfo] = field(default_factory=list)
    not_retried: list[FailureInfo] = field(default_factory=list)


def placeholder_hash(identifier: str) -> str:
    """Record key of a DOI whose full text is not (yet) fetched."""
    return hashlib.sha256(f"fetch:{identifier.strip().lower()}".encode()).hexdigest()


def fetch_documents(engine: Engine, fetcher: DocumentFetcher, identifiers: Sequence[str], directory: Path, *,
                    job: str, version: str, retry_failed: bool = False,
                    on_fetched: Callable[[str, bool], None] | None = None) -> FetchOutcome:
    """Fetch each identifier's full text into ``directory`` and return them as job inputs.

    Parameters
    ----------
    engine:
        Database (fetch failures are recorded there).
    fetcher:
        Configured :class:`nanosynth.miner.fetch.DocumentFetcher`.
    identifiers:
        DOIs or arXiv ids.
    directory:
        Where fetched documents are saved (``<cache_dir>/documents``).
    job, version:
        Job name and pipeline version the records are filed under.
    retry_failed:
        Fetch again identifiers whose fetch failed in an earlier run.
    on_fetched:
        Called with (identifier, success) after each fetch.
    """
    outcome = FetchOutcome()
    keys = {ident: placeholder_hash(ident) for ident in identifiers}
    with session_scope(engine) as session:
        states = {digest: state for (digest, _), state in
                  ingestion.load_states(session, list(keys.values()), version).items()}
    for ident in identifiers:
        state = states.get(keys[ident])
        if state is not None and state.status == IngestionStatus.FAILED.value and not retry_failed:
            outcome.not_retried.append(FailureInfo(f"doi:{ident}", keys[ident], state.error or ""))
            continue
        try:
            doc = fetcher.fetch(ident)
        except NanosynthError as exc:
            error = f"{type(exc).__name__}: {exc}"[:MAX_ERROR_CHARS]
            outcome.failures.append(FailureInfo(f"doi:{ident}", keys[ident], error))
            _record_fetch_failure(engine, job, version, ident, keys[ident], error)
            if on_fetched:
                on_fetched(ident, False)
            continue
        path = doc.save(directory)
        digest, size = hash_file(path)
        fields = doc.metadata.paper_fields() if doc.metadata is not None else {}
        if doc.doi and "doi" not in fields and not doc.doi.startswith("10.48550/"):
            fields["doi"] = doc.doi
        outcome.documents.append(DocumentInput(source=f"doi:{doc.doi or ident} ({doc.via})", path=path,
                                               content_hash=digest, size=size, paper_fields=fields))
        if state is not None:
            with session_scope(engine) as session:
                ingestion.delete_record(session, state.id)
        if on_fetched:
            on_fetched(ident, True)
    return outcome


def _record_fetch_failure(engine: Engine, job: str, version: str, ident: str, key: str, error: str) -> None:
    with session_scope(engine) as session:
        ingestion.record_failure(session, job=job, version=version, source=f"doi:{ident}", content_hash=key,
                                 error=error)


def ingest_identifiers(engine: Engine, fetcher: DocumentFetcher, identifiers: Sequence[str], directory: Path, *,
                       pipeline: PipelineFactory | None = None, job: str = "default", retry_failed: bool = False,
                       on_fetched: Callable[[str, bool], None] | None = None, **run_kwargs) -> JobSummary:
    """Fetch DOIs, then ingest what was fetched (:func:`run_ingest` keyword arguments pass through).

    The returned summary counts a failed fetch as a failed document.
    """
    factory = pipeline or default_pipeline
    version = factory().version
    outcome = fetch_documents(engine, fetcher, identifiers, directory, job=job, version=version,
                              retry_failed=retry_failed, on_fetched=on_fetched)
    summary = run_ingest(engine, documents=outcome.documents, pipeline=factory, job=job,
                         retry_failed=retry_failed, **run_kwargs)
    summary.inputs += len(outcome.failures) + len(outcome.not_retried)
    summary.processed += len(outcome.failures)
    summary.failed += len(outcome.failures)
    summary.failures = outcome.failures + summary.failures
    summary.not_retried += len(outcome.not_retried)
    summary.previous_failures = outcome.not_retried + summary.previous_failures
    return summary


def ingest(engine: Engine, paths: Sequence[Path | str] = (), *, identifiers: Sequence[str] = (),
           fetch_config: FetchConfig | None = None, documents_dir: Path | None = None,
           on_fetched: Callable[[str, bool], None] | None = None, **run_kwargs) -> JobSummary:
    """One ingestion command: fetch and ingest ``identifiers`` (DOIs), then ingest the local ``paths``.

    Parameters
    ----------
    engine:
        Database (opened with :func:`nanosynth.db.engine.open_database`).
    paths:
        Files and directories to ingest.
    identifiers:
        DOIs or arXiv ids to fetch first (needs ``fetch_config`` and ``documents_dir``).
    fetch_config:
        Fetching settings (API keys, contact e-mail, HTTP cache); default :class:`~nanosynth.miner.fetch.FetchConfig`.
    documents_dir:
        Where fetched full texts are saved.
    on_fetched:
        Called with (identifier, success) after each fetch.
    run_kwargs:
        :func:`run_ingest` keyword arguments (pipeline, job, workers, progress ...), shared by both parts.

    Returns
    -------
    JobSummary
        The counts of both parts added together.

    Raises
    ------
    ConfigError
        Identifiers without ``documents_dir``, or the :func:`run_ingest` errors.
    """
    summary = None
    if identifiers:
        if documents_dir is None:
            raise ConfigError("fetching DOIs needs a folder for the documents: give documents_dir (the CLI uses "
                              "<cache_dir>/documents)")
        with DocumentFetcher(fetch_config) as fetcher:
            summary = ingest_identifiers(engine, fetcher, identifiers, Path(documents_dir), on_fetched=on_fetched,
                                         **run_kwargs)
    if paths or summary is None:
        local = run_ingest(engine, paths, **run_kwargs)
        summary = local if summary is None else summary.merge(local)
    return summary
