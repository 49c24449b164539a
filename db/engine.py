"""Engines and sessions: embedded SQLite by default, any SQLAlchemy URL (PostgreSQL) by configuration."""

from __future__ import annotations

import logging
import re
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
#: The Alembic migration scripts shipped with this version of nanosynth.
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
#: The one command that creates or migrates a database (named by every refusal).
UPGRADE_COMMAND = "nanosynth db upgrade"
#: How a usable database URL looks (named by every refusal of a URL).
URL_HINT = "use sqlite:///path/to/file.db or postgresql+psycopg://USER@HOST:5432/NAME (password after USER:)"


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
            f"cannot use database URL {safe_url(url)}: {redact(str(exc), url)}; {URL_HINT}"
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


def safe_url(url: str) -> str:
    """URL with any password hidden (for messages and logs)."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # a malformed URL: show it with its user info masked
        return redact(url, url)


#: ``scheme://user:password@`` in any text (the password group is masked by :func:`redact`).
_USERINFO = re.compile(r"(?P<head>\b[a-z][a-z0-9+.\-]*://[^:/@\s]*:)[^@\s]+@", re.IGNORECASE)


def _passwords(url: str) -> set[str]:
    """The password of ``url`` as written and as decoded (even when the rest of the URL is malformed)."""
    from urllib.parse import unquote

    userinfo = url.split("://", 1)[-1].rpartition("@")[0]
    raw = userinfo.partition(":")[2] if "@" in url.split("://", 1)[-1] else ""
    return {p for p in (raw, unquote(raw)) if p}


def redact(text: str, url: str | None = None) -> str:
    """``text`` with the password of ``url`` and of any URL-looking ``scheme://user:password@`` replaced by ***."""
    for password in sorted(_passwords(url), key=len, reverse=True) if url else ():
        text = text.replace(password, "***")
    return _USERINFO.sub(r"\g<head>***@", text)


def _parse_url(url: str):
    """``make_url`` with its errors turned into a :class:`DatabaseError` that shows no password."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url)
    except (ArgumentError, ValueError) as exc:
        raise DatabaseError(f"malformed database URL {safe_url(url)}: {redact(str(exc), url)}; "
                            f"{URL_HINT}") from exc


def sqlite_file(url: str) -> Path | None:
    """The file behind a SQLite URL (None for in-memory SQLite and other databases).

    Raises
    ------
    DatabaseError
        When the URL is malformed (the message hides the password).
    """
    parsed = _parse_url(url)
    if not parsed.drivername.startswith("sqlite") or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def _script_directory():
    from alembic.script import ScriptDirectory

    return ScriptDirectory(str(MIGRATIONS))


def head_revision() -> str:
    """The newest schema revision shipped with this version of nanosynth (Alembic head)."""
    return _script_directory().get_current_head()


def schema_revision(engine: Engine) -> str | None:
    """The Alembic revision the database behind ``engine`` is at (None when it was never migrated)."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def ensure_current(engine: Engine) -> None:
    """Refuse a database that is not migrated to this version's head revision.

    Raises
    ------
    DatabaseError
        One line naming the database, its revision, the expected one and ``nanosynth db upgrade``.
    """
    where = safe_url(engine.url.render_as_string(hide_password=False))
    current, head = schema_revision(engine), head_revision()
    if current == head:
        return
    if current is None:
        raise DatabaseError(f"database {where} has no nanosynth schema: run '{UPGRADE_COMMAND}' first")
    known = {rev.revision for rev in _script_directory().walk_revisions()}
    if current not in known:
        raise DatabaseError(f"database {where} is at schema revision {current!r}, unknown to this version of "
                            f"nanosynth (head {head!r}): it was migrated by a newer nanosynth; upgrade nanosynth")
    raise DatabaseError(f"database {where} is at schema revision {current!r}, this version of nanosynth needs "
                        f"{head!r}: run '{UPGRADE_COMMAND}'")


def open_database(url: str | None = None) -> Engine:
    """The engine of an existing database migrated to head: the one way every command opens the database.

    Creates nothing: a missing SQLite file is refused before connecting (SQLite would create it). Only
    ``nanosynth db upgrade`` (:func:`nanosynth.db.migrate.upgrade`) creates or migrates a database.

    Raises
    ------
    DatabaseError
        When the URL is unusable, the SQLite file does not exist, or the schema is missing or outdated; the
        message names the command that fixes it.
    """
    url = url or default_url()
    path = sqlite_file(url)
    if path is not None and not path.is_file():
        raise DatabaseError(f"database file {path} does not exist: create it with '{UPGRADE_COMMAND}' "
                            "(or set NANOSYNTH_DATABASE_URL / --database-url to an existing database)")
    engine = make_engine(url)
    try:
        ensure_current(engine)
    except OperationalError as exc:
        engine.dispose()
        raise DatabaseError(f"cannot reach database {safe_url(url)}: {exc.orig}. Check NANOSYNTH_DATABASE_URL "
                            "or --database-url") from exc
    except BaseException:
        engine.dispose()
        raise
    return engine


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
