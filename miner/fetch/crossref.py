"""Crossref REST API: metadata of a work by DOI (``GET /works/{doi}``)."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

from nanosynth.miner.fetch.http import HttpClient
from nanosynth.miner.fetch.metadata import FullTextLink, WorkMetadata
from nanosynth.schema.doi import find_doi
from nanosynth.schema.errors import FetchError

log = logging.getLogger(__name__)

DEFAULT_CROSSREF_URL = "https://api.crossref.org"


class CrossrefClient:
    """Read work metadata from Crossref.

    Parameters
    ----------
    http:
        The shared HTTP client.
    base_url:
        API root (tests point it at a local server).
    mailto:
        Contact e-mail sent as ``mailto`` (Crossref's "polite pool").
    """

    def __init__(self, http: HttpClient, base_url: str = DEFAULT_CROSSREF_URL, mailto: str | None = None):
        self.http = http
        self.base_url = base_url.rstrip("/")
        self.mailto = mailto

    def work(self, doi: str) -> WorkMetadata:
        """Metadata of ``doi``.

        Raises
        ------
        miner.fetch.http.NotFoundError
            When Crossref does not know the DOI.
        FetchError
            On transport errors or a response that is not a Crossref work record.
        """
        params = {"mailto": self.mailto} if self.mailto else None
        data = self.http.get_json(f"{self.base_url}/works/{quote(doi, safe='/')}", params=params)
        return parse_work(data, doi)


def _first(values: Any) -> str | None:
    if isinstance(values, list) and values:
        return str(values[0]).strip() or None
    if isinstance(values, str):
        return values.strip() or None
    return None


def _year(message: dict) -> int | None:
    for field in ("published-print", "published-online", "issued", "created"):
        parts = (message.get(field) or {}).get("date-parts") or []
        if parts and parts[0] and parts[0][0]:
            try:
                return int(parts[0][0])
            except (TypeError, ValueError):
                continue
    return None


def parse_work(data: Any, doi: str) -> WorkMetadata:
    """Build :class:`WorkMetadata` from a Crossref ``/works/{doi}`` response body.

    Raises
    ------
    FetchError
        When the body is not a Crossref work record.
    """
    if not isinstance(data, dict) or not isinstance(data.get("message"), dict):
        raise FetchError(f"Crossref answer for {doi} is not a work record (no 'message' object)")
    message = data["message"]
    authors = []
    for author in message.get("author") or []:
        name = " ".join(p for p in (author.get("given"), author.get("family")) if p) or author.get("name")
        if name:
            authors.append(name)
    links = [FullTextLink(url=link["URL"], content_type=link.get("content-type"),
                          intended_application=link.get("intended-application"))
             for link in message.get("link") or [] if isinstance(link, dict) and link.get("URL")]
    return WorkMetadata(
        doi=find_doi(str(message.get("DOI") or doi)) or str(doi).lower(),
        title=_first(message.get("title")),
        journal=_first(message.get("container-title")),
        year=_year(message),
        authors=authors,
        publisher=message.get("publisher"),
        work_type=message.get("type"),
        license_urls=[lic["URL"] for lic in message.get("license") or [] if isinstance(lic, dict) and "URL" in lic],
        fulltext_links=links,
        source="crossref",
    )
