"""Hardened lxml parsing: no external entities, no DTD loading, no network, no huge trees.

Every XML/HTML reader parses through :func:`parse_xml` / :func:`parse_html`. External entity declarations
(``<!ENTITY x SYSTEM "file:///etc/passwd">``) are refused with a :class:`~nanosynth.schema.errors.ReaderError`; the parser is
in any case configured never to resolve entities, load DTDs or touch the network. The one exception: external
*parameter* entities that the DOCTYPE declares but never references (``<!ENTITY % article SYSTEM "...dtd">``
with no ``%article;``, as in Springer Nature API answers) are removed unread before parsing, with a warning.
"""

from __future__ import annotations

import logging
import re

from lxml import etree, html

from nanosynth.miner.readers.decoding import decode_bytes
from nanosynth.schema.errors import ReaderError

logger = logging.getLogger(__name__)

_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>")
_EXTERNAL_ENTITY = re.compile(r"<!ENTITY\s+(%\s*)?([\w.:-]+)\s+(SYSTEM|PUBLIC)\b", re.I)
_ANY_ENTITY = re.compile(r"<!ENTITY\s", re.I)
_LITERAL = r"(?:\"[^\"]*\"|'[^']*')"
#: A whole external parameter entity declaration: ``<!ENTITY % name SYSTEM "uri">`` / ``PUBLIC "id" "uri"``.
_EXTERNAL_PARAMETER_DECL = re.compile(
    rf"<!ENTITY\s+%\s*([\w.:-]+)\s+(?:SYSTEM\s+{_LITERAL}|PUBLIC\s+{_LITERAL}\s+{_LITERAL})\s*>", re.I)


def xml_parser() -> etree.XMLParser:
    """A new hardened XML parser (entities kept unresolved, no DTD, no network, comments/PIs dropped)."""
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
                           huge_tree=False, remove_comments=True, remove_pis=True, recover=False)


def html_parser() -> html.HTMLParser:
    """A new HTML parser that does not touch the network and drops comments, PIs and ``<script>``/``<style>``."""
    return html.HTMLParser(no_network=True, remove_comments=True, remove_pis=True, remove_blank_text=False)


def _prolog(text: str) -> str:
    """The part of the document before the root element (where a DOCTYPE internal subset lives)."""
    match = re.search(r"<(?![?!])[A-Za-z_]", text)
    return text[: match.start()] if match else text


def parse_xml(data: bytes, *, what: str = "XML", encoding: str | None = None) -> tuple[etree._Element, list[str]]:
    """Decode and parse XML safely.

    Returns
    -------
    (root, warnings)
        The root element and non-fatal warnings (e.g. internal entity references left unexpanded).

    Raises
    ------
    ReaderError
        Undecodable bytes, external entity declarations (never resolved), or malformed XML (with line/column).
    """
    text = decode_bytes(data, what=what, encoding=encoding, markup="xml")
    text, warnings = _drop_unused_parameter_entities(text)
    prolog = _prolog(text)
    external = _EXTERNAL_ENTITY.search(prolog)
    if external:
        raise ReaderError(
            f"{what} declares the external entity {external.group(2)!r} ({external.group(3).upper()}); external "
            f"entities are never resolved for safety. Remove the <!ENTITY ...> declarations from the DOCTYPE and "
            f"retry"
        )
    if _ANY_ENTITY.search(prolog):
        warnings.append("internal <!ENTITY> declarations were not expanded (entity references dropped)")
    text = _XML_DECL.sub("", text, count=1)
    try:
        root = etree.fromstring(text, parser=xml_parser())
    except etree.XMLSyntaxError as exc:
        raise ReaderError(f"malformed {what}: {exc.msg} (line {exc.lineno}, column {exc.offset}); the file is "
                          f"truncated or not well-formed — fetch it again or check it with `xmllint`") from exc
    except ValueError as exc:
        raise ReaderError(f"cannot parse {what}: {exc}") from exc
    if root is None:
        raise ReaderError(f"{what} has no root element")
    return root, warnings


def _drop_unused_parameter_entities(text: str) -> tuple[str, list[str]]:
    """Remove external parameter entity declarations the DOCTYPE never references (``%name;``), unread.

    A parameter entity is only ever expanded where ``%name;`` appears in the DTD, so an unreferenced declaration
    is inert; removing it before parsing guarantees that no parser setting could make lxml load it. Referenced
    ones, and general external entities, are left for :func:`parse_xml` to refuse.
    """
    prolog = _prolog(text)
    rest = text[len(prolog):]
    unused = [m for m in _EXTERNAL_PARAMETER_DECL.finditer(prolog)
              if not re.search(rf"%\s*{re.escape(m.group(1))}\s*;", prolog)]
    if not unused:
        return text, []
    for match in reversed(unused):
        prolog = prolog[:match.start()] + prolog[match.end():]
    names = ", ".join(f"%{m.group(1)}" for m in unused)
    logger.debug("ignored unused external parameter entities %s", names)
    return prolog + rest, [
        f"external parameter entities declared but never used were ignored, not loaded: {names}"]


def parse_html(data: bytes, *, encoding: str | None = None) -> etree._Element:
    """Decode and parse HTML (lenient, like a browser) with :func:`html_parser`.

    Raises
    ------
    ReaderError
        Undecodable bytes or a document with no element content.
    """
    text = decode_bytes(data, what="HTML", encoding=encoding, markup="html")
    text = _XML_DECL.sub("", text, count=1)
    if not text.strip():
        raise ReaderError("HTML file contains only whitespace")
    try:
        root = html.document_fromstring(text, parser=html_parser())
    except (etree.ParserError, ValueError) as exc:
        raise ReaderError(f"cannot parse HTML: {exc}; the file may be empty or not HTML") from exc
    for bad in root.xpath("//script|//style|//noscript|//template"):
        bad.drop_tree()
    return root


def local(tag: object) -> str:
    """Local name of an element tag ("{ns}para" → "para"); "" for comments/PIs/entities."""
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1]
