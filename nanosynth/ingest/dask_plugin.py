"""Dask side of the job: a worker plugin holding the pipeline, and the task run on workers.

Imported only when a Dask executor starts (importing :mod:`distributed` reads Dask's configuration files).
"""

from __future__ import annotations

import logging
import time

from distributed import WorkerPlugin, get_worker

from nanosynth.ingest.protocol import PipelineFactory, PipelineLike
from nanosynth.ingest.tasks import TaskInput, TaskResult, process_task, worker_name

log = logging.getLogger(__name__)



class PipelinePlugin(WorkerPlugin):
    """A Dask worker plugin that builds and initializes the pipeline once per worker process.

    Parameters
    ----------
    factory:
        Picklable zero-argument callable returning the pipeline.
    name:
        Plugin name (includes the pipeline version so that a new version replaces the old one on a shared cluster).
    """

    def __init__(self, factory: PipelineFactory, name: str):
        self.factory = factory
        self.name = name
        self.pipeline: PipelineLike | None = None
        self.init_s: float = 0.0

    def setup(self, worker) -> None:
        t0 = time.perf_counter()
        pipeline = self.factory()
        pipeline.initialize()
        self.pipeline = pipeline
        self.init_s = time.perf_counter() - t0
        log.info("pipeline %s initialized on %s in %.1f s", pipeline.version, worker_name(), self.init_s)

    def teardown(self, worker) -> None:
        self.pipeline = None


def dask_process(tasks: list[TaskInput], plugin_name: str) -> list[TaskResult]:
    """The Dask task: process a few documents with the worker's pipeline (see :class:`PipelinePlugin`).

    Several documents per task amortize Dask's per-task cost (scheduling, messages), which is of the order of
    the extraction time of a short paper.
    """
    plugin = get_worker().plugins.get(plugin_name)
    if plugin is None or plugin.pipeline is None:
        return [TaskResult(content_hash=t.content_hash, source=t.source, ok=False, worker=worker_name(),
                           error=f"internal error: worker has no pipeline plugin {plugin_name!r}") for t in tasks]
    return [process_task(plugin.pipeline, task) for task in tasks]


