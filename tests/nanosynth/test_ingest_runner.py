"""The ingestion job in one process: recording, skipping, retrying, reprocessing, isolation of bad papers,
taking over abandoned work, and resuming after ``kill -9``."""

from __future__ import annotations

import functools
import os
import signal
import subprocess
import sys
import textwrap
import time
from datetime import timedelta
from pathlib import Path

import pytest
from _ingest_fakes import FakePipeline, good_text, write_corpus
from sqlalchemy import func, select, update

from nanosynth.db.engine import session_scope
from nanosynth.ingest import job_status, run_ingest
from nanosynth.schema.tables import (
    ChemicalUse,
    IngestionRecord,
    Outcome,
    Paper,
    Paragraph,
    Provenance,
    Recipe,
    Step,
    utcnow,
)

TABLES = (Paper, Paragraph, Recipe, ChemicalUse, Step, Outcome, Provenance, IngestionRecord)


def counts(engine) -> dict[str, int]:
    with session_scope(engine) as s:
        return {t.__name__: s.execute(select(func.count()).select_from(t)).scalar() for t in TABLES}


def statuses(engine) -> dict[str, str]:
    with session_scope(engine) as s:
        return {Path(src).name: st for src, st in s.execute(select(IngestionRecord.source, IngestionRecord.status))}



@pytest.fixture()
def corpus(tmp_path):
    return write_corpus(tmp_path / "papers", n_good=6, broken=1, empty=1, crash=1)


def test_records_every_document_and_isolates_failures(db, corpus):
    events = []
    summary = run_ingest(db, [corpus], pipeline=FakePipeline, job="j1", progress=events.append)
    assert (summary.done, summary.failed, summary.processed) == (6, 3, 9)
    assert summary.skipped == 1 and "unsupported file type '.png'" in summary.skipped_reasons
    assert summary.recipes == 12
    c = counts(db)
    assert c["Paper"] == 6 and c["Recipe"] == 12 and c["IngestionRecord"] == 10  # .hidden.txt ignored
    st = statuses(db)
    assert st["broken0.txt"] == st["empty0.txt"] == st["crash0.txt"] == "failed"
    assert st["figure.png"] == "skipped" and st["paper000.txt"] == "done"
    errors = {f.source.split("/")[-1]: f.error for f in summary.failures}
    assert errors["broken0.txt"].startswith("ReaderError:") and "corrupt" in errors["broken0.txt"]
    assert errors["crash0.txt"].startswith("internal error ValueError: unexpected token in layout analysis; ")
    assert errors["crash0.txt"].endswith("`nanosynth -vv ingest ... --retry-failed` logs its traceback; "
                                         "please report it")
    assert len(summary.reasons) == 3
    with session_scope(db) as s:
        rec = s.execute(select(IngestionRecord).where(IngestionRecord.source.like("%paper000.txt"))).scalar_one()
        assert rec.pipeline_version == "fake@1" and rec.recipes == 2 and rec.paper_id is not None
        assert len(rec.content_hash) == 64 and rec.duration_s >= 0 and rec.finished_at >= rec.started_at
    kinds = [e.kind for e in events]
    assert kinds[0] == "start" and kinds[-1] == "end" and kinds.count("document") == 9
    assert events[0].total == 9 and events[-2].completed == 9 and events[-2].failed == 3


def test_rerun_is_idempotent(db, corpus):
    run_ingest(db, [corpus], pipeline=FakePipeline, job="j1")
    before = counts(db)
    again = run_ingest(db, [corpus], pipeline=FakePipeline, job="j1")
    assert again.processed == 0 and again.not_retried == 3
    assert again.skipped_reasons["already done with this pipeline version"] == 6
    assert counts(db) == before
    # another job over the same files does not duplicate anything either
    other = run_ingest(db, [corpus], pipeline=FakePipeline, job="j2", batch_size=2)
    assert other.processed == 0 and counts(db) == before


def test_retry_failed_only_on_request(db, tmp_path):
    corpus = write_corpus(tmp_path / "papers", n_good=3, broken=1, empty=0, flaky=2, extra_files=False)
    first = run_ingest(db, [corpus], pipeline=FakePipeline, job="j")
    assert (first.done, first.failed) == (3, 3)
    fixed = functools.partial(FakePipeline, flaky=False)   # same version, the transient problem is gone
    plain = run_ingest(db, [corpus], pipeline=fixed, job="j")
    assert plain.processed == 0 and plain.not_retried == 3
    retry = run_ingest(db, [corpus], pipeline=fixed, job="j", retry_failed=True)
    assert (retry.processed, retry.done, retry.failed) == (3, 2, 1)
    assert [Path(f.source).name for f in retry.failures] == ["broken0.txt"]
    status = job_status(db, "j")
    assert status.counts["done"] == 5 and status.counts["failed"] == 1 and counts(db)["Paper"] == 5


def test_reprocess_with_new_version_replaces_without_duplicates(db, corpus):
    run_ingest(db, [corpus], pipeline=FakePipeline, job="j")
    before = counts(db)
    v2 = functools.partial(FakePipeline, version="fake@2")
    summary = run_ingest(db, [corpus], pipeline=v2, job="j", reprocess=True)
    assert summary.processed == 9 and summary.done == 6
    after = counts(db)
    for table in ("Paper", "Paragraph", "Recipe", "ChemicalUse", "Step", "Outcome", "Provenance"):
        assert after[table] == before[table], table
    assert after["IngestionRecord"] == before["IngestionRecord"] + 10   # one record per document and version
    with session_scope(db) as s:
        extractors = set(s.execute(select(Provenance.extractor)).scalars())
    assert extractors == {"fake-extractor@fake@2"}
    status = job_status(db, "j")
    assert status.pipeline_version == "fake@2" and status.counts["done"] == 6
    assert set(status.by_version) == {"fake@1", "fake@2"}
    # --reprocess with the same version re-extracts again, still without duplicates
    again = run_ingest(db, [corpus], pipeline=v2, job="j", reprocess=True)
    assert again.done == 6 and counts(db) == after


def test_new_version_without_reprocess_also_replaces(db, corpus):
    run_ingest(db, [corpus], pipeline=FakePipeline, job="j")
    before = counts(db)
    summary = run_ingest(db, [corpus], pipeline=functools.partial(FakePipeline, version="fake@3"), job="j")
    assert summary.done == 6
    assert counts(db)["Recipe"] == before["Recipe"] and counts(db)["Paper"] == before["Paper"]


def test_running_documents_of_dead_or_other_jobs(db, tmp_path):
    corpus = write_corpus(tmp_path / "papers", n_good=3, broken=0, empty=0, extra_files=False)
    run_ingest(db, [corpus], pipeline=FakePipeline, job="j")
    with session_scope(db) as s:   # simulate two documents left 'running': one fresh by a live job, one stale
        ids = list(s.execute(select(IngestionRecord.id).order_by(IngestionRecord.id)).scalars())
        s.execute(update(IngestionRecord).where(IngestionRecord.id == ids[0])
                  .values(status="running", job="other", started_at=utcnow()))
        s.execute(update(IngestionRecord).where(IngestionRecord.id == ids[1])
                  .values(status="running", job="other", started_at=utcnow() - timedelta(hours=3)))
    summary = run_ingest(db, [corpus], pipeline=FakePipeline, job="j")
    assert summary.busy == 1 and summary.requeued == 1 and summary.done == 1
    # the same job name takes over its own 'running' documents whatever their age
    summary = run_ingest(db, [corpus], pipeline=FakePipeline, job="other")
    assert summary.requeued == 1 and summary.done == 1
    assert counts(db)["Paper"] == 3 and set(statuses(db).values()) == {"done"}


def test_write_failure_of_one_document_is_recorded(db, tmp_path, monkeypatch):
    corpus = write_corpus(tmp_path / "papers", n_good=4, broken=0, empty=0, extra_files=False)
    import nanosynth.ingest.storing as storing

    real = storing.write_document

    def flaky_write(session, paper, recipes, replace=False):
        if paper.title.endswith(" 2"):
            raise ValueError("constraint violated by this paper")
        return real(session, paper, recipes, replace=replace)

    monkeypatch.setattr(storing, "write_document", flaky_write)
    summary = run_ingest(db, [corpus], pipeline=FakePipeline, job="j", batch_size=10)
    assert (summary.done, summary.failed) == (3, 1)
    assert summary.failures[0].error.startswith("write failed: ValueError")
    assert counts(db)["Paper"] == 3 and statuses(db)["paper002.txt"] == "failed"


def records(engine) -> dict[str, tuple[str, str | None, int | None]]:
    """(status, note, paper id) of every record by file name."""
    with session_scope(engine) as s:
        return {Path(r.source).name: (r.status, r.error, r.paper_id)
                for r in s.execute(select(IngestionRecord)).scalars()}


def test_a_database_refusal_is_recorded_without_sql(db, tmp_path, monkeypatch):
    """The reason says what the database refused, not SQLAlchemy's statement, parameters and help link."""
    import sqlite3

    from sqlalchemy.exc import IntegrityError

    from nanosynth.ingest import storing

    def refusing_write(session, paper, recipes, replace=False):
        raise IntegrityError("INSERT INTO recipe (source_key) VALUES (?)", ("k",),
                             sqlite3.IntegrityError("UNIQUE constraint failed: recipe.source_key"))

    monkeypatch.setattr(storing, "write_document", refusing_write)
    root = tmp_path / "one"
    root.mkdir()
    (root / "a.txt").write_text(good_text(1))
    summary = run_ingest(db, [root], pipeline=FakePipeline, job="j")
    assert summary.failures[0].error == (
        "write failed: the database refused it (IntegrityError: UNIQUE constraint failed: recipe.source_key); "
        "run the job again with --retry-failed")
    assert job_status(db, "j").failures[0].error == summary.failures[0].error


def test_identical_files_get_a_record_each_and_one_paper(db, tmp_path):
    root = tmp_path / "dups"
    root.mkdir()
    (root / "a.txt").write_text(good_text(1))
    (root / "b.txt").write_text(good_text(1))
    summary = run_ingest(db, [root, root / "a.txt"], pipeline=FakePipeline, job="j")   # a.txt given twice
    assert (summary.inputs, summary.done, summary.recipes) == (2, 1, 2)
    assert summary.skipped_reasons == {"duplicate of another input (stored once)": 1}
    assert counts(db)["IngestionRecord"] == 2 and counts(db)["Paper"] == 1 and counts(db)["Recipe"] == 2
    recs = records(db)
    assert recs["a.txt"][0] == "done" and recs["b.txt"][0] == "duplicate"
    assert recs["b.txt"][1].startswith(f"duplicate of {root / 'a.txt'}: same bytes")
    assert recs["b.txt"][2] == recs["a.txt"][2] is not None          # both point at the one paper

    status = job_status(db, "j")
    assert (status.counts["done"], status.counts["duplicate"], status.total) == (1, 1, 2)
    assert [Path(source).name for source, _ in status.duplicates] == ["b.txt"]
    assert status.to_dict()["duplicates"][0]["duplicate_of"] == str(root / "a.txt")

    again = run_ingest(db, [root], pipeline=FakePipeline, job="j")
    assert again.processed == 0 and again.skipped == 2 and records(db) == recs
    redo = run_ingest(db, [root], pipeline=FakePipeline, job="j", reprocess=True)
    assert redo.processed == 1 and counts(db)["IngestionRecord"] == 2 and counts(db)["Paper"] == 1
    assert job_status(db, "j").counts == status.counts


def test_a_copy_of_a_failed_file_is_extracted_once_its_first_source_is_gone(db, tmp_path):
    root = tmp_path / "dups"
    root.mkdir()
    (root / "a.txt").write_text("Flaky paper\n\nFLAKY synthesis at 250 C\n")
    (root / "b.txt").write_text("Flaky paper\n\nFLAKY synthesis at 250 C\n")
    first = run_ingest(db, [root], pipeline=FakePipeline, job="j")
    assert (first.failed, records(db)["b.txt"][0]) == (1, "duplicate")
    (root / "a.txt").unlink()                                   # the failed original is gone: b.txt stands alone
    fixed = functools.partial(FakePipeline, flaky=False)
    again = run_ingest(db, [root], pipeline=fixed, job="j")
    assert (again.processed, again.done) == (1, 1) and counts(db)["Paper"] == 1
    recs = records(db)
    assert recs["a.txt"][0] == "failed" and recs["b.txt"][:2] == ("done", None)
    assert run_ingest(db, [root], pipeline=fixed, job="j").processed == 0 and records(db) == recs


def test_a_later_copy_of_an_ingested_file_is_a_duplicate_and_a_new_version_extracts_once(db, tmp_path):
    root = tmp_path / "dups"
    root.mkdir()
    (root / "a.txt").write_text(good_text(1))
    run_ingest(db, [root], pipeline=FakePipeline, job="j")
    (root / "a.txt").rename(root / "moved.txt")                          # the file was moved since
    (tmp_path / "copy.txt").write_text(good_text(1))
    later = run_ingest(db, [root, tmp_path / "copy.txt"], pipeline=FakePipeline, job="k")
    assert later.processed == 0 and counts(db)["Paper"] == 1
    recs = records(db)
    assert recs["moved.txt"][0] == recs["copy.txt"][0] == "duplicate"
    assert recs["copy.txt"][1].startswith(f"duplicate of {root / 'a.txt'}") and recs["copy.txt"][2] is not None
    v2 = run_ingest(db, [root, tmp_path / "copy.txt"], pipeline=functools.partial(FakePipeline, version="fake@2"),
                    job="k")
    assert (v2.processed, v2.skipped) == (1, 1) and counts(db)["Paper"] == 1
    assert job_status(db, "k").counts["duplicate"] == 1


CRASH_SCRIPT = textwrap.dedent("""
    import sys, functools
    sys.path.insert(0, {fakes_dir!r})
    from _ingest_fakes import FakePipeline
    from nanosynth.db.engine import make_engine
    from nanosynth.ingest import run_ingest
    engine = make_engine({url!r})
    run_ingest(engine, [{corpus!r}], pipeline=functools.partial(FakePipeline, delay_s=0.1), job="crashy",
               batch_size=2)
""")


def test_resume_after_kill_9(db, tmp_path):
    corpus = write_corpus(tmp_path / "papers", n_good=30, broken=2, empty=0, extra_files=False)
    url = str(db.url)
    script = CRASH_SCRIPT.format(fakes_dir=str(Path(__file__).parent), url=url, corpus=str(corpus))
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            st = list(statuses(db).values()) if counts(db)["IngestionRecord"] else []
            if st.count("done") >= 6 and "running" in st:  # kill mid-batch, not between two batches
                break
            assert proc.poll() is None, proc.stderr.read().decode()
            time.sleep(0.05)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=10)
    assert proc.returncode == -signal.SIGKILL
    st = list(statuses(db).values())
    done_before = st.count("done")
    assert 6 <= done_before < 32 and "running" in st and "pending" in st
    committed = counts(db)
    assert committed["Paper"] == done_before   # a document's recipes and its 'done' commit together
    summary = run_ingest(db, [corpus], pipeline=FakePipeline, job="crashy")
    assert summary.requeued >= 1
    assert summary.skipped_reasons["already done with this pipeline version"] == done_before
    final = counts(db)
    assert final["Paper"] == 30 and final["Recipe"] == 60 and final["IngestionRecord"] == 32
    assert sorted(set(statuses(db).values())) == ["done", "failed"]
    with session_scope(db) as s:
        keys = list(s.execute(select(Recipe.source_key)).scalars())
    assert len(keys) == len(set(keys))


def test_real_pipeline_on_sample_papers(db, tmp_path):
    """The shipped pipeline (rule-based configuration: no trained models needed) through the job runner."""
    samples = Path(__file__).resolve().parents[2] / "samples" / "papers"
    if not (samples / "cdse_hot_injection.txt").is_file():
        pytest.skip("samples/papers is missing")
    from nanosynth.ingest.protocol import rules_pipeline

    docs = tmp_path / "docs"
    docs.mkdir()
    for name in ("cdse_hot_injection.txt", "cdse_hot_injection.html", "pbs_hot_injection.txt"):
        (docs / name).write_bytes((samples / name).read_bytes())
    (docs / "broken.pdf").write_bytes(b"%PDF-1.4\n1 0 obj <<")
    fixtures = Path(__file__).resolve().parents[1] / "fixtures" / "extraction"
    (docs / "suzuki.txt").write_bytes((fixtures / "medicinal_suzuki.txt").read_bytes())
    summary = run_ingest(db, [docs], pipeline=rules_pipeline, job="real")
    assert (summary.done, summary.failed) == (4, 1)
    assert summary.failures[0].error.startswith("ReaderError")
    assert "allow_truncated" not in summary.failures[0].error and "download it again" in summary.failures[0].error
    # the relevance gate's reason is recorded with its prefix once (it was "no nanomaterial synthesis: no ...")
    [(source, note)] = job_status(db, "real").no_synthesis
    assert note == "no nanomaterial synthesis: organic synthesis (no nanoscale product, no inorganic target)"
    c = counts(db)
    assert c["Paper"] == 3 and c["Recipe"] >= 2      # the .txt and .html of one paper share its DOI
    with session_scope(db) as s:
        dois = set(s.execute(select(Paper.doi)).scalars())
    assert dois == {"10.5555/nanosynth.sample.cdse", "10.5555/nanosynth.sample.pbs", None}   # None: suzuki
    assert run_ingest(db, [docs], pipeline=rules_pipeline, job="real").processed == 0
