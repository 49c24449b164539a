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


#: Where the notebook tests write each executed notebook as HTML (set in CI, which keeps the folder).
NOTEBOOK_HTML_DIR = os.environ.get("NANOSYNTH_NOTEBOOK_HTML_DIR")


def notebook_figures(nb) -> int:
    """Number of figures a notebook shows inline (``image/png`` outputs)."""
    return sum("image/png" in o.get("data", {}) for c in nb.cells if c.cell_type == "code" for o in c.outputs)


@pytest.fixture()
def run_notebook(tmp_path, monkeypatch):
    """Execute a notebook with this interpreter's kernel and return it.

    The kernel gets a private ``TMPDIR`` that must be empty afterwards (a notebook leaves no temp folders); no
    cell may fail; the executed notebook is rendered to HTML with nbconvert (into ``$NANOSYNTH_NOTEBOOK_HTML_DIR``
    when set, which CI keeps).
    """
    import sys

    import nbformat
    from nbclient import NotebookClient
    from nbconvert import HTMLExporter

    def run(path: Path, cwd: Path, timeout: int = 240):
        scratch = tmp_path / "kernel-tmp"
        scratch.mkdir(exist_ok=True)
        monkeypatch.setenv("TMPDIR", str(scratch))
        monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
        nb = nbformat.read(path, as_version=4)
        client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                                resources={"metadata": {"path": str(cwd)}})
        client.kernel_manager_kwargs = {"kernel_cmd": [sys.executable, "-m", "ipykernel_launcher", "-f",
                                                       "{connection_file}"]}
        client.execute()
        errors = [o for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
        assert not errors, errors
        assert sorted(p.name for p in scratch.iterdir()) == [], "the notebook left temporary files behind"
        html, _ = HTMLExporter().from_notebook_node(nb)
        out = Path(NOTEBOOK_HTML_DIR) if NOTEBOOK_HTML_DIR else tmp_path / "html"
        out.mkdir(parents=True, exist_ok=True)
        (out / f"{path.stem}.html").write_text(html, encoding="utf-8")
        assert html.count("data:image/png;base64") >= notebook_figures(nb)
        return nb

    return run
