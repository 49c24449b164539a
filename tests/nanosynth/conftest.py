import pytest

from nanosynth.db.engine import create_all, make_engine
from tests.db.conftest import gu_file, hte_files, lit_file  # noqa: F401  (shared dataset fixtures)


@pytest.fixture()
def db(tmp_path):
    """A fresh SQLite file database with every table, for ingestion jobs (several connections)."""
    engine = make_engine(f"sqlite:///{tmp_path / 'ingest.db'}")
    create_all(engine)
    yield engine
    engine.dispose()
