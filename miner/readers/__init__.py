"""Paper readers: bytes in → :class:`miner.document.Document` (metadata, sections, ordered paragraphs, offsets).

Use :func:`read_document` (or :func:`read_path`); the format is chosen by content sniffing with an explicit
priority (:data:`READER_PRIORITY`): PDF, Elsevier XML, JATS XML, ACS HTML, RSC HTML, Springer Nature HTML,
Wiley HTML, generic HTML, Markdown, plain text. Every failure is a :class:`schema.errors.ReaderError` whose message says why and what to do.
The optional ChemDataExtractor adapter lives in :mod:`miner.readers.cde` and is not imported here.
"""

from miner.document import Block, DocParagraph, DocSection, Document
from miner.readers.acs import AcsHtmlReader
from miner.readers.base import Reader, ReaderOptions
from miner.readers.elsevier import ElsevierXmlReader
from miner.readers.html import GenericHtmlReader
from miner.readers.jats import JatsXmlReader
from miner.readers.pdf import GenericPdfReader
from miner.readers.registry import READER_PRIORITY, default_readers, detect_reader, read_document, read_path
from miner.readers.rsc import RscHtmlReader
from miner.readers.springer import SpringerNatureHtmlReader
from miner.readers.text import MarkdownTextReader, PlainTextReader
from miner.readers.wiley import WileyHtmlReader

__all__ = [
    "AcsHtmlReader",
    "Block",
    "DocParagraph",
    "DocSection",
    "Document",
    "ElsevierXmlReader",
    "GenericHtmlReader",
    "GenericPdfReader",
    "JatsXmlReader",
    "MarkdownTextReader",
    "PlainTextReader",
    "READER_PRIORITY",
    "Reader",
    "ReaderOptions",
    "RscHtmlReader",
    "SpringerNatureHtmlReader",
    "WileyHtmlReader",
    "default_readers",
    "detect_reader",
    "read_document",
    "read_path",
]
