"""Work done per document, in the driver process or on a Dask worker.

Workers receive a :class:`TaskInput`, read the bytes, run the pipeline under the per-document limits
(:class:`~nanosynth.ingest.limits.DocumentLimits`: time, PDF stream size) and return a :class:`TaskResult`. A
Dask worker loads its pipeline once (:class:`nanosynth.ingest.dask_plugin.PipelinePlugin`), not per document,
and writes its results to the database itself (:mod:`nanosynth.ingest.storing`).
"""

from __future__ import annotations

import hashlib
import logging
import os
import resource
import socket
import stat
import sys
import time
import traceback
from dataclasses import dataclass, field
from datetime import datetime

from nanosynth.db.ingestion import NO_SYNTHESIS
from nanosynth.ingest.deadline import DocumentTimeout, time_limit
from nanosynth.ingest.limits import DocumentLimits, setting_hint
from nanosynth.ingest.protocol import PipelineLike
from nanosynth.ingest.summary import MAX_ERROR_CHARS
from nanosynth.schema.errors import NanosynthError, ReaderError
from nanosynth.schema.records import PaperCreate, RecipeCreate
from nanosynth.schema.tables import utcnow

log = logging.getLogger(__name__)



@dataclass(frozen=True)
class TaskInput:
    """One document to process: its bytes travel as ``data`` or are read from ``path`` by the worker.

    ``record_id`` (its ingestion record), ``replace`` (replace recipes of an earlier extraction) and
    ``paper_fields`` (metadata known before extraction) are what the writer of its result needs.
    """

    content_hash: str
    source: str
    path: str | None = None
    data: bytes | None = field(default=None, repr=False)
    record_id: int | None = None
    replace: bool = False
    paper_fields: dict = field(default_factory=dict, hash=False, compare=False)


@dataclass
class TaskResult:
    """The outcome of processing one document (picklable, no database objects)."""

    content_hash: str
    source: str
    ok: bool
    paper: PaperCreate | None = None
    recipes: list[RecipeCreate] = field(default_factory=list)
    error: str | None = None
    note: str | None = None
    started_at: datetime | None = None
    duration_s: float = 0.0
    worker: str = ""
    stored: bool = False
    recipes_written: int = 0
    recipes_existing: int = 0
    write_s: float = 0.0

    def summarized(self) -> TaskResult:
        """A stored result without its paper and recipes (what a worker sends back to the driver)."""
        return TaskResult(self.content_hash, self.source, self.ok, error=self.error, note=self.note,
                          started_at=self.started_at, duration_s=self.duration_s, worker=self.worker,
                          stored=self.stored, recipes_written=self.recipes_written,
                          recipes_existing=self.recipes_existing, write_s=self.write_s)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def peak_rss_mb() -> float:
    """Peak resident memory of this process in MB (Linux reports KB, macOS bytes)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


#: Appended to the reason of an unexpected exception: what a curator can do about it.
BUG_HINT = ("probably a bug in the extraction pipeline: `nanosynth -vv ingest ... --retry-failed` logs its traceback; "
            "please report it")


def describe_error(exc: BaseException) -> str:
    """``"<Type>: <message>"``, bounded in length; unexpected errors are marked as internal (with
    :data:`BUG_HINT`)."""
    if isinstance(exc, NanosynthError):
        text = f"{type(exc).__name__}: {exc}".strip()
    else:
        message = str(exc).strip()[: MAX_ERROR_CHARS - len(BUG_HINT) - 80]   # the hint is never cut off
        text = f"internal error {type(exc).__name__}: {message}; {BUG_HINT}"
    return text if len(text) <= MAX_ERROR_CHARS else text[: MAX_ERROR_CHARS - 1] + "…"


def no_synthesis_note(processed) -> str | None:
    """``"no nanomaterial synthesis: <why>"`` for a document without recipes whose pipeline gave a reason (the
    shipped pipeline's reasons already start with the prefix; it is added only to reasons that lack it)."""
    reason = getattr(processed, "no_synthesis_reason", None)
    if not reason or processed.recipes:
        return None
    return (reason if reason.startswith(NO_SYNTHESIS) else f"{NO_SYNTHESIS}: {reason}")[:MAX_ERROR_CHARS]


def read_document(path: str) -> bytes:
    """The bytes of a regular file; a file swapped for a named pipe or device since discovery is refused unread.

    Raises
    ------
    ReaderError
        When ``path`` is not a regular file.
    OSError
        When it cannot be opened or read.
    """
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))  # opening a pipe must not block
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
            raise ReaderError(f"not a regular file: {path}; only regular files are read")
        return fh.read()


def process_task(pipeline: PipelineLike, task: TaskInput, limits: DocumentLimits | None = None,
                 on_stuck=None) -> TaskResult:
    """Run ``pipeline`` on one document; any exception becomes a failed result (one bad paper never stops a job).

    With ``limits``, extraction stops after ``time_limit_s`` (the result says "timed out after N s") and PDF
    streams inflate to at most ``pdf_stream_mb``; ``on_stuck`` is called when the document stays stuck in native
    code past the time limit (see :func:`nanosynth.ingest.deadline.time_limit`).
    """
    started = utcnow()
    t0 = time.perf_counter()
    result = TaskResult(content_hash=task.content_hash, source=task.source, ok=False, started_at=started,
                        worker=worker_name())
    try:
        data = task.data if task.data is not None else read_document(task.path)
        if hashlib.sha256(data).hexdigest() != task.content_hash:
            raise NanosynthError(f"{task.source} changed since the job registered it; run the job again")
        processed = _limited(pipeline, data, task.source, limits, on_stuck)
        result.paper = processed.paper
        result.recipes = list(processed.recipes)
        result.note = no_synthesis_note(processed)
        result.ok = True
    except DocumentTimeout:
        result.error = (f"timed out after {limits.time_limit_s:g} s (per-document time limit; "
                        f"{setting_hint('time_limit_s')} to allow more)")
        log.warning("%s: %s", task.source, result.error)
    except OSError as exc:
        result.error = f"ReaderError: cannot read {task.source}: {exc.strerror or exc}"
    except Exception as exc:  # noqa: BLE001 - recorded per document, the job goes on
        result.error = describe_error(exc)
        if not isinstance(exc, NanosynthError):
            log.warning("unexpected %s on %s (a bug in the pipeline? -vv shows the traceback)",
                        type(exc).__name__, task.source)
            log.debug("traceback for %s:\n%s", task.source, traceback.format_exc())
    result.duration_s = time.perf_counter() - t0
    return result


def _limited(pipeline: PipelineLike, data: bytes, source: str, limits: DocumentLimits | None, on_stuck):
    """``pipeline.process`` under the time limit and the PDF stream bound of ``limits``."""
    if limits is None:
        return pipeline.process(data, source)
    from nanosynth.miner.readers.pdf_limits import stream_limit

    with stream_limit(limits.pdf_stream_bytes), time_limit(limits.time_limit_s, on_stuck):
        return pipeline.process(data, source)


def dask_worker_stats() -> dict:
    """Peak memory and pid of the worker process (run on every worker with ``client.run``)."""
    return {"pid": os.getpid(), "peak_rss_mb": peak_rss_mb()}
