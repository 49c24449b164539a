"""The per-document time limit, enforced in the process that extracts the document.

A watchdog thread raises :class:`DocumentTimeout` in the extracting thread when the limit passes (delivered at
the next Python bytecode, so pure-Python work stops at once). A document stuck inside native code for longer
than a grace period after that cannot be interrupted from Python: ``on_stuck`` is then called (on a Dask worker
it ends the worker process, which its nanny restarts; the driver counts that as an attempt, see
:class:`nanosynth.ingest.executors.DaskExecutor`).
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import threading
from collections.abc import Callable, Iterator

log = logging.getLogger(__name__)


class DocumentTimeout(BaseException):
    """Raised in the extracting thread when its document is over the time limit.

    A ``BaseException`` (like ``KeyboardInterrupt``) so that the pipeline's own ``except Exception`` handlers
    cannot swallow it.
    """


def _raise_in(thread_id: int, exc_type: type[BaseException] | None) -> None:
    """Ask CPython to raise ``exc_type`` in thread ``thread_id`` (None clears a pending one)."""
    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread_id),
                                               ctypes.py_object(exc_type) if exc_type else None)


def grace_s(limit_s: float) -> float:
    """How long a document may stay stuck in native code after its time limit before ``on_stuck`` is called."""
    return max(2.0, min(60.0, limit_s / 2))


@contextlib.contextmanager
def time_limit(seconds: float | None, on_stuck: Callable[[], None] | None = None) -> Iterator[None]:
    """Raise :class:`DocumentTimeout` in the calling thread if the block runs longer than ``seconds``."""
    if seconds is None:
        yield
        return
    target = threading.get_ident()
    lock = threading.Lock()
    state = {"done": False, "fired": False}
    finished = threading.Event()

    def watch() -> None:
        if finished.wait(seconds):
            return
        with lock:
            if state["done"]:
                return
            state["fired"] = True
            _raise_in(target, DocumentTimeout)
        if not finished.wait(grace_s(seconds)):
            log.error("a document is stuck in native code %.0f s past its time limit of %g s", grace_s(seconds),
                      seconds)
            if on_stuck is not None:
                on_stuck()

    watcher = threading.Thread(target=watch, name="nanosynth-document-deadline", daemon=True)
    watcher.start()
    try:
        yield
    finally:
        try:
            with lock:
                state["done"] = True
                if state["fired"]:
                    _raise_in(target, None)  # not delivered yet: drop it, the block is over
        finally:  # runs even when the timeout is delivered just above (it is delivered at most once)
            state["done"] = True
            finished.set()
