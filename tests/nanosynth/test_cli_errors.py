"""Error output of the CLI (issue 15, point 8): one line that says what is wrong and how to fix it, no password,
rich markup in file bytes shown as text, the traceback only behind ``--debug``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from nanosynth.cli import apps
from nanosynth.cli.main import app
from nanosynth.db.engine import redact, safe_url
from nanosynth.db.migrate import upgrade

sys.path.insert(0, str(Path(__file__).resolve().parent))
FAKE = "_ingest_fakes:FakePipeline"
PASSWORD = "s3cret-Pw"
BAD_URLS = {
    "bad port": f"postgresql+psycopg://alice:{PASSWORD}@localhost:notaport/db",
    "unknown driver": f"nosuchdb://alice:{PASSWORD}@localhost/db",
    "unreachable": f"postgresql+psycopg://alice:{PASSWORD}@127.0.0.1:1/db",
    "garbled": f"postgresql+psycopg//alice:{PASSWORD}@localhost/db",
}


def invoke(*args: str, env: dict | None = None):
    apps._state.clear()
    return CliRunner().invoke(app, list(args), env=env)


def lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


@pytest.mark.parametrize("case", BAD_URLS, ids=str)
@pytest.mark.parametrize("command", [["db", "stats"], ["db", "upgrade"], ["ingest", "status"]], ids=" ".join)
def test_malformed_database_url_never_prints_the_password(case, command, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for args, env in (([ "--database-url", BAD_URLS[case]], None), ([], {"NANOSYNTH_DATABASE_URL": BAD_URLS[case]})):
        result = invoke(*args, *command, env=env)
        assert result.exit_code == 1, result.output
        assert PASSWORD not in result.output
        assert len(lines(result.output)) == 1 and result.output.startswith("error:"), result.output
    debug = invoke("--debug", "--database-url", BAD_URLS[case], *command)
    assert PASSWORD not in debug.output and "Traceback" in debug.output
    assert list(tmp_path.iterdir()) == []


def test_redact_hides_passwords_in_any_text():
    url = "postgresql+psycopg://alice:p%40ss@host/db"
    assert "p%40ss" not in redact(f"could not parse {url}", url)
    assert "p@ss" not in redact("connection for alice with password p@ss refused", url)
    assert redact("see mysql://bob:hunter2@h/x and sqlite:///a.db") == "see mysql://bob:***@h/x and sqlite:///a.db"
    assert PASSWORD not in safe_url(BAD_URLS["bad port"])


def test_bad_config_file_gives_one_line(tmp_path):
    for text, expected in (('[nanosynth]\ndatabase_ur = "sqlite:///x.db"\n', "did you mean 'database_url'"),
                           ("this is = = not toml", "not valid TOML"),
                           ('[nanosynth]\nartifacts_dir = [1, 2]\n', "artifacts_dir")):
        cfg = tmp_path / "bad.toml"
        cfg.write_text(text)
        result = invoke("--config", str(cfg), "db", "stats")
        assert result.exit_code == 1
        assert len(lines(result.output)) == 1 and expected in result.output, result.output
        assert "Traceback" not in result.output


def test_broken_pdf_gives_one_line(tmp_path):
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.4\n" + bytes(range(256)) * 20 + b"\n%%EOF\n")
    result = invoke("miner", "classify", str(broken), "--model", "default")
    assert result.exit_code == 1
    assert len(lines(result.output)) == 1 and "corrupt" in result.output and "download it again" in result.output
    debug = invoke("--debug", "miner", "classify", str(broken))
    assert debug.exit_code == 1 and "Traceback (most recent call last)" in debug.output
    assert "ReaderError" in debug.output


def test_unexpected_error_is_one_line_and_debug_shows_the_traceback(tmp_path, monkeypatch):
    import nanosynth.db.stats

    def boom(session):
        raise ValueError("something [bold]odd[/] happened\nsecond line")

    monkeypatch.setattr(nanosynth.db.stats, "stats", boom)
    url = f"sqlite:///{tmp_path / 'x.db'}"
    upgrade(url)
    result = invoke("--database-url", url, "db", "stats")
    assert result.exit_code == 1
    assert lines(result.output) == ["error: unexpected ValueError: something [bold]odd[/] happened "
                                    "(nanosynth --debug ... shows the traceback)"]
    debug = invoke("--debug", "--database-url", url, "db", "stats")
    assert debug.exit_code == 1 and "Traceback (most recent call last)" in debug.output
    assert "raise ValueError" in debug.output


def test_missing_file_is_one_line(tmp_path):
    result = invoke("miner", "classify", str(tmp_path / "absent.pdf"))
    assert result.exit_code != 0 and len(lines(result.output)) <= 5  # click's usage error or ours, no traceback
    assert "Traceback" not in result.output


def test_markup_in_file_bytes_and_names_does_not_break_ingest_output(tmp_path):
    url = f"sqlite:///{tmp_path / 'm.db'}"
    upgrade(url)
    papers = tmp_path / "papers"
    papers.mkdir()
    (papers / "[bold]odd[red].txt").write_bytes(b"BROKEN [/] [bold]not closed")  # the error names the file
    (papers / "fine[i].txt").write_text("Title with [/] markup\n\nA synthesis of CdSe [link=x]dots[/link].\n")
    run = invoke("--database-url", url, "ingest", str(papers), "--pipeline", FAKE, "--job", "[/]job")
    assert run.exit_code == 0, run.output
    assert "[/]job" in run.output and "[bold]odd[red].txt" in run.output
    status = invoke("--database-url", url, "ingest", "status", "--job", "[/]job")
    assert status.exit_code == 0, status.output
    assert "[bold]odd[red]" in status.output and "'[/]job'" in status.output
    as_json = invoke("--database-url", url, "ingest", "status", "--json")
    assert json.loads(as_json.output)["failed"] == 1


@pytest.mark.parametrize("text", ['{"name": "x", "files": ', '["x"]', '{"files": {}}'],
                         ids=["truncated", "list", "bare"])
def test_malformed_model_manifest_gives_one_line(tmp_path, text):
    model = tmp_path / "model"
    model.mkdir()
    (model / "manifest.json").write_text(text)
    (tmp_path / "paper.txt").write_text("A paragraph.\n")
    url = f"sqlite:///{tmp_path / 'x.db'}"
    upgrade(url)
    for args in (["models", "show", str(model)], ["miner", "classify", str(tmp_path / "paper.txt"), "--model",
                                                  str(model)],
                 ["models", "predict", "--model", str(model), "--data", str(tmp_path / "paper.txt")]):
        result = invoke("--database-url", url, *args)
        assert result.exit_code == 1 and len(lines(result.output)) == 1, (args, result.output)
        assert "manifest" in result.output or "format None" in result.output or "stage None" in result.output


def test_usage_errors_keep_their_usage_message_and_exit_2():
    for args in (["db", "query", "--limit", "abc"], ["db", "query", "--bogus"], ["models", "nosuch"]):
        result = invoke(*args)
        assert result.exit_code == 2 and "unexpected" not in result.output, result.output


def test_a_closed_stdout_pipe_is_not_reported_as_an_error(tmp_path, monkeypatch):
    import nanosynth.db.stats

    def closed(session):
        raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr(nanosynth.db.stats, "stats", closed)
    url = f"sqlite:///{tmp_path / 'x.db'}"
    upgrade(url)
    result = invoke("--database-url", url, "db", "stats", "--json")
    assert result.exit_code == 1 and result.output == ""


def test_extract_reports_a_broken_pdf_once(tmp_path):
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.4\n" + bytes(range(256)) * 20 + b"\n%%EOF\n")
    result = invoke("extract", str(broken), "--classifier-model", "heuristic", "--ner-model", "none")
    assert result.exit_code == 1  # every document failed
    assert lines(result.output) == lines(result.stderr) and len(lines(result.stderr)) == 1, result.output
    assert "broken.pdf" in result.stderr and "corrupt" in result.stderr
