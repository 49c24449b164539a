"""``nanosynth ingest PATH...``, ``--doi-file`` and ``nanosynth ingest status [--json]``."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest
from _ingest_fakes import good_text, write_corpus
from typer.testing import CliRunner

from nanosynth.cli import apps, ingest_cmds
from nanosynth.db.engine import make_engine
from nanosynth.db.migrate import upgrade
from nanosynth.cli.main import app

FAKE = "_ingest_fakes:FakePipeline"
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "miner"))  # the fake HTTP server helper


@pytest.fixture()
def cli(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    upgrade(url)
    monkeypatch.setenv("NANOSYNTH_CACHE_DIR", str(tmp_path / "cache"))
    runner = CliRunner()

    def invoke(*args: str):
        apps._state.pop("settings", None)
        result = runner.invoke(app, ["--database-url", url, *args], catch_exceptions=False)
        return result

    return invoke


def test_ingest_then_status_json(cli, tmp_path):
    corpus = write_corpus(tmp_path / "papers", n_good=5, broken=1, empty=1, crash=0)
    result = cli("ingest", str(corpus), "--pipeline", FAKE, "--job", "cli")
    assert result.exit_code == 0, result.output
    assert "ingest job 'cli'" in flat(result.output) and "failed in this run: reasons" in flat(result.output)
    assert "broken0.txt" in result.output

    status = cli("ingest", "status", "--job", "cli", "--json")
    assert status.exit_code == 0, status.output
    data = json.loads(status.output)
    assert (data["done"], data["failed"], data["skipped"], data["pending"]) == (5, 2, 1, 0)
    assert data["pipeline_version"] == "fake@1" and data["recipes_extracted"] == 10
    failed = {Path(f["source"]).name: f for f in data["failures"]}
    assert set(failed) == {"broken0.txt", "empty0.txt"}
    assert failed["broken0.txt"]["error"].startswith("ReaderError") and failed["broken0.txt"]["reason"]
    assert sum(data["reasons"].values()) == 2

    table = cli("ingest", "status", "--job", "cli")
    assert table.exit_code == 0 and "done" in table.output and "empty0.txt" in table.output

    again = cli("ingest", str(corpus), "--pipeline", FAKE, "--job", "cli", "--json")
    summary = json.loads(again.output)
    assert summary["processed"] == 0 and summary["not_retried"] == 2
    assert summary["skipped_reasons"]["already done with this pipeline version"] == 5


def flat(text: str) -> str:
    """Output with rich's line wrapping undone."""
    return " ".join(text.split())


def test_bad_arguments_are_clean_errors(cli, tmp_path):
    missing = cli("ingest", str(tmp_path / "nope"), "--pipeline", FAKE)
    assert missing.exit_code == 1 and "does not exist" in flat(missing.output)
    both = cli("ingest", str(tmp_path), "--workers", "2", "--scheduler", "tcp://127.0.0.1:1")
    assert both.exit_code == 1 and "not both" in flat(both.output)
    bad = cli("ingest", str(tmp_path), "--pipeline", "no_such_module:factory")
    assert bad.exit_code == 1 and "cannot import pipeline factory" in flat(bad.output)
    nothing = cli("ingest", "status", "--json")
    assert json.loads(nothing.output)["done"] == 0


def test_unmigrated_database_is_reported(tmp_path):
    apps._state.pop("settings", None)
    result = CliRunner().invoke(app, ["--database-url", f"sqlite:///{tmp_path / 'empty.db'}", "ingest",
                                      str(tmp_path), "--pipeline", FAKE])
    assert result.exit_code == 1 and "nanosynth db upgrade" in flat(result.output)


def test_doi_file_fetches_then_ingests(cli, tmp_path, monkeypatch):
    from tests.miner._fetch_server import FakeApi, Reply

    from nanosynth.miner.fetch import FetchConfig, HttpConfig, RetryPolicy

    api = FakeApi().start()
    try:
        api.route("/works/10.1021/good.1", Reply(200, json.dumps({"message": {
            "DOI": "10.1021/good.1", "title": ["CdSe by hot injection"], "container-title": ["Chem. Mater."],
            "issued": {"date-parts": [[2019]]}}}).encode()))
        api.route("/v2/10.1021/good.1", Reply(200, json.dumps({"best_oa_location": {
            "url_for_pdf": None, "url": f"{api.url}/fulltext/good1"}}).encode()))
        api.route("/fulltext/good1", Reply(200, good_text(1).encode(), "text/plain"))
        api.route("/works/10.1021/later.2", Reply(200, json.dumps({"message": {"DOI": "10.1021/later.2"}}).encode()))
        config = FetchConfig(crossref_url=api.url, unpaywall_url=api.url, arxiv_api_url=api.url, arxiv_url=api.url,
                             unpaywall_email="curator@lab.org",
                             http=HttpConfig(min_interval_s=0, cache_dir=tmp_path / "cache",
                                             retry=RetryPolicy(max_attempts=1)))
        monkeypatch.setattr(ingest_cmds, "fetch_config", lambda: config)
        doi_file = tmp_path / "dois.txt"
        doi_file.write_text("# curated list\nhttps://doi.org/10.1021/good.1\n10.1021/later.2\n\n")

        first = cli("ingest", "--doi-file", str(doi_file), "--pipeline", FAKE, "--job", "dois", "--json")
        assert first.exit_code == 0, first.output
        summary = json.loads(first.output)
        assert (summary["done"], summary["failed"]) == (1, 1)
        assert summary["failures"][0]["source"] == "doi:10.1021/later.2"
        assert "no full text found" in summary["failures"][0]["error"]
        data = json.loads(cli("ingest", "status", "--job", "dois", "--json").output)
        assert (data["done"], data["failed"]) == (1, 1)

        # the paper got its Crossref metadata
        from sqlalchemy import select

        from nanosynth.db.engine import session_scope
        from nanosynth.schema.tables import Paper

        engine = make_engine(f"sqlite:///{tmp_path / 'cli.db'}")
        with session_scope(engine) as s:
            paper = s.execute(select(Paper)).scalar_one()
        engine.dispose()
        assert (paper.doi, paper.journal, paper.year) == ("10.1021/good.1", "Chem. Mater.", 2019)

        # the second paper becomes open access; a retry fetches and ingests it, the placeholder disappears
        api.route("/v2/10.1021/later.2", Reply(200, json.dumps({"best_oa_location": {
            "url": f"{api.url}/fulltext/later2"}}).encode()))
        api.route("/fulltext/later2", Reply(200, good_text(2).encode(), "text/plain"))
        plain = json.loads(cli("ingest", "--doi-file", str(doi_file), "--pipeline", FAKE, "--job", "dois",
                               "--json").output)
        assert plain["not_retried"] == 1 and plain["processed"] == 0
        retry = json.loads(cli("ingest", "--doi-file", str(doi_file), "--pipeline", FAKE, "--job", "dois",
                               "--retry-failed", "--json").output)
        assert retry["done"] == 1 and retry["failed"] == 0
        data = json.loads(cli("ingest", "status", "--job", "dois", "--json").output)
        assert (data["done"], data["failed"], data["total"]) == (2, 0, 2)
    finally:
        api.stop()


def test_ingest_limits_come_from_the_settings_and_are_in_the_summary(cli, tmp_path, monkeypatch):
    corpus = write_corpus(tmp_path / "papers", n_good=2, broken=0, empty=0, extra_files=False)
    (corpus / "big.txt").write_text(good_text(5) + "filler\n" * 3000)
    monkeypatch.setenv("NANOSYNTH_INGEST__MAX_FILE_MB", "0.01")
    result = cli("ingest", str(corpus), "--pipeline", FAKE, "--job", "lim", "--json")
    summary = json.loads(result.output)
    assert summary["limits"]["max_file_mb"] == 0.01 and summary["limits"]["time_limit_s"] == 600
    assert (summary["done"], summary["failed"]) == (2, 1)
    assert summary["failures"][0]["error"].startswith("too large") and "max_file_mb" in summary["failures"][0]["error"]


def test_markdown_files_in_a_folder_are_ingested(cli, tmp_path):
    papers = tmp_path / "md"
    papers.mkdir()
    (papers / "notes.md").write_text(good_text(41))
    (papers / "more.markdown").write_text(good_text(42))
    result = cli("ingest", str(papers), "--pipeline", FAKE, "--job", "md", "--json")
    summary = json.loads(result.output)
    assert result.exit_code == 0 and (summary["done"], summary["skipped"]) == (2, 0), result.output


def test_ingest_exits_non_zero_when_every_document_failed(cli, tmp_path):
    bad = tmp_path / "bad"
    bad.mkdir()
    for i in range(2):
        (bad / f"broken{i}.txt").write_text(f"BROKEN {i}\n")
    result = cli("ingest", str(bad), "--pipeline", FAKE, "--job", "bad")
    assert result.exit_code == 1 and "every document of this run failed (2)" in flat(result.output)
    as_json = cli("ingest", str(bad), "--pipeline", FAKE, "--job", "bad", "--retry-failed", "--json")
    assert as_json.exit_code == 1 and json.loads(as_json.output.split("\nerror:")[0])["failed"] == 2
    (bad / "good.txt").write_text(good_text(3))
    mixed = cli("ingest", str(bad), "--pipeline", FAKE, "--job", "bad", "--retry-failed")
    assert mixed.exit_code == 0, mixed.output  # some succeeded: the failures are listed, the run is not an error


def test_dangling_links_and_pipes_stay_in_the_status(cli, tmp_path):
    from _ingest_fakes import write_hostile_inputs

    expected = write_hostile_inputs(tmp_path / "hostile", tmp_path / "elsewhere")
    assert cli("ingest", str(tmp_path / "hostile"), "--pipeline", FAKE, "--job", "h").exit_code == 0
    data = json.loads(cli("ingest", "status", "--job", "h", "--json").output)
    assert {Path(f["source"]).name for f in data["failures"]} == set(expected)


def test_status_of_a_misspelled_job_names_the_jobs(cli, tmp_path):
    corpus = write_corpus(tmp_path / "papers", n_good=1, broken=0, empty=0, crash=0)
    assert cli("ingest", str(corpus), "--pipeline", FAKE, "--job", "samples").exit_code == 0
    result = CliRunner().invoke(app, ["--database-url", f"sqlite:///{tmp_path / 'cli.db'}", "ingest", "status",
                                      "--job", "sample"])
    assert result.exit_code == 1 and "did you mean 'samples'" in result.output


def test_identical_files_are_both_in_the_status(cli, tmp_path):
    root = tmp_path / "same"
    root.mkdir()
    for name in ("first.txt", "second.txt"):
        (root / name).write_text(good_text(7))
    result = cli("ingest", str(root), "--pipeline", FAKE, "--job", "same")
    assert result.exit_code == 0, result.output
    data = json.loads(cli("ingest", "status", "--job", "same", "--json").output)
    assert (data["done"], data["duplicate"], data["total"]) == (1, 1, 2)
    assert data["duplicates"] == [{"source": str(root / "second.txt"), "duplicate_of": str(root / "first.txt")}]
    table = flat(cli("ingest", "status", "--job", "same").output)
    assert re.search(r"duplicate\s*│\s*1\s*│", table) and "duplicates (same bytes as another source" in table
