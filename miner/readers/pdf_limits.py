"""A memory bound on PDF stream decompression: a decompression bomb is refused, not inflated.

pdfminer inflates a stream in one call (``zlib.decompress``), so a 200 KB FlateDecode stream of zeros becomes
200 MB in memory (more while it is copied). While :func:`stream_limit` is active, pdfminer's Flate, LZW and
RunLength decoders are replaced by bounded ones that stop as soon as one stream's output would exceed the limit
and raise :class:`PdfStreamTooLarge`. The bounded decoders are installed in pdfminer once, on the first PDF read
(never at import); outside :func:`stream_limit` they behave exactly like pdfminer's own.
"""

from __future__ import annotations

import contextlib
import threading
import types
import zlib
from collections.abc import Iterator
from contextvars import ContextVar

#: Largest inflated size of one stream when no limit was set (``[ingest] pdf_stream_mb`` sets it in ingestion).
DEFAULT_STREAM_LIMIT = 128 * 1024 * 1024
_CHUNK = 1 << 20

_limit: ContextVar[int | None] = ContextVar("nanosynth_pdf_stream_limit", default=None)
_install_lock = threading.Lock()


class PdfStreamTooLarge(Exception):
    """A PDF stream inflates to more than the limit (a decompression bomb)."""

    def __init__(self, limit: int):
        super().__init__(f"a PDF stream inflates to more than {limit / (1024 * 1024):g} MB")
        self.limit = limit


@contextlib.contextmanager
def stream_limit(limit_bytes: int | None = DEFAULT_STREAM_LIMIT) -> Iterator[None]:
    """Bound the inflated size of every PDF stream decoded in this context (thread/task local)."""
    install()
    token = _limit.set(limit_bytes)
    try:
        yield
    finally:
        _limit.reset(token)


def current_limit() -> int | None:
    return _limit.get()


def bounded_inflate(data: bytes, limit: int) -> bytes:
    """``zlib.decompress(data)`` that raises :class:`PdfStreamTooLarge` instead of producing over ``limit`` bytes.

    Raises ``zlib.error`` on invalid or truncated data, like ``zlib.decompress``.
    """
    inflater = zlib.decompressobj()
    pieces, size = [], 0
    while data:  # in pieces, so that a bomb is stopped holding at most ``limit`` bytes
        piece = inflater.decompress(data, _CHUNK)
        size += len(piece)
        if size > limit:
            raise PdfStreamTooLarge(limit)
        pieces.append(piece)
        data = inflater.unconsumed_tail
    if not inflater.eof:
        raise zlib.error("Error -5 while decompressing data: incomplete or truncated stream")
    return b"".join(pieces)


class _BoundedInflater:
    """``zlib.decompressobj()`` counting its output (pdfminer's byte-by-byte repair of corrupt streams)."""

    def __init__(self, limit: int):
        self._inflater = zlib.decompressobj()
        self._limit = limit
        self._produced = 0

    def decompress(self, data: bytes, max_length: int = 0) -> bytes:
        out = self._inflater.decompress(data, max_length or self._limit + 1 - self._produced)
        self._produced += len(out)
        if self._produced > self._limit or self._inflater.unconsumed_tail:
            raise PdfStreamTooLarge(self._limit)
        return out

    def __getattr__(self, name: str):
        return getattr(self._inflater, name)


def _zlib_shim() -> types.SimpleNamespace:
    def decompress(data: bytes, *args, **kwargs) -> bytes:
        limit = _limit.get()
        return zlib.decompress(data, *args, **kwargs) if limit is None else bounded_inflate(data, limit)

    def decompressobj(*args, **kwargs):
        limit = _limit.get()
        return zlib.decompressobj(*args, **kwargs) if limit is None or args or kwargs else _BoundedInflater(limit)

    return types.SimpleNamespace(decompress=decompress, decompressobj=decompressobj, error=zlib.error)


def _bounded_lzw(original):
    def lzwdecode(data: bytes) -> bytes:
        limit = _limit.get()
        if limit is None:
            return original(data)
        from io import BytesIO

        from pdfminer.lzw import LZWDecoder

        out, size = [], 0
        for piece in LZWDecoder(BytesIO(data)).run():
            size += len(piece)
            if size > limit:
                raise PdfStreamTooLarge(limit)
            out.append(piece)
        return b"".join(out)

    return lzwdecode


def runlength_size(data: bytes) -> int:
    """Decoded size of RunLength data (PDF 7.4.5), computed without decoding it."""
    size, i, n = 0, 0, len(data)
    while i < n and data[i] != 128:
        length = data[i]
        size += length + 1 if length < 128 else 257 - length
        i += length + 2 if length < 128 else 2
    return size


def _bounded_rl(original):
    def rldecode(data: bytes) -> bytes:
        limit = _limit.get()
        if limit is not None and runlength_size(data) > limit:
            raise PdfStreamTooLarge(limit)
        return original(data)

    return rldecode


def install() -> None:
    """Put the bounded decoders into pdfminer (once per process; they read the limit of the current context)."""
    from pdfminer import pdftypes

    with _install_lock:
        if getattr(pdftypes, "_nanosynth_bounded", False):
            return
        pdftypes.zlib = _zlib_shim()
        pdftypes.lzwdecode = _bounded_lzw(pdftypes.lzwdecode)
        pdftypes.rldecode = _bounded_rl(pdftypes.rldecode)
        pdftypes._nanosynth_bounded = True
