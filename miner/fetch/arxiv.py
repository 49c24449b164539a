"""arXiv: metadata from the export API (Atom) and the PDF of a preprint."""

from __future__ import annotations

import re

import defusedxml.ElementTree as SafeET

from nanosynth.miner.fetch.http import HttpClient, HttpResponse
from nanosynth.miner.fetch.metadata import WorkMetadata
from nanosynth.schema.doi import find_doi
from nanosynth.schema.errors import FetchError

DEFAULT_ARXIV_API_URL = "https://export.arxiv.org"
DEFAULT_ARXIV_URL = "https://arxiv.org"
#: arXiv asks automated clients for at most one request every three seconds.
ARXIV_INTERVAL_S = 3.0

_ATOM = "{http://www.w3.org/2005/Atom}"
_ARXIV_NS = "{http://arxiv.org/schemas/atom}"


class ArxivClient:
    """Read preprint metadata and PDFs from arXiv.

    Parameters
    ----------
    http:
        The shared HTTP client (give ``export.arxiv.org`` and ``arxiv.org`` a 3 s host interval).
    api_url, pdf_url:
        Roots of the export API and of the PDF server.
    """

    def __init__(self, http: HttpClient, api_url: str = DEFAULT_ARXIV_API_URL, pdf_url: str = DEFAULT_ARXIV_URL):
        self.http = http
        self.api_url = api_url.rstrip("/")
        self.pdf_url = pdf_url.rstrip("/")

    def metadata(self, arxiv_id: str) -> WorkMetadata:
        """Metadata of ``arxiv_id``.

        Raises
        ------
        FetchError
            When the API answer is not Atom or the identifier is unknown.
        """
        def check(resp: HttpResponse) -> None:
            parse_atom(resp.content, arxiv_id)

        resp = self.http.get(f"{self.api_url}/api/query", params={"id_list": arxiv_id, "max_results": 1},
                             accept="application/atom+xml", validate=check)
        return parse_atom(resp.content, arxiv_id)

    def pdf(self, arxiv_id: str) -> HttpResponse:
        """The PDF of ``arxiv_id`` (validated to start with ``%PDF``)."""
        return self.http.get(f"{self.pdf_url}/pdf/{arxiv_id}", accept="application/pdf", validate=require_pdf)


def require_pdf(resp: HttpResponse) -> None:
    """Reject a response that is not a PDF (landing pages served instead of the file)."""
    if not resp.content.lstrip()[:5].startswith(b"%PDF"):
        raise FetchError(f"{resp.url} did not return a PDF (got {resp.media_type or 'unknown type'}, "
                         f"{len(resp.content)} bytes)")


def parse_atom(content: bytes, arxiv_id: str) -> WorkMetadata:
    """Build :class:`WorkMetadata` from an arXiv export-API Atom feed with one entry."""
    try:
        root = SafeET.fromstring(content)
    except Exception as exc:  # defusedxml raises ParseError or its own DefusedXmlException
        raise FetchError(f"arXiv answer for {arxiv_id} is not valid Atom XML: {exc}") from exc
    entry = root.find(f"{_ATOM}entry")
    if entry is None or entry.findtext(f"{_ATOM}title") in (None, "Error"):
        raise FetchError(f"arXiv does not know {arxiv_id}: check the identifier")
    title = re.sub(r"\s+", " ", entry.findtext(f"{_ATOM}title") or "").strip() or None
    published = entry.findtext(f"{_ATOM}published") or ""
    year = int(published[:4]) if published[:4].isdigit() else None
    authors = [a.findtext(f"{_ATOM}name").strip() for a in entry.findall(f"{_ATOM}author")
               if a.findtext(f"{_ATOM}name")]
    doi = entry.findtext(f"{_ARXIV_NS}doi")
    journal = entry.findtext(f"{_ARXIV_NS}journal_ref")
    return WorkMetadata(doi=find_doi(doi), arxiv_id=arxiv_id, title=title,
                        journal=journal.strip() if journal else None, year=year, authors=authors,
                        publisher="arXiv", work_type="preprint", source="arxiv")
