"""One way to open the database: ``open_database`` refuses a missing, unmigrated or outdated schema, creates nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from nanosynth.db.engine import head_revision, make_engine, open_database, schema_revision
from nanosynth.db.migrate import upgrade
from nanosynth.schema.errors import DatabaseError


def _set_revision(url: str, revision: str) -> None:
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = :rev"), {"rev": revision})
    engine.dispose()


def test_migrated_database_opens(any_db_url):
    upgrade(any_db_url)
    engine = open_database(any_db_url)
    assert schema_revision(engine) == head_revision()
    engine.dispose()


def test_missing_sqlite_file_is_refused_and_not_created(tmp_path):
    path = tmp_path / "absent.db"
    with pytest.raises(DatabaseError, match="nanosynth db upgrade") as info:
        open_database(f"sqlite:///{path}")
    assert "does not exist" in str(info.value) and "\n" not in str(info.value)
    assert not path.exists()


def test_unmigrated_database_is_refused(any_db_url):
    engine = make_engine(any_db_url)
    with engine.begin() as conn:  # an existing database without the nanosynth schema
        conn.execute(text("CREATE TABLE unrelated (id INTEGER PRIMARY KEY)"))
    engine.dispose()
    with pytest.raises(DatabaseError, match=r"has no nanosynth schema: run 'nanosynth db upgrade'"):
        open_database(any_db_url)


def test_outdated_database_is_refused_with_the_fix(any_db_url):
    """A database stamped at an older revision than head is refused; ``db upgrade`` brings it to head."""
    from alembic.script import ScriptDirectory

    from nanosynth.db.engine import MIGRATIONS

    older = ScriptDirectory(str(MIGRATIONS)).get_revision(head_revision()).down_revision
    if older is None:
        pytest.skip("this version ships a single migration: no older revision to stamp")
    upgrade(any_db_url, older)
    with pytest.raises(DatabaseError, match=rf"revision '{older}'.*run 'nanosynth db upgrade'"):
        open_database(any_db_url)
    upgrade(any_db_url)
    open_database(any_db_url).dispose()


def test_outdated_revision_is_compared_with_alembic_head(tmp_path, monkeypatch):
    """The check asks Alembic for head (no hard-coded revision): a newer head makes today's schema outdated."""
    import nanosynth.db.engine as engine_mod

    url = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade(url)
    current = head_revision()
    monkeypatch.setattr(engine_mod, "head_revision", lambda: "9999_newer_head")
    with pytest.raises(DatabaseError, match=rf"revision '{current}', this version of nanosynth needs "
                                            r"'9999_newer_head': run 'nanosynth db upgrade'"):
        open_database(url)


def test_revision_from_a_newer_nanosynth_is_refused(tmp_path):
    url = f"sqlite:///{tmp_path / 'newer.db'}"
    upgrade(url)
    _set_revision(url, "ffff_from_the_future")
    with pytest.raises(DatabaseError, match="unknown to this version of nanosynth"):
        open_database(url)


def test_malformed_url_is_refused():
    with pytest.raises(DatabaseError, match="cannot use database URL"):
        open_database("nosuchdriver://x")
