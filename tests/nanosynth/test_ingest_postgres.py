"""Several jobs writing to one PostgreSQL database at the same time produce no duplicates.

Each writer has its own files whose papers share keys with the other writers' files (so paper and recipe
upserts race on the same unique keys), and all writers also share one directory (so they race to claim the same
documents).
"""

from __future__ import annotations

import threading

import pytest
from _ingest_fakes import FakePipeline, good_text, write_corpus
from sqlalchemy import func, select

from nanosynth.db.engine import create_all, make_engine, session_scope
from nanosynth.ingest import job_status, run_ingest
from nanosynth.schema.tables import IngestionRecord, Paper, Paragraph, Provenance, Recipe

pytestmark = pytest.mark.postgres

WRITERS = 4
SHARED_KEYS = 12


def test_concurrent_writers_produce_no_duplicates(pg_database_url, tmp_path):
    setup = make_engine(pg_database_url)
    create_all(setup)
    common = write_corpus(tmp_path / "common", n_good=10, broken=1, empty=0, extra_files=False)
    own = []
    for w in range(WRITERS):
        root = tmp_path / f"writer{w}"
        root.mkdir()
        for k in range(SHARED_KEYS):
            # different bytes (so different documents), same paper key and paragraph layout
            (root / f"doc{k:02d}.txt").write_text(good_text(k, key=f"doi:10.5555/shared.{k}") + f"\nw{w}\n")
        own.append(root)

    barrier = threading.Barrier(WRITERS)
    summaries, errors = [None] * WRITERS, []

    def writer(i: int) -> None:
        engine = make_engine(pg_database_url)
        try:
            barrier.wait()
            summaries[i] = run_ingest(engine, [own[i], common], pipeline=FakePipeline, job=f"w{i}", batch_size=2)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            engine.dispose()

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(WRITERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=240)
    assert not errors, errors

    with session_scope(setup) as s:
        n_papers = s.execute(select(func.count()).select_from(Paper)).scalar()
        keys = list(s.execute(select(Recipe.source_key)).scalars())
        n_records = s.execute(select(func.count()).select_from(IngestionRecord)).scalar()
        statuses = {st: n for st, n in s.execute(
            select(IngestionRecord.status, func.count()).group_by(IngestionRecord.status)).all()}
        para_dups = s.execute(select(Paragraph.paper_id, Paragraph.order, func.count())
                              .group_by(Paragraph.paper_id, Paragraph.order).having(func.count() > 1)).all()
        orphans = s.execute(select(func.count()).select_from(Provenance).where(Provenance.paper_id.is_(None))).scalar()
    assert n_papers == SHARED_KEYS + 10
    assert len(keys) == len(set(keys)) == 2 * (SHARED_KEYS + 10)
    assert n_records == WRITERS * SHARED_KEYS + 11
    assert statuses == {"done": WRITERS * SHARED_KEYS + 10, "failed": 1}
    assert not para_dups and orphans == 0
    # every shared document was processed by exactly one writer
    assert sum(s.processed for s in summaries) == WRITERS * SHARED_KEYS + 11
    assert sum(s.failed for s in summaries) == 1
    assert job_status(setup).counts["done"] == WRITERS * SHARED_KEYS + 10
    setup.dispose()
