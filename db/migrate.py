"""Alembic migrations driven from Python (``nanosynth db upgrade``), without an alembic.ini on disk."""

from __future__ import annotations

import logging
from pathlib import Path

from sqlalchemy import inspect

from nanosynth.db.engine import make_engine
from nanosynth.schema.errors import DatabaseError

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str):
    """An Alembic ``Config`` for ``url`` pointing at the packaged migration scripts."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    cfg.attributes["configure_logger"] = False
    return cfg


def upgrade(url: str, revision: str = "head") -> str:
    """Migrate the database at ``url`` to ``revision`` (default: head); returns the revision reached.

    Raises
    ------
    DatabaseError
        When the database cannot be reached or a migration fails.
    """
    from alembic import command

    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            cfg = alembic_config(url)
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)
        return current_revision(url) or ""
    except DatabaseError:
        raise
    except Exception as exc:
        raise DatabaseError(f"migration of {_safe(url)} to {revision} failed: {exc}") from exc
    finally:
        engine.dispose()


def current_revision(url: str) -> str | None:
    """The Alembic revision the database is at (None for an unmigrated database)."""
    from alembic.runtime.migration import MigrationContext

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    finally:
        engine.dispose()


def head_revision() -> str:
    """The newest revision shipped with this version of nanosynth."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def ensure_current(engine) -> None:
    """Raise a clear error when the database behind ``engine`` is not migrated to head."""
    names = set(inspect(engine).get_table_names())
    if "recipe" not in names:
        raise DatabaseError(
            f"database {_safe(str(engine.url))} has no nanosynth tables: run 'nanosynth db upgrade' first"
        )


def _safe(url: str) -> str:
    """URL with any password hidden (for messages and logs)."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # a malformed URL: show no part of it that could be a secret
        return "<database url>"
