"""Every command opens the database one way: a missing or unmigrated database is refused with the command that
fixes it, read-only commands create no file, and ``models cv`` never imports curated files behind the user's back."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from nanosynth.cli import apps
from nanosynth.cli.main import app

READ_ONLY = [
    ["db", "stats"],
    ["db", "query", "-c", "CdSe"],
    ["db", "export", "-o", "out.csv"],
    ["ingest", "status", "--json"],
    ["lab", "list"],
    ["lab", "report", "1"],
    ["models", "list"],
    ["models", "show", "some-model"],
    ["models", "cv", "--source", "cdse-literature", "--target", "size_nm"],
    ["db", "query", "--json"],
    ["lab", "list", "--json"],
    ["lab", "reconcile", "1"],
    ["models", "list", "--json"],
    ["ingest", "status"],
]


def _invoke(url: str, *args: str):
    apps._state.pop("settings", None)
    return CliRunner().invoke(app, ["--database-url", url, *args])


@pytest.mark.parametrize("args", READ_ONLY, ids=lambda a: " ".join(a))
def test_read_only_commands_create_no_database(tmp_path, monkeypatch, args):
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "absent.db"
    result = _invoke(f"sqlite:///{path}", *args)
    assert result.exit_code == 1, result.output
    assert "does not exist" in result.output and "nanosynth db upgrade" in result.output
    assert not path.exists()


def test_commands_refuse_an_outdated_schema(tmp_path):
    from alembic.script import ScriptDirectory

    from nanosynth.db.engine import MIGRATIONS, head_revision
    from nanosynth.db.migrate import upgrade

    older = ScriptDirectory(str(MIGRATIONS)).get_revision(head_revision()).down_revision
    if older is None:
        pytest.skip("this version ships a single migration: no older revision to stamp")
    url = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade(url, older)  # a database whose schema predates this version's head
    for args in (["db", "stats"], ["db", "import", "x.csv", "--format", "cdse-hte"], ["lab", "list"],
                 ["models", "list"], ["ingest", "status"]):
        result = _invoke(url, *args)
        assert result.exit_code == 1 and "run 'nanosynth db upgrade'" in result.output, (args, result.output)
    assert _invoke(url, "db", "upgrade").exit_code == 0
    assert _invoke(url, "db", "stats").exit_code == 0


def test_models_cv_names_the_import_to_run(tmp_path):
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    assert _invoke(url, "db", "upgrade").exit_code == 0
    result = _invoke(url, "models", "cv", "--source", "cdse-literature", "--target", "size_nm")
    assert result.exit_code == 1
    flat = " ".join(result.output.split())
    assert "no cdse-literature recipes" in flat and "nanosynth db import" in flat and "--format cdse-literature" in flat
    stats = _invoke(url, "db", "stats", "--json")
    assert '"recipes": 0' in stats.output  # nothing was imported
