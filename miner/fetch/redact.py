"""Keep API keys out of logs, error messages and cache metadata.

Keys travel in request headers where the API allows it (Elsevier ``X-ELS-APIKey``) and in the query string
where it does not (Springer Nature ``api_key``). Query strings are logged by urllib3 at DEBUG level and appear in
``requests`` exception messages, so every URL or message that may leave this package goes through
:func:`redact`, and :func:`install_log_filter` puts a redacting filter on the urllib3 logger.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

#: Query-parameter names treated as secrets (case-insensitive).
SECRET_PARAMS = frozenset({"api_key", "apikey", "api-key", "key", "token", "access_token", "insttoken",
                           "x-els-apikey"})

MASK = "***"

_PARAM_RE = re.compile(
    r"(?i)((?:^|[?&;\s])(?:" + "|".join(re.escape(p) for p in sorted(SECRET_PARAMS, key=len, reverse=True))
    + r")=)[^&;\s'\"]+"
)


def redact(text: object, secrets: Iterable[str | None] = ()) -> str:
    """Return ``text`` with secret query parameters and the given secret values masked.

    Parameters
    ----------
    text:
        A URL, log message or exception message (anything is converted with ``str``).
    secrets:
        Literal secret values (API keys) to mask wherever they appear.
    """
    out = _PARAM_RE.sub(lambda m: m.group(1) + MASK, str(text))
    for secret in secrets:
        if secret and len(secret) >= 4:
            out = out.replace(secret, MASK)
    return out


def strip_secret_params(url: str) -> str:
    """``url`` without its secret query parameters (used for cache keys and recorded source URLs)."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k.lower() not in SECRET_PARAMS]
    return urlunsplit(parts._replace(query=urlencode(query)))


class RedactingFilter(logging.Filter):
    """A logging filter that masks secret query parameters in a record's message and arguments."""

    def filter(self, record: logging.LogRecord) -> bool:  # noqa: A003 - logging API name
        try:
            message = record.getMessage()
        except Exception:  # pragma: no cover - a malformed record is left to logging's own handling
            return True
        cleaned = redact(message)
        if cleaned != message:
            record.msg = cleaned
            record.args = None
        return True


#: Loggers of the HTTP stack that print request lines (with query strings) at DEBUG level.
HTTP_STACK_LOGGERS = ("urllib3.connectionpool", "urllib3.util.retry", "requests")


def install_log_filter(logger_names: Iterable[str] = HTTP_STACK_LOGGERS) -> None:
    """Attach one :class:`RedactingFilter` to each named logger (idempotent, stateless)."""
    for name in logger_names:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactingFilter) for f in logger.filters):
            logger.addFilter(RedactingFilter())
