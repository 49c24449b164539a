"""The reader protocol and the options every reader accepts."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

from nanosynth.artifacts import sha256_bytes
from nanosynth.miner.document import Document


class ReaderOptions(BaseModel):
    """Options passed to every reader (frozen; readers ignore the ones that do not apply).

    Attributes
    ----------
    encoding:
        Text encoding to use instead of BOM/declaration/UTF-8 (text, HTML, XML).
    max_pages:
        Read at most this many PDF pages (a warning is recorded when the cap cuts the document).
    password:
        Password of an encrypted PDF.
    allow_truncated:
        Accept a PDF without its ``%%EOF`` trailer (pages that can be recovered are read, with a warning).
    keep_references:
        Keep the reference list instead of cutting it off (as a section "References").
    """

    model_config = ConfigDict(frozen=True)

    encoding: str | None = None
    max_pages: int | None = Field(default=None, ge=1)
    password: str = ""
    allow_truncated: bool = False
    keep_references: bool = False


class Reader(ABC):
    """Base class of the readers: a cheap :meth:`detect` on the raw bytes and a :meth:`parse` to a Document.

    Subclasses set ``source_format`` (a :class:`nanosynth.schema.enums.PaperSource` value). Constructors do no I/O.

    Parameters
    ----------
    options:
        Reader options; defaults when omitted.
    """

    source_format: ClassVar[str]

    def __init__(self, options: ReaderOptions | None = None) -> None:
        self.options = options or ReaderOptions()

    @property
    def name(self) -> str:
        """The reader's class name, recorded in :attr:`Document.reader`."""
        return type(self).__name__

    @abstractmethod
    def detect(self, data: bytes, filename: str | None = None) -> bool:
        """True when this reader can read ``data``; must be cheap (looks at the first few kB) and never raise."""

    @abstractmethod
    def parse(self, data: bytes, filename: str | None = None) -> Document:
        """Read ``data`` into a :class:`Document`.

        Raises
        ------
        schema.errors.ReaderError
            The data cannot be read; the message says why and what to do.
        """

    def _meta(self, data: bytes, filename: str | None) -> dict:
        """Metadata every reader sets on the Document."""
        return {"reader": self.name, "filename": filename, "source_format": self.source_format,
                "content_sha256": sha256_bytes(data)}
