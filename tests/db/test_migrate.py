"""Alembic migrations: an empty database migrates to head on SQLite and PostgreSQL; the schema matches models."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from nanosynth.db.engine import make_engine
from nanosynth.db.migrate import alembic_config, current_revision, ensure_current, head_revision, upgrade
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


def test_0002_adds_paragraph_section_type_to_existing_rows_and_downgrades(any_db_url):
    assert upgrade(any_db_url, "0001") == "0001"
    engine = make_engine(any_db_url)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO paper (key, source_kind, created_at) VALUES ('doi:10.1000/m', 'text', "
                          "CURRENT_TIMESTAMP)"))
        conn.execute(text("INSERT INTO paragraph (paper_id, \"order\", text) SELECT id, 0, 'CdO' FROM paper"))
    assert upgrade(any_db_url, "0002") == "0002"
    with engine.connect() as conn:
        assert conn.execute(text("SELECT text, section_type FROM paragraph")).one() == ("CdO", None)
    engine.dispose()
    command.downgrade(alembic_config(any_db_url), "0001")
    engine = make_engine(any_db_url)
    assert "section_type" not in {c["name"] for c in inspect(engine).get_columns("paragraph")}
    engine.dispose()
    assert current_revision(any_db_url) == "0001"


def test_0003_marks_existing_twin_recipes_simulated_and_downgrades(any_db_url):
    assert upgrade(any_db_url, "0002") == "0002"
    engine = make_engine(any_db_url)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO campaign (name, status, adapter, target, config, created_at) VALUES "
                          "('c', 'done', 'nanosynth.lab.adapters.simulated:SimulatedReactor', '{}', '{}', "
                          "CURRENT_TIMESTAMP)"))
        conn.execute(text("INSERT INTO experiment (campaign_id, seq, status, parameters, created_at) "
                          "SELECT id, 0, 'done', '{}', CURRENT_TIMESTAMP FROM campaign"))
        conn.execute(text("INSERT INTO recipe (source_key, source_kind, method, experiment_id, created_at) "
                          "SELECT 'campaign:1:exp0', 'campaign', 'hot_injection', id, CURRENT_TIMESTAMP "
                          "FROM experiment"))
        conn.execute(text("INSERT INTO recipe (source_key, source_kind, method, created_at) VALUES "
                          "('real:1', 'campaign', 'hot_injection', CURRENT_TIMESTAMP), "
                          "('ds:1', 'curated_dataset', 'unknown', CURRENT_TIMESTAMP)"))
    assert upgrade(any_db_url, "0003") == "0003"
    with engine.connect() as conn:
        flags = dict(conn.execute(text("SELECT source_key, simulated FROM recipe")).all())
    engine.dispose()
    assert {k: bool(v) for k, v in flags.items()} == {"campaign:1:exp0": True, "real:1": False, "ds:1": False}
    command.downgrade(alembic_config(any_db_url), "0002")
    engine = make_engine(any_db_url)
    assert "simulated" not in {c["name"] for c in inspect(engine).get_columns("recipe")}
    engine.dispose()


def test_0004_adds_ingestion_attempts_to_existing_rows_and_downgrades(any_db_url):
    assert upgrade(any_db_url, "0003") == "0003"
    engine = make_engine(any_db_url)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO ingestion_record (job, source, content_hash, pipeline_version, status, "
                          "recipes, created_at) VALUES ('j', 'a.txt', 'h', 'v', 'running', 0, CURRENT_TIMESTAMP)"))
    assert upgrade(any_db_url, "0004") == "0004"
    with engine.connect() as conn:
        assert conn.execute(text("SELECT source, attempts FROM ingestion_record")).one() == ("a.txt", 0)
    engine.dispose()
    command.downgrade(alembic_config(any_db_url), "0003")
    engine = make_engine(any_db_url)
    assert "attempts" not in {c["name"] for c in inspect(engine).get_columns("ingestion_record")}
    engine.dispose()
    assert current_revision(any_db_url) == "0003"


def test_a_populated_database_upgrades_to_head(any_db_url):
    """Rows that reference the altered tables (a chemical of a recipe, a recipe of a paper) do not stop SQLite's
    batch table rebuilds, and survive them."""
    assert upgrade(any_db_url, "0002") == "0002"
    engine = make_engine(any_db_url)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO paper (key, source_kind, created_at) VALUES ('doi:10.1000/p', 'text', "
                          "CURRENT_TIMESTAMP)"))
        conn.execute(text("INSERT INTO recipe (source_key, source_kind, method, paper_id, created_at) "
                          "SELECT 'r1', 'literature', 'hot_injection', id, CURRENT_TIMESTAMP FROM paper"))
        conn.execute(text("INSERT INTO chemical_use (recipe_id, name_raw, name, role) "
                          "SELECT id, 'CdO', 'cadmium oxide', 'cation_precursor' FROM recipe"))
        conn.execute(text("INSERT INTO ingestion_record (job, source, content_hash, pipeline_version, status, "
                          "recipes, paper_id, created_at) SELECT 'j', 'a.txt', 'h', 'v', 'done', 1, id, "
                          "CURRENT_TIMESTAMP FROM paper"))
    engine.dispose()
    assert upgrade(any_db_url) == head_revision()
    engine = make_engine(any_db_url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT r.source_key, c.name FROM recipe r JOIN chemical_use c "
                                 "ON c.recipe_id = r.id")).one() == ("r1", "cadmium oxide")
        assert conn.execute(text("SELECT status FROM ingestion_record")).scalar_one() == "done"
        if conn.dialect.name == "sqlite":
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar_one() == 1  # enforcement is back on
    engine.dispose()


def test_0005_gives_every_source_its_own_record_and_downgrades(any_db_url):
    insert = text("INSERT INTO ingestion_record (job, source, content_hash, pipeline_version, status, recipes, "
                  "attempts, created_at) VALUES ('j', :source, 'h', 'v', :status, 0, 0, CURRENT_TIMESTAMP)")
    assert upgrade(any_db_url, "0004") == "0004"
    engine = make_engine(any_db_url)
    with engine.begin() as conn:
        conn.execute(insert, {"source": "a.txt", "status": "done"})
    with pytest.raises(IntegrityError), engine.begin() as conn:   # 0004: one record per content
        conn.execute(insert, {"source": "b.txt", "status": "duplicate"})
    engine.dispose()
    assert upgrade(any_db_url, "0005") == "0005"
    engine = make_engine(any_db_url)
    with engine.begin() as conn:
        conn.execute(insert, {"source": "b.txt", "status": "duplicate"})
    with pytest.raises(IntegrityError), engine.begin() as conn:   # still one per (content, source, version)
        conn.execute(insert, {"source": "b.txt", "status": "duplicate"})
    with engine.connect() as conn:
        assert conn.execute(text("SELECT source FROM ingestion_record ORDER BY id")).scalars().all() == [
            "a.txt", "b.txt"]
    engine.dispose()
    command.downgrade(alembic_config(any_db_url), "0004")   # keeps the oldest record of each content
    engine = make_engine(any_db_url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT source, status FROM ingestion_record")).all() == [("a.txt", "done")]
    engine.dispose()
    assert current_revision(any_db_url) == "0004"
