"""Bytes → text, in one place: BOM, caller override, declared charset (XML declaration / HTML meta), strict UTF-8.

Policy
------
1. An ``encoding`` given by the caller wins.
2. A byte-order mark (UTF-8, UTF-16, UTF-32) decides next.
3. An encoding declared in the document (``<?xml encoding=...?>``, ``<meta charset=...>``) is used next; for
   HTML, ``iso-8859-1``/``latin-1``/``ascii`` mean ``windows-1252`` (as browsers do).
4. Otherwise the bytes must be valid UTF-8. Non-UTF-8 text without a declaration is **not** guessed: a
   :class:`~nanosynth.schema.errors.ReaderError` says where the first bad byte is and how to fix it (re-save as UTF-8, or
   pass ``encoding=``), because silently mis-decoded chemical names ("Â°C", "Î¼L") poison extraction.
"""

from __future__ import annotations

import codecs
import re

from nanosynth.schema.errors import ReaderError

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_XML_DECL_ENC = re.compile(r"""^\s*<\?xml[^>]*?\bencoding\s*=\s*["']([A-Za-z0-9._:-]+)["']""")
_META_CHARSET = re.compile(r"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.I)
_HTML_LATIN1 = {"iso-8859-1", "iso8859-1", "latin-1", "latin1", "l1", "ascii", "us-ascii", "iso_8859-1"}


def bom_encoding(data: bytes) -> tuple[str | None, int]:
    """Return ``(encoding, bom_length)`` for a byte-order mark at the start of ``data``, else ``(None, 0)``."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            return name, len(bom)
    return None, 0


def sniff_head(data: bytes, size: int = 8192) -> str:
    """Leniently decode the first ``size`` bytes for format detection (never raises).

    Uses the BOM when present, else UTF-8 with replacement characters. Only for ``detect()``; parsing must go
    through :func:`decode_bytes`.
    """
    enc, skip = bom_encoding(data)
    head = data[skip:skip + size]
    return head.decode(enc or "utf-8", errors="replace")


def declared_encoding(head: str) -> str | None:
    """The encoding declared by an XML declaration or an HTML ``<meta charset>``/``http-equiv`` tag, if any."""
    match = _XML_DECL_ENC.search(head)
    if match:
        return match.group(1)
    match = _META_CHARSET.search(head[:4096])
    if match:
        return match.group(1)
    return None


def _describe(data: bytes, pos: int) -> str:
    return f"byte 0x{data[pos]:02x} at offset {pos}" if 0 <= pos < len(data) else f"offset {pos}"


def decode_bytes(data: bytes, *, what: str = "text", encoding: str | None = None, markup: str | None = None) -> str:
    """Decode document bytes to ``str`` following the module policy; normalise newlines to ``\\n``.

    Parameters
    ----------
    data:
        Raw bytes.
    what:
        Name of the content for messages ("HTML", "XML", "text file").
    encoding:
        Encoding given by the caller; overrides everything else.
    markup:
        ``"xml"`` or ``"html"`` to honour an encoding declared in the document; ``None`` for plain text.

    Raises
    ------
    ReaderError
        Unknown encoding name, or bytes that do not decode (non-UTF-8 text without a declaration).
    """
    source = "given"
    enc, skip = (encoding, 0) if encoding else bom_encoding(data)
    if enc and not encoding:
        source = "byte-order mark"
    if enc is None and markup:
        declared = declared_encoding(sniff_head(data, 2048))
        if declared:
            enc, source = declared.lower(), f"declared in the {what}"
            if markup == "html" and enc in _HTML_LATIN1:
                enc = "windows-1252"
            if enc.replace("_", "-") in {"utf-16", "utf-32"}:
                # A declaration says UTF-16 but there is no BOM: only sensible if the bytes really are
                # UTF-8/ASCII (files re-saved without updating the declaration).
                enc = "utf-8"
    if enc is None:
        enc, source = "utf-8", "default"
    try:
        codecs.lookup(enc)
    except LookupError as exc:
        raise ReaderError(f"{what} declares unknown encoding {enc!r} ({source}); fix the declaration or re-save "
                          f"the file as UTF-8 (e.g. `iconv -f <its encoding> -t utf-8 in > out`)") from exc
    try:
        text = data[skip:].decode(enc)
    except UnicodeDecodeError as exc:
        where = _describe(data, skip + exc.start)
        if source == "default":
            raise ReaderError(
                f"{what} is not valid UTF-8 ({where}) and declares no encoding; it is probably Latin-1/"
                f"Windows-1252 or another legacy encoding. Re-save it as UTF-8 (e.g. `iconv -f latin1 -t utf-8 in "
                f"> out`) and read the converted file"
            ) from exc
        raise ReaderError(f"{what} does not decode as {enc} ({source}): {where}. Fix the declared encoding or "
                          f"re-save the file as UTF-8 (e.g. `iconv -f <its encoding> -t utf-8 in > out`)") from exc
    if text.startswith("\ufeff"):
        text = text[1:]
    return text.replace("\r\n", "\n").replace("\r", "\n")


def looks_binary(data: bytes, size: int = 4096) -> bool:
    """True when the head of ``data`` looks like binary data rather than text in some encoding.

    NUL bytes (outside UTF-16/32 with BOM) or more than 10 % control characters mean binary; bytes ≥ 0x80 do
    not (they may be legacy-encoded text, which :func:`decode_bytes` reports separately).
    """
    enc, skip = bom_encoding(data)
    if enc and enc != "utf-8":
        return False
    head = data[skip:skip + size]
    if not head:
        return False
    if b"\x00" in head:
        return True
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13))
    return controls / len(head) > 0.10
