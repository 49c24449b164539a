"""Dask side of the job: a worker plugin holding the pipeline, and the task run on workers.

Imported only when a Dask executor starts (importing :mod:`distributed` reads Dask's configuration files).
"""

from __future__ import annotations

import dataclasses
import logging
import os
import time

from distributed import WorkerPlugin, get_worker

from nanosynth.ingest.limits import DocumentLimits
from nanosynth.ingest.protocol import PipelineFactory, PipelineLike
from nanosynth.ingest.tasks import TaskInput, TaskResult, process_task, worker_name
from nanosynth.schema.errors import DatabaseError

#: Exit status of a worker that ended itself because a document stayed stuck past its time limit.
STUCK_EXIT_CODE = 70

log = logging.getLogger(__name__)



class PipelinePlugin(WorkerPlugin):
    """A Dask worker plugin that builds and initializes the pipeline once per worker process.

    Parameters
    ----------
    factory:
        Picklable zero-argument callable returning the pipeline.
    name:
        Plugin name (includes the pipeline version so that a new version replaces the old one on a shared cluster).
    database_url:
        The worker opens this database and writes its own results (None: results go back to the driver).
    """

    def __init__(self, factory: PipelineFactory, name: str, database_url: str | None = None):
        self.factory = factory
        self.name = name
        self.database_url = database_url
        self.pipeline: PipelineLike | None = None
        self.engine = None
        self.init_s: float = 0.0

    def setup(self, worker) -> None:
        t0 = time.perf_counter()
        pipeline = self.factory()
        pipeline.initialize()
        self.pipeline = pipeline
        if self.database_url is not None:
            from nanosynth.db.engine import make_engine

            self.engine = make_engine(self.database_url)
        self.init_s = time.perf_counter() - t0
        log.info("pipeline %s initialized on %s in %.1f s", pipeline.version, worker_name(), self.init_s)

    def teardown(self, worker) -> None:
        self.pipeline = None
        if self.engine is not None:
            self.engine.dispose()
            self.engine = None


def _end_stuck_worker() -> None:
    """A document is stuck in native code past its time limit: end this worker (its nanny starts a new one)."""
    log.error("ending worker %s: a document is stuck past its time limit", worker_name())
    os._exit(STUCK_EXIT_CODE)


def dask_process(tasks: list[TaskInput], plugin_name: str, limits: DocumentLimits | None = None) -> list[TaskResult]:
    """The Dask task: process a few documents with the worker's pipeline (see :class:`PipelinePlugin`) and, when
    the plugin has a database, write their results in one transaction.

    Several documents per task amortize Dask's per-task cost (scheduling, messages), which is of the order of
    the extraction time of a short paper. Stored results travel back without their recipes.
    """
    plugin = get_worker().plugins.get(plugin_name)
    if plugin is None or plugin.pipeline is None:
        return [TaskResult(content_hash=t.content_hash, source=t.source, ok=False, worker=worker_name(),
                           error=f"worker failure: the extraction pipeline is not loaded on worker {worker_name()} "
                                 f"(loading it failed: that worker's log says why); fix that, then run the job again "
                                 f"with --retry-failed") for t in tasks]
    results = [process_task(plugin.pipeline, task, limits, on_stuck=_end_stuck_worker) for task in tasks]
    if plugin.engine is None:
        return results
    from nanosynth.ingest.storing import store_results

    try:
        store_results(plugin.engine, list(zip(tasks, results, strict=True)))
    except DatabaseError as exc:  # this worker cannot reach the database: the driver writes these results
        log.warning("worker %s cannot write its results (%s); sending them to the driver", worker_name(), exc)
        return [dataclasses.replace(r, stored=False, recipes_written=0, recipes_existing=0) for r in results]
    return [r.summarized() for r in results]


