"""A polite HTTP client: timeouts, retries with exponential backoff, 429/Retry-After, per-host rate limit,
on-disk cache, secrets kept out of logs and errors, and API keys sent only to the origin they were given for
(redirects are followed here, not by ``requests``, so that a key never follows a redirect to another host).
"""

from __future__ import annotations

import email.utils
import json
import logging
import random
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import requests
import urllib3
from pydantic import BaseModel, ConfigDict, Field

from nanosynth.miner.fetch.cache import ResponseCache
from nanosynth.miner.fetch.ratelimit import HostRateLimiter
from nanosynth.miner.fetch.redact import install_log_filter, redact, strip_secret_params
from nanosynth.schema.errors import FetchError

log = logging.getLogger(__name__)

DEFAULT_USER_AGENT = "nanosynth/0.1 (text-and-data-mining of nanocrystal syntheses)"

#: Redirects followed per request before giving up.
MAX_REDIRECTS = 10
_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})


class NotFoundError(FetchError):
    """The server answered 404/410: the record or document does not exist there."""


class RetryPolicy(BaseModel):
    """How failed requests are retried.

    Attributes
    ----------
    max_attempts:
        Attempts in total (first try included).
    backoff_base_s, backoff_max_s:
        Wait ``min(backoff_max_s, backoff_base_s * 2**(attempt-1))`` times a jitter in [0.5, 1] between attempts.
    max_retry_after_s:
        Longest ``Retry-After`` honoured; a server asking for more ends the fetch with a :class:`FetchError`.
    retry_statuses:
        HTTP statuses that are retried (429 and transient 5xx).
    """

    model_config = ConfigDict(frozen=True)

    max_attempts: int = Field(default=4, ge=1)
    backoff_base_s: float = Field(default=1.0, ge=0)
    backoff_max_s: float = Field(default=30.0, ge=0)
    max_retry_after_s: float = Field(default=120.0, ge=0)
    retry_statuses: frozenset[int] = frozenset({429, 500, 502, 503, 504})

    def backoff(self, attempt: int) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1-based)."""
        return min(self.backoff_max_s, self.backoff_base_s * 2 ** (attempt - 1)) * random.uniform(0.5, 1.0)


class HttpConfig(BaseModel):
    """Settings of :class:`HttpClient`.

    Attributes
    ----------
    connect_timeout_s, read_timeout_s:
        Timeouts passed to requests (the read timeout bounds the wait between bytes).
    min_interval_s:
        Default per-host spacing of requests.
    host_intervals:
        Per-host spacing overrides.
    cache_dir:
        On-disk cache root; ``None`` disables caching.
    cache_ttl_s:
        Age after which cached responses are ignored (``None``: never).
    max_bytes:
        Largest response body accepted.
    total_timeout_s:
        Wall-clock deadline of one download: every attempt, wait between retries, redirect and the body
        together (socket timeouts alone let a server that trickles bytes hold a download forever).
    """

    model_config = ConfigDict(frozen=True)

    connect_timeout_s: float = Field(default=10.0, gt=0)
    read_timeout_s: float = Field(default=60.0, gt=0)
    min_interval_s: float = Field(default=0.2, ge=0)
    host_intervals: dict[str, float] = Field(default_factory=dict)
    cache_dir: Path | None = None
    cache_ttl_s: float | None = None
    max_bytes: int = Field(default=200 * 1024 * 1024, gt=0)
    total_timeout_s: float = Field(default=600.0, gt=0)
    user_agent: str = DEFAULT_USER_AGENT
    retry: RetryPolicy = Field(default_factory=RetryPolicy)


@dataclass(frozen=True)
class HttpResponse:
    """A successful (2xx) response. ``url`` is redacted (no secrets)."""

    url: str
    status: int
    content_type: str | None
    content: bytes
    from_cache: bool = False
    headers: Mapping[str, str] = field(default_factory=dict)

    @property
    def media_type(self) -> str:
        """Content type without parameters, lower case (``"application/pdf"``)."""
        return (self.content_type or "").split(";")[0].strip().lower()

    def json(self) -> Any:
        """The body parsed as JSON.

        Raises
        ------
        FetchError
            When the body is not valid JSON.
        """
        return parse_json(self.content, self.url)


def parse_json(content: bytes, url: str) -> Any:
    """Parse JSON from a response body; raise :class:`FetchError` naming the (redacted) URL when malformed."""
    try:
        return json.loads(content)
    except (ValueError, UnicodeDecodeError) as exc:
        snippet = content[:60].decode("utf-8", "replace")
        raise FetchError(f"malformed JSON from {url} ({exc.msg if hasattr(exc, 'msg') else exc}; body starts "
                         f"{snippet!r}): the service may be down or answering with an error page; retry later"
                         ) from exc


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP-date), or None if absent/invalid."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


class HttpClient:
    """GET with retries, backoff, Retry-After, per-host rate limit, cache and redaction.

    Parameters
    ----------
    config:
        Timeouts, retry policy, cache.
    secrets:
        API keys this client may send; they are masked in every log line and error message.
    session:
        A ``requests.Session`` to use (one is created lazily otherwise).
    sleep:
        Injectable for tests.

    Notes
    -----
    The constructor does no I/O. Use as a context manager or call :meth:`close`.
    """

    def __init__(self, config: HttpConfig | None = None, secrets: Iterable[str | None] = (),
                 session: requests.Session | None = None, sleep: Callable[[float], None] = time.sleep):
        self.config = config or HttpConfig()
        self._secrets = tuple(s for s in secrets if s)
        self._session = session
        self._sleep = sleep
        self.limiter = HostRateLimiter(self.config.min_interval_s, self.config.host_intervals, sleep=sleep)
        self.cache = ResponseCache(self.config.cache_dir, self.config.cache_ttl_s) if self.config.cache_dir else None
        install_log_filter()

    # ------------------------------------------------------------------------------------------ plumbing
    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Close the underlying session."""
        if self._session is not None:
            self._session.close()
            self._session = None

    @property
    def session(self) -> requests.Session:
        if self._session is None:
            self._session = requests.Session()
            self._session.headers["User-Agent"] = self.config.user_agent
        return self._session

    def redact(self, text: object) -> str:
        """``text`` with this client's secrets and secret query parameters masked."""
        return redact(text, self._secrets)

    # ------------------------------------------------------------------------------------------ GET
    def get(self, url: str, *, params: Mapping[str, Any] | None = None, headers: Mapping[str, str] | None = None,
            accept: str | None = None, use_cache: bool = True,
            validate: Callable[[HttpResponse], None] | None = None) -> HttpResponse:
        """GET ``url`` and return a 2xx response.

        Parameters
        ----------
        url, params:
            Request URL and query parameters (secret parameters are never logged or used in cache keys).
        headers:
            Extra request headers (e.g. an API-key header).
        accept:
            ``Accept`` header.
        use_cache:
            Read and write the on-disk cache.
        validate:
            Called on a fresh response before it is cached; raise :class:`FetchError` to reject it
            (a malformed body is then neither cached nor retried).

        Raises
        ------
        NotFoundError
            On 404/410.
        FetchError
            On other 4xx, on 429/5xx/timeouts once the retries are exhausted, when a ``Retry-After`` exceeds the
            configured maximum, or when ``validate`` rejects the body.
        """
        full_url = url + ("?" + urlencode(params, doseq=True) if params else "")
        public_url = self.redact(strip_secret_params(full_url))
        cache_key = ResponseCache.key("GET", public_url, accept)
        if use_cache and self.cache is not None:
            hit = self.cache.get(cache_key)
            if hit is not None:
                log.debug("cache hit %s", public_url)
                return HttpResponse(url=public_url, status=hit.status, content_type=hit.content_type,
                                    content=hit.content, from_cache=True)
        response = self._get_with_retries(full_url, public_url, headers, accept)
        if validate is not None:
            validate(response)
        if use_cache and self.cache is not None:
            self.cache.put(cache_key, public_url, response.status, response.content_type, response.content)
        return response

    def get_json(self, url: str, **kwargs) -> Any:
        """:meth:`get` with ``Accept: application/json``, returning the parsed body (validated before caching)."""
        kwargs.setdefault("accept", "application/json")
        parsed: list[Any] = []
        response = self.get(url, validate=lambda r: parsed.append(r.json()), **kwargs)
        return parsed[0] if parsed else response.json()

    def _get_with_retries(self, full_url: str, public_url: str, headers: Mapping[str, str] | None,
                          accept: str | None) -> HttpResponse:
        policy = self.config.retry
        request_headers = dict(headers or {})
        if accept:
            request_headers["Accept"] = accept
        last_problem = "no attempt made"
        deadline = time.monotonic() + self.config.total_timeout_s
        for attempt in range(1, policy.max_attempts + 1):
            wait: float | None = None
            self._check_deadline(deadline, public_url)
            try:
                response = self._follow(full_url, public_url, request_headers)
            except requests.Timeout as exc:
                last_problem = f"timed out ({self.redact(type(exc).__name__)})"
            except requests.ConnectionError as exc:
                last_problem = f"connection failed ({self.redact(exc)})"
            except requests.RequestException as exc:
                # ``from None``: the original exception's message holds the full URL, API key included.
                raise FetchError(f"GET {public_url} failed: {self.redact(exc)}") from None
            else:
                with response:
                    status = response.status_code
                    if 200 <= status < 300:
                        try:
                            content = self._read_body(response, public_url, deadline)
                        except (requests.RequestException, urllib3.exceptions.HTTPError) as exc:
                            content = None
                            last_problem = f"body could not be read ({self.redact(type(exc).__name__)})"
                        if content is not None:
                            log.debug("GET %s -> %d (%d bytes, attempt %d)", public_url, status, len(content),
                                      attempt)
                            return HttpResponse(url=public_url, status=status,
                                                content_type=response.headers.get("Content-Type"),
                                                content=content, headers=dict(response.headers))
                    elif status in (404, 410):
                        raise NotFoundError(f"GET {public_url} -> {status}: not found there (check the DOI/URL)")
                    elif status not in policy.retry_statuses:
                        hint = (" - check that the API key is valid and entitled to this content"
                                if status in (401, 403) else "")
                        raise FetchError(f"GET {public_url} -> HTTP {status}{hint}")
                    else:
                        last_problem = f"HTTP {status}"
                    if status == 429 or status == 503:
                        wait = self._retry_after(response, public_url, urlsplit(response.url).netloc)
            if attempt == policy.max_attempts:
                break
            delay = wait if wait is not None else policy.backoff(attempt)
            log.info("GET %s: %s; retrying in %.2f s (attempt %d/%d)", public_url, last_problem, delay, attempt + 1,
                     policy.max_attempts)
            if wait is None:  # Retry-After waits happen in the rate limiter
                self._sleep(min(delay, max(deadline - time.monotonic(), 0.0)))
        raise FetchError(f"GET {public_url} failed after {policy.max_attempts} attempts: {last_problem}; "
                         "the service may be overloaded - retry later")

    def _follow(self, url: str, public_url: str, headers: dict[str, str]) -> requests.Response:
        """GET ``url``, following up to :data:`MAX_REDIRECTS` redirects by hand (each hop rate-limited).

        Headers and query parameters holding one of this client's secrets are sent only to the origin (scheme,
        host, port) of ``url``: from the first hop to another origin on they are dropped, and stay dropped.
        """
        origin = _origin(url)
        for _ in range(MAX_REDIRECTS + 1):
            self.limiter.acquire(urlsplit(url).netloc)
            response = self.session.get(url, headers=headers, stream=True, allow_redirects=False,
                                        timeout=(self.config.connect_timeout_s, self.config.read_timeout_s))
            location = response.headers.get("Location")
            if response.status_code not in _REDIRECT_STATUSES or not location:
                return response
            response.close()
            try:
                url = urljoin(url, location)
                same_origin = _origin(url) == origin
            except ValueError:  # a malformed Location (bad port, broken IPv6 literal)
                raise FetchError(f"GET {public_url}: redirected to a malformed URL {self.redact(location)!r}; "
                                 "the service is misbehaving - try another source") from None
            if not same_origin:
                headers = {k: v for k, v in headers.items() if not self._holds_secret(v)}
                url = self._without_secret_values(url)
                log.debug("GET %s: redirected to another host, API keys not forwarded", public_url)
        raise FetchError(f"GET {public_url}: more than {MAX_REDIRECTS} redirects (a redirect loop?); "
                         "check the URL or the service's status")

    def _holds_secret(self, value: str) -> bool:
        return any(secret in value for secret in self._secrets)

    def _without_secret_values(self, url: str) -> str:
        """``url`` without the query parameters whose value holds one of this client's secrets."""
        parts = urlsplit(url)
        pairs = parse_qsl(parts.query, keep_blank_values=True)
        if not any(self._holds_secret(v) for _, v in pairs):
            return url  # untouched: re-encoding could break a signed URL
        return urlunsplit(parts._replace(query=urlencode([(k, v) for k, v in pairs if not self._holds_secret(v)])))

    def _retry_after(self, response: requests.Response, public_url: str, host: str) -> float | None:
        """The server's Retry-After wait (deferred in the rate limiter), refused when over the policy's limit."""
        policy = self.config.retry
        wait = parse_retry_after(response.headers.get("Retry-After"))
        if wait is not None and wait > policy.max_retry_after_s:
            raise FetchError(f"GET {public_url} -> HTTP {response.status_code}: server asks to wait {wait:.0f} s "
                             f"(more than the {policy.max_retry_after_s:.0f} s limit); try again later")
        if wait is not None:
            self.limiter.defer(host, wait)
        return wait

    def _check_deadline(self, deadline: float, public_url: str) -> None:
        """Refuse to go on with a download past its wall-clock deadline (:attr:`HttpConfig.total_timeout_s`)."""
        if time.monotonic() > deadline:
            raise FetchError(f"GET {public_url}: not done within the {self.config.total_timeout_s:g} s deadline of "
                             "one download (the server is too slow); retry later or raise "
                             "HttpConfig.total_timeout_s")

    def _read_body(self, response: requests.Response, public_url: str, deadline: float) -> bytes:
        """The body, read as it arrives (``read1``) so that the deadline is checked however slowly bytes come."""
        chunks: list[bytes] = []
        size = 0
        while chunk := response.raw.read1(64 * 1024, decode_content=True):
            self._check_deadline(deadline, public_url)
            size += len(chunk)
            if size > self.config.max_bytes:
                raise FetchError(f"GET {public_url}: body larger than {self.config.max_bytes} bytes; "
                                 "raise HttpConfig.max_bytes if this is expected")
            chunks.append(chunk)
        return b"".join(chunks)


def _origin(url: str) -> tuple[str, str, int | None]:
    """(scheme, host, port) of ``url``, default ports made explicit: what an API key is bound to."""
    parts = urlsplit(url)
    default = {"http": 80, "https": 443}.get(parts.scheme.lower())
    return parts.scheme.lower(), (parts.hostname or "").lower(), parts.port or default
