"""Fetch a paper by DOI (or arXiv id): metadata from Crossref/arXiv, full text from a publisher TDM API (when a key
is configured), Unpaywall's open-access copy, or arXiv.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from nanosynth.artifacts import sha256_bytes
from nanosynth.miner.fetch.arxiv import ARXIV_INTERVAL_S, DEFAULT_ARXIV_API_URL, DEFAULT_ARXIV_URL, ArxivClient, require_pdf
from nanosynth.miner.fetch.crossref import DEFAULT_CROSSREF_URL, CrossrefClient
from nanosynth.miner.fetch.http import HttpClient, HttpConfig, HttpResponse, NotFoundError
from nanosynth.miner.fetch.metadata import WorkMetadata, parse_identifier
from nanosynth.miner.fetch.publishers import DEFAULT_ELSEVIER_URL, DEFAULT_SPRINGER_URL, ElsevierClient, SpringerClient
from nanosynth.miner.fetch.unpaywall import DEFAULT_UNPAYWALL_URL, UnpaywallClient
from nanosynth.schema.errors import ConfigError, FetchError

log = logging.getLogger(__name__)

_SUFFIX = {"pdf": ".pdf", "html": ".html", "xml": ".xml", "text": ".txt"}


class FetchConfig(BaseModel):
    """Where and how to fetch. Build it from :class:`nanosynth.config.Settings` in the CLI.

    Attributes
    ----------
    crossref_url, unpaywall_url, arxiv_api_url, arxiv_url, elsevier_url, springer_url:
        API roots (tests point them at a local server).
    elsevier_api_key, springer_api_key:
        Publisher TDM keys; the publisher is tried only when its key is set. Never logged.
    unpaywall_email:
        Contact e-mail for Unpaywall (required by it) and Crossref's polite pool.
    http:
        Timeouts, retries, rate limits and cache.
    """

    model_config = ConfigDict(frozen=True)

    crossref_url: str = DEFAULT_CROSSREF_URL
    unpaywall_url: str = DEFAULT_UNPAYWALL_URL
    arxiv_api_url: str = DEFAULT_ARXIV_API_URL
    arxiv_url: str = DEFAULT_ARXIV_URL
    elsevier_url: str = DEFAULT_ELSEVIER_URL
    springer_url: str = DEFAULT_SPRINGER_URL
    elsevier_api_key: SecretStr | None = None
    springer_api_key: SecretStr | None = None
    unpaywall_email: str | None = None
    elsevier_accept: str = "text/xml"
    http: HttpConfig = Field(default_factory=HttpConfig)

    @classmethod
    def default_http(cls, cache_dir: Path | None) -> HttpConfig:
        """HTTP settings with the on-disk cache in ``cache_dir`` and arXiv's 3 s per-host interval."""
        return HttpConfig(cache_dir=cache_dir, host_intervals={"export.arxiv.org": ARXIV_INTERVAL_S,
                                                                "arxiv.org": ARXIV_INTERVAL_S})


@dataclass(frozen=True)
class FetchedDocument:
    """A fetched full text with where it came from.

    Attributes
    ----------
    identifier:
        The line of the DOI file it was asked for.
    doi, arxiv_id:
        Identifiers of the work.
    metadata:
        Crossref/arXiv metadata (``None`` when the metadata service failed but the text was found).
    content:
        The document bytes (PDF, HTML, publisher XML or text).
    kind:
        ``"pdf"``, ``"html"``, ``"xml"`` or ``"text"``.
    url:
        The (redacted) URL the text came from.
    via:
        ``"elsevier"``, ``"springer"``, ``"unpaywall"`` or ``"arxiv"``.
    """

    identifier: str
    doi: str | None
    arxiv_id: str | None
    metadata: WorkMetadata | None
    content: bytes
    kind: str
    url: str
    via: str
    attempts: tuple[str, ...] = field(default=())

    @property
    def suffix(self) -> str:
        return _SUFFIX[self.kind]

    @property
    def sha256(self) -> str:
        return sha256_bytes(self.content)

    def file_name(self) -> str:
        """A file name safe on every OS: the DOI (or arXiv id) with unsafe characters replaced."""
        ident = self.doi or f"arxiv-{self.arxiv_id}"
        return re.sub(r"[^A-Za-z0-9._-]+", "_", ident).strip("_")[:180] + self.suffix

    def save(self, directory: Path) -> Path:
        """Write the content to ``directory/<doi>.<ext>`` and return the path."""
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / self.file_name()
        if not path.exists() or path.read_bytes() != self.content:
            path.write_bytes(self.content)
        return path


def sniff_kind(content: bytes, media_type: str) -> str | None:
    """``"pdf"``, ``"html"``, ``"xml"``, ``"text"`` or None (not a document) from the bytes and media type."""
    head = content.lstrip()[:512].lower()
    if head.startswith(b"%pdf"):
        return "pdf"
    if b"<html" in head or b"<!doctype html" in head or media_type in ("text/html", "application/xhtml+xml"):
        return "html" if (b"<" in head) else None
    if head.startswith(b"<?xml") or head.startswith(b"<") or media_type.endswith("xml"):
        return "xml"
    if media_type.startswith("text/plain") and content.strip():
        return "text"
    return None


class DocumentFetcher:
    """Fetch full texts by DOI.

    Order of sources: the publisher TDM API when its key is configured and the DOI is the publisher's, then the
    open-access copies Unpaywall knows (PDF first, then HTML full text), then arXiv for preprints.

    Parameters
    ----------
    config:
        Base URLs, keys, HTTP settings.

    Examples
    --------
    >>> with DocumentFetcher(FetchConfig(unpaywall_email="me@lab.org")) as fetcher:   # doctest: +SKIP
    ...     doc = fetcher.fetch("10.1021/ja00072a025")
    """

    def __init__(self, config: FetchConfig | None = None):
        self.config = config or FetchConfig()
        keys = [k.get_secret_value() for k in (self.config.elsevier_api_key, self.config.springer_api_key) if k]
        self.http = HttpClient(self.config.http, secrets=keys)
        self.crossref = CrossrefClient(self.http, self.config.crossref_url, mailto=self.config.unpaywall_email)
        self.unpaywall = UnpaywallClient(self.http, self.config.unpaywall_email, self.config.unpaywall_url)
        self.arxiv = ArxivClient(self.http, self.config.arxiv_api_url, self.config.arxiv_url)
        self.elsevier = (ElsevierClient(self.http, self.config.elsevier_api_key.get_secret_value(),
                                        self.config.elsevier_url, self.config.elsevier_accept)
                         if self.config.elsevier_api_key else None)
        self.springer = (SpringerClient(self.http, self.config.springer_api_key.get_secret_value(),
                                        self.config.springer_url)
                         if self.config.springer_api_key else None)

    def __enter__(self) -> DocumentFetcher:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Release the HTTP session."""
        self.http.close()

    # ------------------------------------------------------------------------------------------ metadata
    def metadata(self, identifier: str) -> WorkMetadata:
        """Metadata of a DOI (Crossref) or arXiv id (arXiv export API).

        Raises
        ------
        FetchError
            When the identifier is malformed or unknown, or the service fails.
        """
        doi, arxiv_id = parse_identifier(identifier)
        if arxiv_id:
            meta = self.arxiv.metadata(arxiv_id)
            return meta.model_copy(update={"doi": meta.doi or doi})
        try:
            return self.crossref.work(doi)
        except NotFoundError as exc:
            raise FetchError(f"Crossref does not know DOI {doi}: check it for typos") from exc

    # ------------------------------------------------------------------------------------------ full text
    def fetch(self, identifier: str) -> FetchedDocument:
        """Fetch the full text of a DOI or arXiv id.

        Raises
        ------
        FetchError
            When no source yields a full text; the message lists what was tried and why each failed.
        """
        doi, arxiv_id = parse_identifier(identifier)
        attempts: list[str] = []
        metadata: WorkMetadata | None = None
        try:
            metadata = self.metadata(identifier)
        except FetchError as exc:
            attempts.append(f"metadata: {exc}")
            log.warning("%s: no metadata (%s)", identifier, exc)

        for name, attempt in self._sources(doi, arxiv_id):
            try:
                resp_url, content, kind = attempt()
            except (FetchError, ConfigError) as exc:
                attempts.append(f"{name}: {exc}")
                log.info("%s: %s gave no full text (%s)", identifier, name, exc)
                continue
            log.info("%s: full text from %s (%s, %d bytes)", identifier, name, kind, len(content))
            return FetchedDocument(identifier=identifier, doi=doi, arxiv_id=arxiv_id, metadata=metadata,
                                   content=content, kind=kind, url=resp_url, via=name, attempts=tuple(attempts))
        tried = "; ".join(attempts) or "no source applies"
        hint = ""
        if not self.config.unpaywall_email:
            hint += " Set NANOSYNTH_UNPAYWALL_EMAIL to look up open-access copies."
        if doi and ElsevierClient.serves(doi) and self.elsevier is None:
            hint += " Set NANOSYNTH_ELSEVIER_API_KEY for Elsevier full texts."
        if doi and SpringerClient.serves(doi) and self.springer is None:
            hint += " Set NANOSYNTH_SPRINGER_API_KEY for Springer Nature full texts."
        raise FetchError(f"no full text found for {identifier}: {tried}.{hint}")

    def _sources(self, doi: str | None, arxiv_id: str | None):
        if doi and self.elsevier is not None and ElsevierClient.serves(doi):
            yield "elsevier", lambda: self._from_response(self.elsevier.full_text(doi))
        if doi and self.springer is not None and SpringerClient.serves(doi):
            yield "springer", lambda: (f"{self.springer.base_url}/openaccess/jats?q=doi:{doi}",
                                       self.springer.full_text(doi), "xml")
        if doi and not doi.startswith("10.48550/") and self.config.unpaywall_email:
            yield "unpaywall", lambda: self._from_unpaywall(doi)
        if arxiv_id:
            yield "arxiv", lambda: self._from_response(self.arxiv.pdf(arxiv_id))

    def _from_response(self, resp: HttpResponse) -> tuple[str, bytes, str]:
        kind = sniff_kind(resp.content, resp.media_type)
        if kind is None:
            raise FetchError(f"{resp.url} returned {resp.media_type or 'an unknown type'}, not a document")
        return resp.url, resp.content, kind

    def _from_unpaywall(self, doi: str) -> tuple[str, bytes, str]:
        try:
            locations = self.unpaywall.locations(doi)
        except NotFoundError as exc:
            raise FetchError(f"Unpaywall does not know {doi}") from exc
        if not locations:
            raise FetchError(f"{doi} has no open-access copy known to Unpaywall")
        problems = []
        for loc in locations:
            if loc.url_for_pdf:
                try:
                    return self._from_response(self.http.get(loc.url_for_pdf, accept="application/pdf",
                                                             validate=require_pdf))
                except FetchError as exc:
                    problems.append(str(exc))
            if loc.url:
                try:
                    resp = self.http.get(loc.url, accept="text/html,application/xhtml+xml,application/pdf")
                    url, content, kind = self._from_response(resp)
                    return url, content, kind
                except FetchError as exc:
                    problems.append(str(exc))
        raise FetchError("open-access copies could not be downloaded: " + " | ".join(problems))
