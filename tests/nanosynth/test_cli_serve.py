"""``nanosynth serve``: loopback by default, the configured database, a clean refusal when it is missing."""

from __future__ import annotations

from typer.testing import CliRunner

from nanosynth.cli.main import app


def test_serve_listens_on_loopback_by_default(explorer_db, monkeypatch):
    import uvicorn

    url, _ = explorer_db
    seen = {}
    monkeypatch.setattr(uvicorn, "run", lambda application, **kw: seen.update(kw, app=application))
    result = CliRunner().invoke(app, ["--database-url", url, "serve", "--port", "8111"])
    assert result.exit_code == 0, result.output
    assert seen["host"] == "127.0.0.1" and seen["port"] == 8111 and seen["app"].title == "nanosynth explorer"
    assert "http://127.0.0.1:8111/" in result.output


def test_serve_refuses_a_missing_database_and_creates_none(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NANOSYNTH_DATABASE_URL", raising=False)
    result = CliRunner().invoke(app, ["serve"])
    assert result.exit_code == 1 and "does not exist" in result.output
    assert list(tmp_path.iterdir()) == []
