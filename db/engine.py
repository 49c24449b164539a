"""Engines and sessions: embedded SQLite by default, any SQLAlchemy URL (PostgreSQL) by configuration."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlmodel import Session, SQLModel, create_engine

import nanosynth.schema.tables  # noqa: F401  (registers the tables on SQLModel.metadata)
from nanosynth.schema.errors import DatabaseError

log = logging.getLogger(__name__)

DEFAULT_SQLITE_FILE = "nanosynth.db"


def default_url(directory: Path | None = None) -> str:
    """URL of the default SQLite file (``nanosynth.db`` in ``directory``, the working directory by default)."""
    return f"sqlite:///{(directory or Path.cwd()) / DEFAULT_SQLITE_FILE}"


def make_engine(url: str | None = None, echo: bool = False) -> Engine:
    """Create an engine for ``url`` (default: SQLite file in the working directory).

    SQLite connections get foreign keys on and a busy timeout so that concurrent readers/writers wait instead of
    failing; PostgreSQL URLs (``postgresql+psycopg://...``) are used as they are.

    Raises
    ------
    DatabaseError
        When the URL is malformed or its driver is not installed.
    """
    url = url or default_url()
    if url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url[len("postgres://"):]
    elif url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    kwargs: dict = {"echo": echo}
    is_sqlite = url.startswith("sqlite")
    if is_sqlite:
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 60}
        if url in ("sqlite://", "sqlite:///:memory:"):
            from sqlalchemy.pool import StaticPool

            kwargs["poolclass"] = StaticPool
    else:
        kwargs["pool_pre_ping"] = True
    try:
        engine = create_engine(url, **kwargs)
    except (ArgumentError, ImportError, ValueError) as exc:
        raise DatabaseError(
            f"cannot use database URL {url!r}: {exc}. Use sqlite:///path.db or postgresql+psycopg://user:pw@host/db"
        ) from exc
    if is_sqlite:
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def create_all(engine: Engine) -> None:
    """Create every table directly (unit tests on in-memory SQLite; real databases use :func:`nanosynth.db.migrate.upgrade`)."""
    SQLModel.metadata.create_all(engine)


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session that commits on success and rolls back on any error (nothing partial is written).

    Raises
    ------
    DatabaseError
        When the database cannot be reached.
    """
    session = Session(engine, expire_on_commit=False)
    try:
        yield session
        session.commit()
    except OperationalError as exc:
        session.rollback()
        raise DatabaseError(
            f"database error: {exc.orig}. Check NANOSYNTH_DATABASE_URL and run 'nanosynth db upgrade'"
        ) from exc
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
