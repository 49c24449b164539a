"""Reader selection by explicit priority: content sniffing decides, the file extension only breaks ties."""

from __future__ import annotations

import logging
import re
from pathlib import Path

from nanosynth.miner.document import Document
from nanosynth.miner.readers.acs import AcsHtmlReader
from nanosynth.miner.readers.base import Reader, ReaderOptions
from nanosynth.miner.readers.decoding import sniff_head
from nanosynth.miner.readers.elsevier import ElsevierXmlReader
from nanosynth.miner.readers.html import GenericHtmlReader
from nanosynth.miner.readers.jats import JatsXmlReader
from nanosynth.miner.readers.pdf import GenericPdfReader
from nanosynth.miner.readers.rsc import RscHtmlReader
from nanosynth.miner.readers.springer import SpringerNatureHtmlReader
from nanosynth.miner.readers.text import MarkdownTextReader, PlainTextReader, starts_like_xml
from nanosynth.miner.readers.wiley import WileyHtmlReader
from nanosynth.schema.errors import ReaderError

logger = logging.getLogger(__name__)

#: Reader classes in the order their ``detect()`` is tried (most specific first). The first match reads.
READER_PRIORITY: tuple[type[Reader], ...] = (
    GenericPdfReader,
    ElsevierXmlReader,
    JatsXmlReader,
    AcsHtmlReader,
    RscHtmlReader,
    SpringerNatureHtmlReader,
    WileyHtmlReader,
    GenericHtmlReader,
    MarkdownTextReader,
    PlainTextReader,
)

_EXTENSIONS = {
    ".pdf": "PDF", ".xml": "XML", ".nxml": "XML", ".html": "HTML", ".htm": "HTML", ".xhtml": "HTML",
    ".txt": "text", ".text": "text", ".md": "Markdown", ".markdown": "Markdown",
}


def default_readers(options: ReaderOptions | None = None) -> list[Reader]:
    """Instances of every built-in reader in priority order, sharing ``options``."""
    return [cls(options) for cls in READER_PRIORITY]


def detect_reader(data: bytes, filename: str | None = None, readers: list[Reader] | None = None) -> Reader:
    """The first reader (in priority order) whose ``detect()`` accepts ``data``.

    Content wins over the extension: a ``.pdf`` file holding HTML is read as HTML. Markup is never read as plain
    text, and markup that declares itself XML (``<?xml`` or a ``.xml`` name, root not ``<html>``) must be
    well-formed even when the lenient HTML fallback would accept it.

    Raises
    ------
    ReaderError
        Empty data; malformed XML (with lxml's message, line and column); well-formed XML of an unsupported
        vocabulary; or content no reader recognises.
    """
    _check_not_empty(data, filename)
    for reader in readers if readers is not None else default_readers():
        try:
            detected = reader.detect(data, filename)
        except Exception:  # a detect() must never break selection
            logger.exception("detect() of %s failed", reader.name)
            continue
        if detected:
            if type(reader) is GenericHtmlReader and _declared_xml(data, filename):
                _check_well_formed(data, filename)
            return reader
    if starts_like_xml(data):
        _raise_for_unread_xml(data, filename)
    head = data[:16]
    raise ReaderError(
        f"unrecognised format for {filename or 'input'} (starts with {head!r}): not a PDF, publisher XML/HTML, or "
        f"text. Supported: PDF, Elsevier XML, JATS XML, ACS/RSC/Springer Nature/Wiley/generic HTML, UTF-8 text "
        f"and Markdown"
    )


_XML_SUFFIXES = (".xml", ".nxml")
_FIRST_ELEMENT = re.compile(r"<([A-Za-z_][\w.:-]*)")


def _declared_xml(data: bytes, filename: str | None) -> bool:
    """Markup that says it is XML (``<?xml`` declaration or ``.xml`` name) and whose root is not ``<html>``.

    The lenient HTML fallback must not paper over such files when they are malformed.
    """
    if not starts_like_xml(data):
        return False
    head = sniff_head(data, 4096).lstrip()
    if not (head.startswith("<?xml") or (filename and filename.lower().endswith(_XML_SUFFIXES))):
        return False
    first = _FIRST_ELEMENT.search(re.sub(r"<!--.*?-->|<![^>]*>|<\?.*?\?>", "", head, flags=re.S))
    return bool(first) and first.group(1).lower() != "html"


def _check_well_formed(data: bytes, filename: str | None) -> None:
    from nanosynth.miner.readers.xmlsafe import parse_xml

    parse_xml(data, what=f"XML in {filename or 'input'}")  # raises ReaderError("malformed XML ...")


def _raise_for_unread_xml(data: bytes, filename: str | None) -> None:
    """Explain why markup no reader accepted cannot be read: malformed XML (lxml's message) or an unknown root."""
    from nanosynth.miner.readers.xmlsafe import local, parse_xml

    root, _ = parse_xml(data, what=f"XML in {filename or 'input'}")  # raises ReaderError("malformed XML ...")
    raise ReaderError(
        f"{filename or 'input'} is well-formed XML with root element <{local(root.tag)}>, but not a supported "
        f"publisher format (Elsevier XML, JATS <article> with <front>, or HTML); convert it to one of these or "
        f"to plain text")


def _check_not_empty(data: bytes, filename: str | None) -> None:
    if not isinstance(data, bytes | bytearray | memoryview):
        raise ReaderError(f"read_document needs bytes, got {type(data).__name__}; open the file in binary mode")
    if len(data) == 0:
        raise ReaderError(f"{filename or 'input'} is empty (0 bytes); nothing to read — check the download/export")
    if not bytes(data[:65536]).strip(b" \t\r\n\x00\x0c"):
        raise ReaderError(f"{filename or 'input'} contains only whitespace; nothing to read")


def read_document(data: bytes, filename: str | None = None, *, encoding: str | None = None,
                  max_pages: int | None = None, password: str = "", allow_truncated: bool = False,
                  keep_references: bool = False, readers: list[Reader] | None = None) -> Document:
    """Read a paper from bytes into a :class:`~nanosynth.miner.document.Document`.

    Parameters
    ----------
    data:
        The file content.
    filename:
        Name of the file (recorded; used only to break ties, e.g. ``.md`` → Markdown).
    encoding, max_pages, password, allow_truncated, keep_references:
        See :class:`~nanosynth.miner.readers.base.ReaderOptions`.
    readers:
        Custom reader instances in priority order (default: :data:`READER_PRIORITY`).

    Returns
    -------
    Document

    Raises
    ------
    ReaderError
        With a reason: empty, unrecognised, corrupt, encrypted, scanned (no text layer), malformed XML, external
        entities, no body, non-UTF-8 text ...

    Examples
    --------
    >>> from nanosynth.miner.readers import read_document
    >>> doc = read_document(b"# CdSe\\n\\nCdO and oleic acid were heated to 280 C.", "notes.md")
    >>> [p.text for p in doc.body]
    ['CdO and oleic acid were heated to 280 C.']
    """
    data = bytes(data)
    options = ReaderOptions(encoding=encoding, max_pages=max_pages, password=password,
                            allow_truncated=allow_truncated, keep_references=keep_references)
    reader = detect_reader(data, filename, readers if readers is not None else default_readers(options))
    try:
        doc = reader.parse(data, filename)
    except ReaderError:
        raise
    except RecursionError as exc:
        raise ReaderError(f"{filename or 'input'} is nested too deeply to read ({reader.name})") from exc
    except Exception as exc:  # last line of defence: never crash an ingestion job on one bad file
        logger.exception("%s failed on %s", reader.name, filename)
        raise ReaderError(f"{reader.name} failed on {filename or 'input'} ({type(exc).__name__}: {exc}); please "
                          f"report this file") from exc
    expected = _EXTENSIONS.get(Path(filename).suffix.lower()) if filename else None
    if expected and not _format_matches(expected, reader):
        doc.warnings.append(f"file extension says {expected} but the content was read by {reader.name}")
        logger.info("%s: extension says %s, content read by %s", filename, expected, reader.name)
    return doc


def _format_matches(expected: str, reader: Reader) -> bool:
    name = reader.name.lower()
    return {"PDF": "pdf", "XML": "xml", "HTML": "html", "text": "text", "Markdown": "text"}[expected] in name


def read_path(path: str | Path, **kwargs) -> Document:
    """Read a file from disk with :func:`read_document` (keyword options are passed on).

    Raises
    ------
    ReaderError
        The file does not exist or cannot be opened, or any reading error.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ReaderError(f"cannot open {path}: {exc.strerror or exc}") from exc
    return read_document(data, path.name, **kwargs)
