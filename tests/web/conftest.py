"""The explorer on the test database (``explorer_db``: SQLite, and PostgreSQL when configured)."""

from __future__ import annotations

import pytest


@pytest.fixture()
def client(explorer_db):
    """(TestClient of the explorer, ids of the test recipes)."""
    from fastapi.testclient import TestClient

    from nanosynth.db.engine import open_database
    from nanosynth.web.app import create_app

    url, ids = explorer_db
    engine = open_database(url)
    with TestClient(create_app(engine)) as test_client:
        yield test_client, ids
    engine.dispose()
