"""Paper readers: bytes in → :class:`nanosynth.miner.document.Document` (metadata, sections, ordered paragraphs, offsets).

Use :func:`read_document` (or :func:`read_path`); the format is chosen by content sniffing with an explicit
priority (:data:`READER_PRIORITY`): PDF, Elsevier XML, JATS XML, ACS HTML, RSC HTML, Springer Nature HTML,
Wiley HTML, generic HTML, Markdown, plain text. Every failure is a :class:`nanosynth.schema.errors.ReaderError` whose message says why and what to do.
The optional ChemDataExtractor adapter lives in :mod:`nanosynth.miner.readers.cde` and is not imported here.
"""

from nanosynth.miner.document import Block, DocParagraph, DocSection, Document
from nanosynth.miner.readers.acs import AcsHtmlReader
from nanosynth.miner.readers.base import Reader, ReaderOptions
from nanosynth.miner.readers.elsevier import ElsevierXmlReader
from nanosynth.miner.readers.html import GenericHtmlReader
from nanosynth.miner.readers.jats import JatsXmlReader
from nanosynth.miner.readers.pdf import GenericPdfReader
from nanosynth.miner.readers.registry import READER_PRIORITY, default_readers, detect_reader, read_document, read_path
from nanosynth.miner.readers.rsc import RscHtmlReader
from nanosynth.miner.readers.springer import SpringerNatureHtmlReader
from nanosynth.miner.readers.text import MarkdownTextReader, PlainTextReader
from nanosynth.miner.readers.wiley import WileyHtmlReader

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
