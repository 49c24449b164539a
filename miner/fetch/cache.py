"""An on-disk cache of successful HTTP responses (body + small JSON metadata), written atomically."""

from __future__ import annotations

import json
import logging
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from nanosynth.artifacts import sha256_bytes, sha256_text

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CachedResponse:
    """A response read back from the cache."""

    url: str
    status: int
    content_type: str | None
    content: bytes
    fetched_at: float


class ResponseCache:
    """Responses stored under ``directory/http/<aa>/<sha256>.{body,json}``.

    Parameters
    ----------
    directory:
        Cache root (``Settings.cache_dir``). Created on the first write, not in the constructor.
    ttl_s:
        Entries older than this are ignored (``None``: keep forever; published papers do not change).
    """

    def __init__(self, directory: Path, ttl_s: float | None = None):
        self.directory = Path(directory)
        self.ttl_s = ttl_s

    @staticmethod
    def key(method: str, url: str, accept: str | None = None) -> str:
        """Cache key of a request (``url`` must already be stripped of secrets)."""
        return sha256_text(f"{method.upper()} {url} accept={accept or ''}")

    def _paths(self, key: str) -> tuple[Path, Path]:
        base = self.directory / "http" / key[:2] / key
        return base.with_suffix(".body"), base.with_suffix(".json")

    def get(self, key: str) -> CachedResponse | None:
        """The cached response for ``key`` or None (missing, expired or unreadable entries count as misses)."""
        body_path, meta_path = self._paths(key)
        try:
            meta = json.loads(meta_path.read_text())
            content = body_path.read_bytes()
        except (OSError, ValueError):
            return None
        if self.ttl_s is not None and time.time() - float(meta.get("fetched_at", 0)) > self.ttl_s:
            return None
        if sha256_bytes(content) != meta.get("sha256"):
            log.warning("cache entry %s is corrupt; fetching again", key[:12])
            return None
        return CachedResponse(url=meta["url"], status=int(meta["status"]), content_type=meta.get("content_type"),
                              content=content, fetched_at=float(meta["fetched_at"]))

    def put(self, key: str, url: str, status: int, content_type: str | None, content: bytes) -> None:
        """Store a response; ``url`` is recorded as given, so pass it redacted."""
        body_path, meta_path = self._paths(key)
        body_path.parent.mkdir(parents=True, exist_ok=True)
        meta = {"url": url, "status": status, "content_type": content_type, "fetched_at": time.time(),
                "sha256": sha256_bytes(content), "bytes": len(content)}
        _atomic_write(body_path, content)
        _atomic_write(meta_path, json.dumps(meta, indent=1).encode())


def _atomic_write(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
