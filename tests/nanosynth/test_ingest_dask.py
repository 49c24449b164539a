"""A local Dask cluster (2 worker processes) gives the same database as the single-process run, and each worker
loads the pipeline once."""

from __future__ import annotations

import functools
import os

import pytest
from _ingest_fakes import FakePipeline, write_corpus
from sqlalchemy import select

from nanosynth.db.engine import create_all, make_engine, session_scope
from nanosynth.ingest import job_status, run_ingest
from nanosynth.schema.tables import ChemicalUse, IngestionRecord, Outcome, Paper, Recipe, Step

pytestmark = pytest.mark.slow


def snapshot(engine) -> dict:
    """Everything the job wrote, without database ids and timestamps."""
    with session_scope(engine) as s:
        papers = {(p.key, p.title) for p in s.execute(select(Paper)).scalars()}
        recipes = {}
        for r in s.execute(select(Recipe)).scalars():
            chems = sorted((c.name, c.role, c.amount_mmol, c.amount_ml) for c in
                           s.execute(select(ChemicalUse).where(ChemicalUse.recipe_id == r.id)).scalars())
            steps = sorted((st.order, st.action, st.temperature_c, st.time_s) for st in
                           s.execute(select(Step).where(Step.recipe_id == r.id)).scalars())
            outs = sorted((o.property, o.value) for o in
                          s.execute(select(Outcome).where(Outcome.recipe_id == r.id)).scalars())
            recipes[r.source_key] = (r.method, r.target_composition, tuple(chems), tuple(steps), tuple(outs))
        records = {(rec.content_hash, rec.status, rec.error, rec.recipes, rec.pipeline_version)
                   for rec in s.execute(select(IngestionRecord)).scalars()}
    return {"papers": papers, "recipes": recipes, "records": records}


def test_local_cluster_equals_single_process(tmp_path):
    corpus = write_corpus(tmp_path / "papers", n_good=24, broken=2, empty=1, crash=1)
    (corpus / "copy_of_paper000.txt").write_bytes((corpus / "b" / "paper000.txt").read_bytes())   # own record, no paper
    single = make_engine(f"sqlite:///{tmp_path / 'single.db'}")
    parallel = make_engine(f"sqlite:///{tmp_path / 'dask.db'}")
    for engine in (single, parallel):
        create_all(engine)
    init_log = tmp_path / "init.log"
    factory = functools.partial(FakePipeline, delay_s=0.02, init_log=str(init_log))

    one = run_ingest(single, [corpus], pipeline=factory, job="single")
    assert init_log.read_text().split() == [str(os.getpid())]
    init_log.unlink()

    two = run_ingest(parallel, [corpus], pipeline=factory, job="dask", workers=2, batch_size=4)
    assert two.workers == 2 and len(two.worker_peak_rss_mb) == 2
    assert all(mb > 10 for mb in two.worker_peak_rss_mb.values())
    pids = init_log.read_text().split()
    assert len(pids) == 2 and len(set(pids)) == 2 and str(os.getpid()) not in pids, \
        "the pipeline must be initialized exactly once per worker process"
    for field in ("processed", "done", "failed", "skipped", "recipes"):
        assert getattr(one, field) == getattr(two, field), field
    assert sorted(f.error for f in one.failures) == sorted(f.error for f in two.failures)
    assert snapshot(single) == snapshot(parallel)
    assert two.skipped_reasons["duplicate of another input (stored once)"] == 1
    assert job_status(parallel, "dask").counts["duplicate"] == 1

    # a rerun on the cluster skips everything
    again = run_ingest(parallel, [corpus], pipeline=factory, job="dask", workers=2)
    assert again.processed == 0 and again.workers == 1   # no cluster is started when nothing is to do
    single.dispose()
    parallel.dispose()


def test_existing_scheduler_gets_document_bytes(tmp_path):
    """``--scheduler``: submit to a cluster that was started elsewhere; documents travel as bytes."""
    from distributed import LocalCluster

    corpus = write_corpus(tmp_path / "papers", n_good=6, broken=1, empty=0, extra_files=False)
    engine = make_engine(f"sqlite:///{tmp_path / 'sched.db'}")
    create_all(engine)
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None,
                      host="127.0.0.1") as cluster:
        summary = run_ingest(engine, [corpus], pipeline=FakePipeline, job="remote",
                             scheduler=cluster.scheduler_address)
        assert (summary.done, summary.failed, summary.workers) == (6, 1, 1)
        # the job unregisters its pipeline plugin from the shared cluster when it ends
        from distributed import Client

        with Client(cluster.scheduler_address) as client:
            plugins = client.run(lambda dask_worker: list(dask_worker.plugins))
        assert not any(name.startswith("nanosynth-pipeline") for names in plugins.values() for name in names)
    with session_scope(engine) as s:
        assert len(list(s.execute(select(Paper.key)).scalars())) == 6
    engine.dispose()


def test_a_document_that_kills_its_worker_fails_alone(tmp_path):
    """A worker process dies on one document: the other documents of its chunk are retried and succeed."""
    corpus = write_corpus(tmp_path / "papers", n_good=7, broken=0, empty=0, extra_files=False)
    (corpus / "killer.txt").write_text("Killer paper\n\nKILLME synthesis\n")
    engine = make_engine(f"sqlite:///{tmp_path / 'kill.db'}")
    create_all(engine)
    summary = run_ingest(engine, [corpus], pipeline=FakePipeline, job="kill", workers=2)
    assert (summary.done, summary.failed) == (7, 1)
    assert summary.failures[0].source.endswith("killer.txt")
    error = summary.failures[0].error
    assert error.startswith("worker failure (KilledWorker): gave up after")
    assert "worker process extracting it died" in error
    assert "tcp://" not in error and "ingest-" not in error     # no worker address, no Dask task key
    engine.dispose()


def test_limits_are_enforced_on_dask_workers(tmp_path):
    """On the workers: the time limit stops a slow document, a document stuck in native code ends its worker,
    and a document that kills its worker is given up after ``max_attempts``; the others are done."""
    from _ingest_fakes import small_limits, write_limit_cases

    corpus = write_corpus(tmp_path / "papers", n_good=5, broken=0, empty=0, extra_files=False)
    expected = write_limit_cases(corpus, killer=True)
    engine = make_engine(f"sqlite:///{tmp_path / 'limits.db'}")
    create_all(engine)
    summary = run_ingest(engine, [corpus], pipeline=FakePipeline, job="limits", workers=2, limits=small_limits())
    assert (summary.done, summary.failed) == (5, 5)
    with session_scope(engine) as s:
        found = {os.path.basename(r.source): (r.status, r.error) for r in s.execute(select(IngestionRecord)).scalars()}
    for name, reason in expected.items():
        assert found[name][0] == "failed" and found[name][1].startswith(reason), (name, found[name])
    assert "gave up after 2 attempts" in found["killer.txt"][1] and "max_attempts" in found["killer.txt"][1]
    engine.dispose()


@pytest.mark.postgres
def test_remote_scheduler_with_postgres_workers_write_their_results(pg_database_url, tmp_path, monkeypatch):
    """A scheduler started elsewhere (given by address) with process workers, on PostgreSQL: the workers write
    their own results (the driver writes none), and the database equals a single-process run's."""
    from distributed import LocalCluster

    import nanosynth.ingest.runner as runner

    corpus = write_corpus(tmp_path / "papers", n_good=12, broken=1, empty=1, crash=1, extra_files=False)
    single = make_engine(f"sqlite:///{tmp_path / 'single.db'}")
    create_all(single)
    one = run_ingest(single, [corpus], pipeline=FakePipeline, job="remote")
    engine = make_engine(pg_database_url)
    create_all(engine)
    driver_writes = []
    real_store = runner.store_results
    monkeypatch.setattr(runner, "store_results", lambda e, pairs: (driver_writes.extend(pairs), real_store(e, pairs)))
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                      host="127.0.0.1") as cluster:
        two = run_ingest(engine, [corpus], pipeline=FakePipeline, job="remote", scheduler=cluster.scheduler_address,
                         docs_per_task=2)
        again = run_ingest(engine, [corpus], pipeline=FakePipeline, job="remote", scheduler=cluster.scheduler_address)
    assert driver_writes == []
    assert two.workers == 2
    for field in ("processed", "done", "failed", "recipes"):
        assert getattr(one, field) == getattr(two, field), field
    assert sorted(f.error for f in one.failures) == sorted(f.error for f in two.failures)
    assert snapshot(single) == snapshot(engine)
    assert again.processed == 0
    single.dispose()
    engine.dispose()


def test_workers_that_cannot_reach_the_database_send_their_results_to_the_driver(tmp_path, monkeypatch):
    import nanosynth.ingest.runner as runner

    corpus = write_corpus(tmp_path / "papers", n_good=4, broken=1, empty=0, extra_files=False)
    engine = make_engine(f"sqlite:///{tmp_path / 'driver.db'}")
    create_all(engine)
    monkeypatch.setattr(runner, "_worker_database_url", lambda e: f"sqlite:///{tmp_path / 'missing' / 'x.db'}")
    summary = run_ingest(engine, [corpus], pipeline=FakePipeline, job="fallback", workers=2)
    assert (summary.done, summary.failed, summary.recipes) == (4, 1, 8)
    with session_scope(engine) as s:
        statuses = sorted(r.status for r in s.execute(select(IngestionRecord)).scalars())
    assert statuses == ["done"] * 4 + ["failed"]
    engine.dispose()


def test_a_worker_without_its_pipeline_says_what_to_do(monkeypatch):
    from types import SimpleNamespace

    from nanosynth.ingest import dask_plugin
    from nanosynth.ingest.tasks import TaskInput

    monkeypatch.setattr(dask_plugin, "get_worker", lambda: SimpleNamespace(plugins={}))
    [result] = dask_plugin.dask_process([TaskInput(content_hash="h", source="a.txt", data=b"x")], "nanosynth-p")
    assert not result.ok and result.error.startswith("worker failure: the extraction pipeline is not loaded")
    assert "nanosynth-p" not in result.error and "--retry-failed" in result.error
