"""Bibliographic metadata of a work (from Crossref or arXiv) and identifier helpers."""

from __future__ import annotations

import re

from pydantic import BaseModel, Field

from nanosynth.schema.doi import find_doi
from nanosynth.schema.errors import FetchError

_ARXIV_NEW = r"\d{4}\.\d{4,5}(?:v\d+)?"
_ARXIV_OLD = r"[a-z\-]+(?:\.[A-Z]{2})?/\d{7}(?:v\d+)?"
_ARXIV_RE = re.compile(
    rf"(?i)(?:arxiv:\s*|arxiv\.org/(?:abs|pdf)/|10\.48550/arxiv\.)({_ARXIV_NEW}|{_ARXIV_OLD})"
)


class FullTextLink(BaseModel):
    """A full-text link announced in a Crossref record (``link`` array)."""

    url: str
    content_type: str | None = None
    intended_application: str | None = None


class WorkMetadata(BaseModel):
    """Metadata of one work.

    Attributes
    ----------
    doi:
        DOI as :func:`nanosynth.schema.doi.normalize_doi` writes it (``None`` for an arXiv preprint without one).
    arxiv_id:
        arXiv identifier when the work is an arXiv preprint.
    source:
        Where the record came from: ``"crossref"`` or ``"arxiv"``.
    """

    doi: str | None = None
    arxiv_id: str | None = None
    title: str | None = None
    journal: str | None = None
    year: int | None = Field(default=None, ge=1800, le=2100)
    authors: list[str] = Field(default_factory=list)
    publisher: str | None = None
    work_type: str | None = None
    license_urls: list[str] = Field(default_factory=list)
    fulltext_links: list[FullTextLink] = Field(default_factory=list)
    source: str = "crossref"

    def citation(self) -> str:
        """A short human-readable citation: ``First Author et al., Journal (Year), doi``."""
        parts = []
        if self.authors:
            parts.append(self.authors[0] + (" et al." if len(self.authors) > 1 else ""))
        if self.title:
            parts.append(self.title)
        venue = self.journal or ("arXiv" if self.arxiv_id else None)
        if venue:
            parts.append(venue + (f" ({self.year})" if self.year else ""))
        ident = f"doi:{self.doi}" if self.doi else (f"arXiv:{self.arxiv_id}" if self.arxiv_id else None)
        if ident:
            parts.append(ident)
        return ", ".join(parts)

    def paper_fields(self) -> dict:
        """Fields of :class:`nanosynth.schema.PaperBase` this metadata can fill (``doi``, ``title``, ``journal``, ...)."""
        fields = {"doi": self.doi, "title": self.title, "journal": self.journal, "year": self.year,
                  "citation": self.citation()}
        return {k: v for k, v in fields.items() if v is not None}


def arxiv_id_of(value: str) -> str | None:
    """The arXiv identifier in ``value`` (``arXiv:2101.00001``, an arxiv.org URL or a 10.48550 DOI), or None."""
    match = _ARXIV_RE.search(value or "")
    return match.group(1) if match else None


def parse_identifier(value: str) -> tuple[str | None, str | None]:
    """Split a line of a DOI file into ``(doi, arxiv_id)``; at least one is set.

    Raises
    ------
    FetchError
        When the line holds neither a DOI nor an arXiv identifier.
    """
    arxiv_id = arxiv_id_of(value)
    doi = find_doi(value)
    if arxiv_id and doi is None:
        doi = f"10.48550/arxiv.{arxiv_id.lower()}"
    if doi is None and arxiv_id is None:
        raise FetchError(f"{value!r} is neither a DOI (10.xxxx/...) nor an arXiv id (arXiv:2101.00001)")
    return doi, arxiv_id
