"""Fetching papers by DOI: Crossref metadata, Unpaywall/arXiv open access, Elsevier/Springer TDM APIs.

Everything goes through :class:`~nanosynth.miner.fetch.http.HttpClient` (timeouts, retries with exponential backoff,
429/Retry-After, per-host rate limit, on-disk cache, secrets masked in logs and errors). No network at import.
"""

from nanosynth.miner.fetch.fetcher import DocumentFetcher, FetchConfig, FetchedDocument, sniff_kind
from nanosynth.miner.fetch.http import HttpClient, HttpConfig, HttpResponse, NotFoundError, RetryPolicy
from nanosynth.miner.fetch.metadata import WorkMetadata, parse_identifier

__all__ = [
    "DocumentFetcher",
    "FetchConfig",
    "FetchedDocument",
    "HttpClient",
    "HttpConfig",
    "HttpResponse",
    "NotFoundError",
    "RetryPolicy",
    "WorkMetadata",
    "parse_identifier",
    "sniff_kind",
]
