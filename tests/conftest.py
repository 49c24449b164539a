"""Shared fixtures: shared-data location, in-memory SQLite engine, PostgreSQL URL when one is configured."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("NANOSYNTH_SHARED_DATA", REPO.parent / "shared" / "data"))
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``../shared/data``; tests that need it skip with a clear reason when it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared data folder {SHARED_DATA} is absent (set NANOSYNTH_SHARED_DATA)")
    return SHARED_DATA


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    return FIXTURES


@pytest.fixture()
def engine():
    """A fresh in-memory SQLite engine with every table created."""
    from nanosynth.db.engine import create_all, make_engine

    eng = make_engine("sqlite://")
    create_all(eng)
    yield eng
    eng.dispose()


def postgres_url() -> str | None:
    return os.environ.get("NANOSYNTH_TEST_POSTGRES_URL")


@pytest.fixture()
def pg_database_url():
    """A new, empty PostgreSQL database for one test (dropped afterwards); skipped without a server."""
    base = postgres_url()
    if not base:
        if os.environ.get("CI"):
            pytest.fail("NANOSYNTH_TEST_POSTGRES_URL is not set in CI: .ci/run must start PostgreSQL")
        pytest.skip("no PostgreSQL configured (set NANOSYNTH_TEST_POSTGRES_URL)")
    import sqlalchemy as sa

    name = f"nst_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(base.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = base.rsplit("/", 1)[0] + "/" + name
    yield url.replace("postgresql://", "postgresql+psycopg://")
    with admin.connect() as conn:
        conn.execute(sa.text(
            f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}' AND pid <> pg_backend_pid()"
        ))
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
    admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def any_db_url(request, tmp_path):
    """The same test against a SQLite file and (when configured) PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'test.db'}"
    return request.getfixturevalue("pg_database_url")


@pytest.fixture()
def explorer_db(any_db_url):
    """(url, ids): a migrated database (SQLite file, and PostgreSQL when configured) holding ``explorer_data``."""
    from explorer_data import fill

    from nanosynth.db.engine import make_engine
    from nanosynth.db.migrate import upgrade

    upgrade(any_db_url)
    eng = make_engine(any_db_url)
    ids = fill(eng)
    eng.dispose()
    return any_db_url, ids
