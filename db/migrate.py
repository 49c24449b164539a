"""Alembic migrations driven from Python (``nanosynth db upgrade``), without an alembic.ini on disk."""

from __future__ import annotations

import logging

from nanosynth.db.engine import MIGRATIONS, ensure_current, head_revision, make_engine, safe_url, schema_revision
from nanosynth.schema.errors import DatabaseError

log = logging.getLogger(__name__)

__all__ = ["alembic_config", "current_revision", "ensure_current", "head_revision", "upgrade"]


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
        with engine.connect() as conn:
            _foreign_keys_off_for_batch(conn)
            cfg = alembic_config(url)
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)
            _check_foreign_keys(conn)
            conn.commit()
        return current_revision(url) or ""
    except DatabaseError:
        raise
    except Exception as exc:
        raise DatabaseError(f"migration of {safe_url(url)} to {revision} failed: {exc}") from exc
    finally:
        engine.dispose()


def _foreign_keys_off_for_batch(conn) -> None:
    """SQLite: switch foreign-key enforcement off for this connection while migrating.

    On SQLite, Alembic's batch mode alters a table by copying it and dropping the original; with enforcement on
    (every nanosynth connection turns it on), dropping a table that other rows reference fails, so a populated
    database could not be upgraded. The pragma only takes effect outside a transaction, hence the commit.
    """
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
        conn.commit()


def _check_foreign_keys(conn) -> None:
    """SQLite: refuse to commit a migration that left a row pointing at nothing."""
    if conn.dialect.name == "sqlite":
        broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
        if broken:
            raise DatabaseError(f"migration left {len(broken)} row(s) with a dangling reference (first: "
                                f"{tuple(broken[0])}); the database was not changed")


def current_revision(url: str) -> str | None:
    """The Alembic revision the database at ``url`` is at (None for an unmigrated database)."""
    engine = make_engine(url)
    try:
        return schema_revision(engine)
    finally:
        engine.dispose()
