"""Ingestion jobs: resumable, idempotent, parallel on Dask, fetching by DOI.

Entry points
------------
- :func:`ingest` - what ``nanosynth ingest PATH... --doi-file FILE`` runs (fetch DOIs, then local files).
- :func:`run_ingest` - ingest files/directories.
- :func:`ingest_identifiers` - fetch DOIs then ingest (``nanosynth ingest --doi-file FILE``).
- :func:`job_status` - counts and failures of a job (``nanosynth ingest status``).

Importing this package does no I/O; Dask and the extraction pipeline are imported when a job runs.
"""

from nanosynth.ingest.fetching import fetch_documents, ingest, ingest_identifiers
from nanosynth.ingest.inputs import DOCUMENT_SUFFIXES, DocumentInput, discover, read_identifier_file
from nanosynth.ingest.protocol import PipelineLike, default_pipeline, load_pipeline_factory
from nanosynth.ingest.runner import run_ingest
from nanosynth.ingest.status import JobStatus, job_status, list_jobs
from nanosynth.ingest.summary import FailureInfo, JobSummary, ProgressEvent

__all__ = [
    "DOCUMENT_SUFFIXES",
    "DocumentInput",
    "FailureInfo",
    "JobStatus",
    "JobSummary",
    "PipelineLike",
    "ProgressEvent",
    "default_pipeline",
    "discover",
    "fetch_documents",
    "ingest",
    "ingest_identifiers",
    "job_status",
    "list_jobs",
    "load_pipeline_factory",
    "read_identifier_file",
    "run_ingest",
]
