"""A per-host rate limit: at most one request per ``interval`` seconds to each host (thread-safe)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping


class HostRateLimiter:
    """Spaces requests to the same host by a minimum interval.

    Parameters
    ----------
    default_interval_s:
        Minimum seconds between two requests to one host.
    host_intervals:
        Per-host overrides, e.g. ``{"export.arxiv.org": 3.0}`` (arXiv asks for one request every 3 s).
    clock, sleep:
        Injectable for tests.
    """

    def __init__(self, default_interval_s: float = 0.2, host_intervals: Mapping[str, float] | None = None,
                 clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep):
        self.default_interval_s = default_interval_s
        self.host_intervals = dict(host_intervals or {})
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._next_allowed: dict[str, float] = {}

    def interval(self, host: str) -> float:
        """The configured interval of ``host``."""
        return self.host_intervals.get(host, self.default_interval_s)

    def acquire(self, host: str) -> float:
        """Block until a request to ``host`` is allowed; return the seconds waited."""
        with self._lock:
            now = self._clock()
            start = max(now, self._next_allowed.get(host, now))
            self._next_allowed[host] = start + self.interval(host)
        wait = start - now
        if wait > 0:
            self._sleep(wait)
        return max(wait, 0.0)

    def defer(self, host: str, seconds: float) -> None:
        """Push the next allowed request to ``host`` at least ``seconds`` into the future (after a 429)."""
        with self._lock:
            until = self._clock() + seconds
            self._next_allowed[host] = max(self._next_allowed.get(host, 0.0), until)
