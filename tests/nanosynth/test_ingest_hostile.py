"""Hostile input folders (issue 15, points 3 and 4): an unreadable file, links that leave the input folder,
dangling links and named pipes are recorded as failed with their reason, never read, and the job goes on."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from _ingest_fakes import OUTSIDE_TEXT, FakePipeline, good_text, write_corpus, write_hostile_inputs
from sqlalchemy import select

import nanosynth.ingest.inputs as inputs
from nanosynth.db.engine import session_scope
from nanosynth.ingest import discover, job_status, run_ingest
from nanosynth.ingest.tasks import TaskInput, process_task
from nanosynth.schema.tables import IngestionRecord, Paper



def records(engine) -> dict[str, tuple[str, str | None]]:
    with session_scope(engine) as s:
        rows = s.execute(select(IngestionRecord.source, IngestionRecord.status, IngestionRecord.error)).all()
    return {Path(src).name: (status, error) for src, status, error in rows}


def titles(engine) -> set[str]:
    with session_scope(engine) as s:
        return set(s.execute(select(Paper.title)).scalars())


def _unreadable(monkeypatch, name: str) -> None:
    """Reading ``name`` fails as an unreadable file does for a normal user (chmod 000 does not stop root)."""
    real = inputs.sha256_file

    def guarded(path):
        if Path(path).name == name:
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(inputs, "sha256_file", guarded)


def test_unreadable_file_is_recorded_failed_and_the_job_goes_on(db, tmp_path, monkeypatch):
    corpus = write_corpus(tmp_path / "papers", n_good=3, broken=0, empty=0, extra_files=False)
    locked = corpus / "locked.txt"
    locked.write_text(good_text(77))
    locked.chmod(0)
    _unreadable(monkeypatch, "locked.txt")
    summary = run_ingest(db, [corpus], pipeline=FakePipeline, job="j")
    assert (summary.done, summary.failed) == (3, 1)
    status, error = records(db)["locked.txt"]
    assert status == "failed" and "cannot read" in error and "Permission denied" in error
    assert [f.source for f in summary.failures] == [str(locked)]
    again = run_ingest(db, [corpus], pipeline=FakePipeline, job="j")  # a rerun records it again, no duplicate
    assert again.failed == 1 and len(records(db)) == 4


def test_links_leaving_the_folder_dangling_links_and_pipes_are_recorded_never_read(db, tmp_path):
    root = tmp_path / "papers"
    expected = write_hostile_inputs(root, tmp_path / "elsewhere")
    summary = run_ingest(db, [root], pipeline=FakePipeline, job="j")
    rec = records(db)
    for name, reason in expected.items():
        status, error = rec[name]
        assert status == "failed" and error.startswith(reason), (name, error)
    assert "secret.txt" not in rec  # the linked folder was not entered
    assert rec["alias.txt"][0] == "done"  # a link inside the folder is fine; its target has the same bytes
    assert summary.failed == len(expected) and summary.done == 1
    assert OUTSIDE_TEXT.splitlines()[0] not in titles(db)
    status = job_status(db, job="j")
    assert {Path(f.source).name for f in status.failures} == set(expected)


def test_link_inside_the_folder_to_a_file_is_followed(db, tmp_path):
    root = tmp_path / "papers"
    (root / "store").mkdir(parents=True)
    (root / "store" / "real.bin").write_text(good_text(5))
    (root / "paper.txt").symlink_to(Path("store") / "real.bin")
    summary = run_ingest(db, [root], pipeline=FakePipeline, job="j")
    assert summary.done == 1 and records(db)["paper.txt"][0] == "done"


def test_input_folder_given_through_a_link_is_its_own_root(db, tmp_path):
    real = write_corpus(tmp_path / "real", n_good=2, broken=0, empty=0, extra_files=False)
    alias = tmp_path / "alias"
    alias.symlink_to(real, target_is_directory=True)
    (real / "sibling.txt").symlink_to(Path("a") / "paper001.txt")
    found = discover([alias])
    assert all(d.problem is None for d in found) and len(found) == 3


def test_explicit_named_pipe_is_refused_without_blocking(tmp_path):
    pipe = tmp_path / "paper.txt"
    os.mkfifo(pipe)
    (doc,) = discover([pipe])
    assert doc.problem.startswith("not a regular file")


def test_worker_refuses_a_file_swapped_for_a_pipe(tmp_path):
    pipe = tmp_path / "paper.txt"
    os.mkfifo(pipe)
    result = process_task(FakePipeline().initialize(), TaskInput(content_hash="0" * 64, source=str(pipe),
                                                                 path=str(pipe)))
    assert not result.ok and "not a regular file" in result.error


def test_unlistable_folder_is_recorded(tmp_path, monkeypatch):
    root = write_corpus(tmp_path / "papers", n_good=1, broken=0, empty=0, extra_files=False)
    real_walk = os.walk

    def walk(top, onerror=None):
        onerror(PermissionError(13, "Permission denied", str(Path(top) / "locked")))
        yield from real_walk(top, onerror=onerror)

    monkeypatch.setattr(inputs.os, "walk", walk)
    problems = [d.problem for d in discover([root]) if d.problem]
    assert len(problems) == 1 and "cannot read folder" in problems[0] and "Permission denied" in problems[0]
