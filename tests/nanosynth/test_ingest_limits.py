"""Per-document limits (issue 15, point 7): a file over the size cap, a document over the time limit, a PDF
decompression bomb and a document that kills or hangs its worker are recorded failed with a reason naming the
limit; the job goes on."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from _ingest_fakes import FakePipeline, small_limits, write_corpus, write_hostile_inputs, write_limit_cases
from sqlalchemy import select

from nanosynth.db.engine import create_all, make_engine, session_scope
from nanosynth.ingest import run_ingest
from nanosynth.ingest.deadline import DocumentTimeout, time_limit
from nanosynth.ingest.limits import DocumentLimits
from nanosynth.schema.tables import IngestionRecord


def records(engine) -> dict[str, tuple[str, str | None, int]]:
    with session_scope(engine) as s:
        rows = s.execute(select(IngestionRecord.source, IngestionRecord.status, IngestionRecord.error,
                                IngestionRecord.attempts)).all()
    return {Path(src).name: (status, error, attempts) for src, status, error, attempts in rows}


def test_limit_cases_are_recorded_failed_and_the_job_goes_on(db, tmp_path):
    corpus = write_corpus(tmp_path / "papers", n_good=3, broken=0, empty=0, extra_files=False)
    expected = write_limit_cases(corpus)
    t0 = time.perf_counter()
    summary = run_ingest(db, [corpus], pipeline=FakePipeline, job="j", limits=small_limits())
    assert time.perf_counter() - t0 < 30   # the slow document (60 s) was stopped after 1 s
    assert (summary.done, summary.failed) == (3, 3)
    found = records(db)
    for name, reason in expected.items():
        status, error, _ = found[name]
        assert status == "failed" and error.startswith(reason), (name, error)
    assert "max_file_mb" in found["huge.txt"][1] and "NANOSYNTH_INGEST__MAX_FILE_MB" in found["huge.txt"][1]
    assert "time_limit_s" in found["slow.txt"][1]
    assert "pdf_stream_mb" in found["bomb.pdf"][1]
    assert summary.limits == small_limits().model_dump()


def test_hostile_folder_with_limit_cases(db, tmp_path):
    """The bad-input folder of the hostile tests grows by the limit cases; every case keeps its own reason."""
    expected = write_hostile_inputs(tmp_path / "papers", tmp_path / "outside", limits=True)
    summary = run_ingest(db, [tmp_path / "papers"], pipeline=FakePipeline, job="j", limits=small_limits())
    found = records(db)
    assert summary.done == 1   # inside.txt (alias.txt has the same bytes)
    for name, reason in expected.items():
        assert found[name][0] == "failed" and reason in found[name][1], (name, found[name])


def test_default_limits_let_normal_documents_through(db, tmp_path):
    corpus = write_corpus(tmp_path / "papers", n_good=4, broken=0, empty=0, extra_files=False)
    summary = run_ingest(db, [corpus], pipeline=FakePipeline, job="j")
    assert (summary.done, summary.failed) == (4, 0)
    assert summary.limits == DocumentLimits().model_dump()


def test_time_limit_interrupts_python_code_and_is_silent_when_met():
    with pytest.raises(DocumentTimeout), time_limit(0.2):
        end = time.monotonic() + 10
        while time.monotonic() < end:
            sum(range(1000))
    with time_limit(5):   # finished in time: nothing is raised later either
        pass
    time.sleep(0.1)


_KILLER_RUN = textwrap.dedent("""
    import sys
    sys.path.insert(0, {fakes!r})
    from _ingest_fakes import FakePipeline
    from nanosynth.db.engine import make_engine
    from nanosynth.ingest import run_ingest
    from nanosynth.ingest.limits import DocumentLimits

    summary = run_ingest(make_engine({url!r}), [{corpus!r}], pipeline=FakePipeline, job="j",
                         limits=DocumentLimits(max_attempts=2))
    print("SUMMARY", summary.done, summary.failed)
""")


@pytest.mark.slow
def test_document_that_kills_the_process_every_run_is_given_up_after_max_attempts(tmp_path):
    """In one process (``--workers 1``) a document that kills the process leaves its record ``running``; the
    next runs re-queue it, and once it has been attempted ``max_attempts`` times it is recorded failed."""
    corpus = write_corpus(tmp_path / "papers", n_good=0, broken=0, empty=0, extra_files=False)
    (corpus / "killer.txt").write_text("Killer paper\n\nKILLME synthesis\n")
    url = f"sqlite:///{tmp_path / 'kill.db'}"
    engine = make_engine(url)
    create_all(engine)
    script = _KILLER_RUN.format(fakes=str(Path(__file__).parent), url=url, corpus=str(corpus))
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    runs = [subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120)
            for _ in range(3)]
    assert [r.returncode for r in runs[:2]] == [17, 17], [r.stderr[-500:] for r in runs]
    assert runs[2].returncode == 0 and "SUMMARY 0 1" in runs[2].stdout, runs[2].stderr[-2000:]
    status, error, attempts = records(engine)["killer.txt"]
    assert status == "failed" and error.startswith("gave up after 2 attempts") and attempts == 2
    assert "max_attempts" in error
    engine.dispose()
