import pytest
from sqlalchemy import text

from nanosynth.db.engine import default_url, make_engine, session_scope


def test_default_url_is_sqlite_in_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert default_url() == f"sqlite:///{tmp_path / 'nanosynth.db'}"


def test_sqlite_foreign_keys_on(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'a.db'}")
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    engine.dispose()


def test_postgres_urls_use_psycopg():
    engine = make_engine("postgresql://u:p@127.0.0.1:1/db")
    assert engine.url.drivername == "postgresql+psycopg"


def test_session_scope_rolls_back_on_error(engine):
    with pytest.raises(RuntimeError), session_scope(engine) as s:
        s.execute(text("INSERT INTO dataset_import (dataset, file_name, file_sha256, rows, added, skipped, "
                       "rejected, rejections, created_at) VALUES ('x','f','h',0,0,0,0,'[]','2026-01-01')"))
        raise RuntimeError("boom")
    with session_scope(engine) as s:
        assert s.execute(text("SELECT count(*) FROM dataset_import")).scalar() == 0
