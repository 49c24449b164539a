"""Alembic migrations: an empty database migrates to head on SQLite and PostgreSQL; the schema matches models."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect

from nanosynth.db.engine import make_engine
from nanosynth.db.migrate import current_revision, ensure_current, head_revision, upgrade
from nanosynth.schema.errors import DatabaseError
from nanosynth.schema.tables import ALL_TABLES


def test_empty_database_migrates_to_head(any_db_url):
    assert current_revision(any_db_url) is None
    assert upgrade(any_db_url) == head_revision()
    engine = make_engine(any_db_url)
    tables = set(inspect(engine).get_table_names())
    assert {t.__tablename__ for t in ALL_TABLES} <= tables
    ensure_current(engine)
    engine.dispose()
    assert upgrade(any_db_url) == head_revision()  # idempotent


def test_migrated_schema_matches_models(any_db_url):
    """No drift between the SQLModel tables and the migration scripts (autogenerate finds nothing)."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext
    from sqlmodel import SQLModel

    upgrade(any_db_url)
    engine = make_engine(any_db_url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    engine.dispose()
    assert diff == []


def test_unmigrated_database_gives_clear_error(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    with pytest.raises(DatabaseError, match="nanosynth db upgrade"):
        ensure_current(engine)


def test_bad_url_gives_clear_error():
    with pytest.raises(DatabaseError, match="cannot use database URL"):
        make_engine("nosuchdriver://x")
