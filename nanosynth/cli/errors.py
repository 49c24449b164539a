"""One line for a person from any exception that reaches the CLI: what is wrong and how to fix it."""

from __future__ import annotations

import re

from nanosynth.schema.errors import NanosynthError

_DEBUG_HINT = "(nanosynth --debug ... shows the traceback)"


def describe(exc: BaseException, database_url: str | None = None) -> str:
    """One line describing ``exc``, with any database password hidden.

    :class:`NanosynthError` messages already say how to fix the problem; other exceptions get a hint by kind
    (database, file system, settings) or, when unexpected, the pointer to ``--debug``.
    """
    from nanosynth.db.engine import redact

    text = _known(exc) if not isinstance(exc, NanosynthError) else str(exc)
    return redact(_one_line(text), database_url)


def _one_line(text: str) -> str:
    return re.sub(r"\s*\n\s*", " ", text.strip())


def _first_line(value: object) -> str:
    text = str(value).strip()
    return text.splitlines()[0] if text else ""


def _known(exc: BaseException) -> str:
    """The message of an exception that nanosynth did not wrap, by kind."""
    from pydantic import ValidationError
    from sqlalchemy.exc import ArgumentError, DBAPIError, SQLAlchemyError

    from nanosynth.db.engine import URL_HINT

    if isinstance(exc, DBAPIError):
        return (f"database error: {_first_line(exc.orig)}. Check --database-url / NANOSYNTH_DATABASE_URL and run "
                "'nanosynth db upgrade'")
    if isinstance(exc, ArgumentError):
        return f"unusable database URL: {_first_line(exc)}; {URL_HINT}"
    if isinstance(exc, SQLAlchemyError):
        return f"database error: {_first_line(exc)}. Check the database with 'nanosynth db upgrade' {_DEBUG_HINT}"
    if isinstance(exc, OSError):
        where = f"{exc.filename}: " if exc.filename else ""
        return f"{where}{exc.strerror or _first_line(exc)}: check the path and its permissions"
    if isinstance(exc, ValidationError):
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'value'}: {e['msg']}" for e in exc.errors())
        return f"invalid value: {problems}"
    if isinstance(exc, MemoryError):
        return "out of memory: process fewer or smaller documents at a time"
    return f"unexpected {type(exc).__name__}: {_first_line(exc)} {_DEBUG_HINT}"
