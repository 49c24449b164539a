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
        with engine.begin() as conn:
            cfg = alembic_config(url)
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)
        return current_revision(url) or ""
    except DatabaseError:
        raise
    except Exception as exc:
        raise DatabaseError(f"migration of {safe_url(url)} to {revision} failed: {exc}") from exc
    finally:
        engine.dispose()


def current_revision(url: str) -> str | None:
    """The Alembic revision the database at ``url`` is at (None for an unmigrated database)."""
    engine = make_engine(url)
    try:
        return schema_revision(engine)
    finally:
        engine.dispose()
