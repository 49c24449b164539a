"""Publisher text-and-data-mining APIs used when an API key is configured: Elsevier and Springer Nature.

Keys are sent the way each API expects (Elsevier: ``X-ELS-APIKey`` header; Springer Nature: ``api_key`` query
parameter) and are masked in every log line, cache entry and error message by :class:`~nanosynth.miner.fetch.http.HttpClient`,
which also sends them only to the API's own host: a redirect to another host drops the header and the parameter.
"""

from __future__ import annotations

from urllib.parse import quote

from lxml import etree

from nanosynth.miner.fetch.http import HttpClient, HttpResponse
from nanosynth.schema.errors import FetchError

DEFAULT_ELSEVIER_URL = "https://api.elsevier.com"
DEFAULT_SPRINGER_URL = "https://api.springernature.com"

#: DOI prefixes served by each publisher's TDM API.
ELSEVIER_PREFIXES = ("10.1016/",)
SPRINGER_PREFIXES = ("10.1007/", "10.1038/", "10.1186/", "10.1140/", "10.1023/")


def _safe_xml(content: bytes, what: str) -> etree._Element:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    try:
        root = etree.fromstring(content, parser)
    except etree.XMLSyntaxError as exc:
        raise FetchError(f"{what} is not well-formed XML: {exc}") from exc
    if root is None:
        raise FetchError(f"{what} is empty")
    return root


class ElsevierClient:
    """Elsevier Article Retrieval API (``/content/article/doi/{doi}``).

    Parameters
    ----------
    http:
        The shared HTTP client (created with the key among its secrets).
    api_key:
        The Elsevier API key (``NANOSYNTH_ELSEVIER_API_KEY``).
    base_url:
        API root.
    accept:
        ``text/xml`` (full-text XML, default) or ``application/pdf``.
    """

    def __init__(self, http: HttpClient, api_key: str, base_url: str = DEFAULT_ELSEVIER_URL,
                 accept: str = "text/xml"):
        self.http = http
        self._api_key = api_key
        self.base_url = base_url.rstrip("/")
        self.accept = accept

    def __repr__(self) -> str:
        return f"ElsevierClient(base_url={self.base_url!r}, api_key='***')"

    @staticmethod
    def serves(doi: str) -> bool:
        """True when ``doi`` is an Elsevier DOI."""
        return doi.lower().startswith(ELSEVIER_PREFIXES)

    def full_text(self, doi: str) -> HttpResponse:
        """The full text of ``doi`` as Elsevier XML (or PDF).

        Raises
        ------
        FetchError
            When the key is not entitled (401/403), the DOI is unknown, or the answer holds no full text.
        """
        def check(resp: HttpResponse) -> None:
            if self.accept == "application/pdf":
                if not resp.content.lstrip()[:5].startswith(b"%PDF"):
                    raise FetchError(f"Elsevier returned no PDF for {doi}: the key may not be entitled to it")
                return
            root = _safe_xml(resp.content, f"Elsevier answer for {doi}")
            if not any(etree.QName(el).localname in ("originalText", "body", "rawtext") for el in root.iter()
                       if isinstance(el.tag, str)):
                raise FetchError(f"Elsevier answer for {doi} has metadata only, no full text: the key is probably "
                                 "not entitled to this article (institutional token needed)")

        return self.http.get(f"{self.base_url}/content/article/doi/{quote(doi, safe='/')}",
                             headers={"X-ELS-APIKey": self._api_key}, accept=self.accept, validate=check)


class SpringerClient:
    """Springer Nature Open Access API, JATS full text (``/openaccess/jats?q=doi:{doi}``).

    Parameters
    ----------
    http:
        The shared HTTP client (created with the key among its secrets).
    api_key:
        The Springer Nature API key (``NANOSYNTH_SPRINGER_API_KEY``).
    base_url:
        API root.
    """

    def __init__(self, http: HttpClient, api_key: str, base_url: str = DEFAULT_SPRINGER_URL):
        self.http = http
        self._api_key = api_key
        self.base_url = base_url.rstrip("/")

    def __repr__(self) -> str:
        return f"SpringerClient(base_url={self.base_url!r}, api_key='***')"

    @staticmethod
    def serves(doi: str) -> bool:
        """True when ``doi`` is a Springer Nature DOI."""
        return doi.lower().startswith(SPRINGER_PREFIXES)

    def full_text(self, doi: str) -> bytes:
        """The JATS ``<article>`` of ``doi`` as a standalone XML document.

        Raises
        ------
        FetchError
            When the API has no open-access full text for the DOI.
        """
        def article_of(resp: HttpResponse) -> etree._Element:
            root = _safe_xml(resp.content, f"Springer answer for {doi}")
            articles = [el for el in root.iter() if isinstance(el.tag, str) and etree.QName(el).localname == "article"]
            if not articles:
                raise FetchError(f"Springer Nature has no open-access full text for {doi}")
            return articles[0]

        def check(resp: HttpResponse) -> None:
            article_of(resp)

        resp = self.http.get(f"{self.base_url}/openaccess/jats",
                             params={"q": f"doi:{doi}", "api_key": self._api_key},
                             accept="application/xml", validate=check)
        return etree.tostring(article_of(resp), xml_declaration=True, encoding="utf-8")
