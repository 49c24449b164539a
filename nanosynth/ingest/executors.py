"""Where documents are processed: in the calling process, on a local Dask cluster, or on an existing one."""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import logging
import uuid
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path

from nanosynth.ingest.limits import DocumentLimits, setting_hint
from nanosynth.ingest.protocol import PipelineFactory, PipelineLike
from nanosynth.ingest.tasks import (
    TaskInput,
    TaskResult,
    dask_worker_stats,
    peak_rss_mb,
    process_task,
    worker_name,
)
from nanosynth.schema.errors import ConfigError

log = logging.getLogger(__name__)

#: Prefix of the Dask worker-plugin name that holds the pipeline (followed by the pipeline version).
PLUGIN_PREFIX = "nanosynth-pipeline"

def _after_worker_death(chunk: list[TaskInput], exc: BaseException, attempts: Counter[str],
                        retry_alone: list[TaskInput], max_attempts: int) -> list[TaskResult]:
    """A dying worker takes every task it holds with it: queue its documents to be retried alone (up to
    ``max_attempts`` attempts in all) so that only the culprit fails; returns the failures of the documents out of
    attempts."""
    for t in chunk:
        attempts[t.content_hash] += 1
    retry = [t for t in chunk if attempts[t.content_hash] < max_attempts]
    retry_alone.extend(retry)
    if retry:
        log.warning("a worker died holding %d document(s) (%s); retrying them one by one",
                    len(chunk), type(exc).__name__)
    return [_worker_failure(t, exc, attempts[t.content_hash]) for t in chunk if t not in retry]


def _worker_failure(task: TaskInput, exc: BaseException, attempts: int) -> TaskResult:
    """The recorded failure says what happened to the document, not the cluster's message (task keys, worker
    addresses: ``-v`` logs it)."""
    log.info("%s: the cluster reported %s: %s", task.source, type(exc).__name__, exc)
    return TaskResult(content_hash=task.content_hash, source=task.source, ok=False,
                      error=f"worker failure ({type(exc).__name__}): gave up after {attempts} attempts: the worker "
                            f"process extracting it died each time (the document crashes, hangs or exhausts the "
                            f"memory of the worker); {setting_hint('max_attempts')} to try more")


class InlineExecutor:
    """Process documents one after the other in this process (``--workers 1``)."""

    workers = 1

    def __init__(self, pipeline: PipelineLike, limits: DocumentLimits | None = None):
        self.pipeline = pipeline
        self.limits = limits

    def start(self) -> None:
        """Load the models (once)."""
        self.pipeline.initialize()

    def map_unordered(self, tasks: Iterable[TaskInput]) -> Iterator[TaskResult]:
        for task in tasks:
            yield process_task(self.pipeline, task, self.limits)

    def worker_memory(self) -> dict[str, float]:
        return {worker_name(): round(peak_rss_mb(), 1)}

    def close(self) -> None:
        pass


class DaskExecutor:
    """Process documents on Dask workers, a bounded number in flight, results as they complete.

    Parameters
    ----------
    factory:
        Picklable pipeline factory, run once per worker by :class:`~nanosynth.ingest.tasks.PipelinePlugin`.
    version:
        Pipeline version (names the plugin).
    workers:
        Start a local cluster of this many single-threaded worker processes (loopback only, no dashboard).
    scheduler:
        Address of an existing scheduler (``tcp://host:8786``) instead of a local cluster.
    ship_bytes:
        Send document bytes to the workers instead of paths (needed when workers do not share the file
        system; default: True with ``scheduler``, False with a local cluster).
    in_flight_per_worker:
        Tasks submitted ahead per worker.
    docs_per_task:
        Documents processed by one Dask task (amortizes the per-task overhead; a chunk whose worker dies is
        retried document by document, so only the culprit is recorded as failed).
    limits:
        Per-document limits applied on the workers; ``max_attempts`` caps the attempts of a document whose worker
        dies (a document stuck in native code past its time limit ends its worker).
    database_url:
        Workers write their results to this database themselves (None: results go back to the caller).
    """

    def __init__(self, factory: PipelineFactory, version: str, *, workers: int | None = None,
                 scheduler: str | None = None, ship_bytes: bool | None = None, in_flight_per_worker: int = 3,
                 docs_per_task: int = 4, limits: DocumentLimits | None = None, database_url: str | None = None):
        if (workers is None) == (scheduler is None):
            raise ConfigError("give either a number of local workers or a scheduler address, not both")
        if workers is not None and workers < 1:
            raise ConfigError(f"--workers must be at least 1 (got {workers})")
        self.factory = factory
        self.limits = limits or DocumentLimits()
        self.database_url = database_url
        url_tag = hashlib.sha256((database_url or "").encode()).hexdigest()[:8]
        self.plugin_name = f"{PLUGIN_PREFIX}-{version}-{url_tag}"
        self.n_workers = workers
        self.scheduler = scheduler
        self.ship_bytes = (scheduler is not None) if ship_bytes is None else ship_bytes
        self.in_flight_per_worker = in_flight_per_worker
        self.docs_per_task = max(1, docs_per_task)
        self.cluster = None
        self.client = None

    @property
    def workers(self) -> int:
        if self.client is None:
            return self.n_workers or 0
        return len(self.client.scheduler_info().get("workers", {})) or (self.n_workers or 0)

    def start(self) -> None:
        """Start (or connect to) the cluster and initialize the pipeline on every worker."""
        import logging as _logging

        from distributed import Client, LocalCluster

        from nanosynth.ingest.dask_plugin import PipelinePlugin

        try:
            if self.scheduler is not None:
                self.client = Client(self.scheduler, timeout="30s")
            else:
                import dask

                # our own retry (see map_unordered) isolates a document that kills its worker; Dask's retries
                # would restart workers several more times for it
                with dask.config.set({"distributed.scheduler.allowed-failures": 0}):
                    self.cluster = LocalCluster(n_workers=self.n_workers, threads_per_worker=1, processes=True,
                                                dashboard_address=None, host="127.0.0.1",
                                                silence_logs=_logging.WARNING)
                self.client = Client(self.cluster)
        except (OSError, TimeoutError) as exc:
            self.close()
            where = self.scheduler or "a local cluster"
            raise ConfigError(f"cannot start/connect to Dask at {where}: {exc}. Check the scheduler address "
                              "(tcp://host:8786) and that its workers run the same nanosynth version") from exc
        self.client.register_plugin(PipelinePlugin(self.factory, self.plugin_name, self.database_url),
                                    name=self.plugin_name)
        log.info("Dask ready: %d workers", self.workers)

    def map_unordered(self, tasks: Iterable[TaskInput]) -> Iterator[TaskResult]:
        from distributed import as_completed

        from nanosynth.ingest.dask_plugin import dask_process

        limit = max(2, self.in_flight_per_worker * max(1, self.workers))
        source = iter(tasks)
        pending: dict[str, list[TaskInput]] = {}
        retry_alone: list[TaskInput] = []
        isolated: set[str] = set()
        attempts: Counter[str] = Counter()
        completed = as_completed()

        def load(task: TaskInput) -> TaskInput:
            if self.ship_bytes and task.data is None:
                return dataclasses.replace(task, path=None, data=Path(task.path).read_bytes())
            return task

        def submit(chunk: list[TaskInput]) -> str:
            future = self.client.submit(dask_process, [load(t) for t in chunk], self.plugin_name, self.limits,
                                        pure=False,
                                        key=f"ingest-{chunk[0].content_hash[:12]}-{uuid.uuid4().hex[:8]}")
            pending[future.key] = chunk
            completed.add(future)
            return future.key

        def submit_next() -> bool:
            # a document that was on a dying worker runs alone on the cluster, so that a culprit that kills its
            # worker again takes no innocent document with it
            if retry_alone or isolated:
                if pending:
                    return False
                isolated.add(submit([retry_alone.pop(0)]))
                return True
            chunk = list(itertools.islice(source, self.docs_per_task))
            if not chunk:
                return False
            submit(chunk)
            return True

        while len(pending) < limit and submit_next():
            pass
        for future in completed:
            chunk = pending.pop(future.key)
            isolated.discard(future.key)
            try:
                results = future.result()
            except Exception as exc:  # KilledWorker, CancelledError, a crash in a native library...
                results = _after_worker_death(chunk, exc, attempts, retry_alone, self.limits.max_attempts)
            finally:
                future.release()
            while len(pending) < limit and submit_next():
                pass
            yield from results

    def worker_memory(self) -> dict[str, float]:
        if self.client is None:
            return {}
        stats = self.client.run(dask_worker_stats)
        return {addr: round(s["peak_rss_mb"], 1) for addr, s in stats.items()}

    def close(self) -> None:
        if self.client is not None:
            try:
                if self.scheduler is not None:
                    self.client.unregister_worker_plugin(self.plugin_name)
            except Exception:  # noqa: BLE001 - best effort on a shared cluster
                log.debug("could not unregister plugin %s", self.plugin_name)
            self.client.close()
            self.client = None
        if self.cluster is not None:
            self.cluster.close()
            self.cluster = None
