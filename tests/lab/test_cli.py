"""``nanosynth lab`` commands, including a campaign killed with SIGKILL and resumed with --resume."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlmodel import Session, select
from typer.testing import CliRunner

from nanosynth.db.engine import make_engine
from nanosynth.db.migrate import upgrade
from nanosynth.cli.main import app
from nanosynth.schema.tables import Experiment

REPO = Path(__file__).resolve().parents[2]
NANOSYNTH = str(Path(sys.executable).with_name("nanosynth"))
TWIN = ["-o", "p_injection_failure=0", "-o", "p_spectrometer_timeout=0"]


def _db(tmp_path):
    url = f"sqlite:///{tmp_path / 'lab.db'}"
    upgrade(url)
    return url, make_engine(url)


def test_capabilities_and_unseeded_campaign_with_report(tmp_path):
    url, engine = _db(tmp_path)
    runner = CliRunner()
    res = runner.invoke(app, ["lab", "capabilities"])
    assert res.exit_code == 0 and "temperature_c" in res.output
    out = tmp_path / "report.json"
    res = runner.invoke(app, ["--database-url", url, "lab", "campaign", "--target", "abs_peak_nm=540", "--budget", "5",
                              "--no-seed", "--initial", "3", "--seed", "4", "--out", str(out), "--raw-dir",
                              str(tmp_path / "raw"), *TWIN])
    assert res.exit_code == 0, res.output
    report = json.loads(out.read_text())
    assert report["seeded"] is False and 1 <= report["experiments_run"] <= 5
    assert "experiments_to_target" in report and report["experiments"][0]["plan_source"] == "space_filling"
    res = runner.invoke(app, ["--database-url", url, "lab", "list"])
    assert res.exit_code == 0 and "│ 1 " in res.output and "done" in res.output


def test_cli_errors_are_clean(tmp_path):
    url, _ = _db(tmp_path)
    runner = CliRunner()
    res = runner.invoke(app, ["--database-url", url, "lab", "campaign", "--target", "abs_peak_nm", "--no-seed"])
    assert res.exit_code == 1 and "abs_peak_nm=560" in res.output
    res = runner.invoke(app, ["--database-url", url, "lab", "campaign", "--target", "abs_peak_nm=500", "--no-seed",
                              "--adapter", "nope.module:Thing"])
    assert res.exit_code == 1 and "cannot import adapter module" in res.output
    res = runner.invoke(app, ["--database-url", url, "lab", "campaign", "--resume", "42"])
    assert res.exit_code == 1 and "campaign 42 does not exist" in res.output


@pytest.mark.slow
def test_sigkill_then_resume_loses_and_repeats_nothing(tmp_path):
    url, engine = _db(tmp_path)
    cmd = [NANOSYNTH, "--database-url", url, "lab", "campaign", "--target", "abs_peak_nm=560", "--tolerance", "0.01",
           "--budget", "6", "--no-seed", "--initial", "3", "--seed", "1", "-o", "run_time_s=0.6",
           "--raw-dir", str(tmp_path / "raw"), *TWIN]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    proc = subprocess.Popen(cmd, cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            with Session(engine) as s:
                statuses = [e.status for e in s.exec(select(Experiment)).all()]
            if statuses.count("done") >= 2 and "dispatched" in statuses:
                break
            time.sleep(0.05)
        else:
            pytest.fail(f"campaign did not reach 2 results in time: {statuses}")
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    with Session(engine) as s:
        before = {e.seq: (e.status, e.dispatched_at) for e in s.exec(select(Experiment)).all()}
    killed = [seq for seq, (st, _) in before.items() if st == "dispatched"]
    assert len(killed) == 1
    out = tmp_path / "resumed.json"
    res = subprocess.run([NANOSYNTH, "--database-url", url, "lab", "campaign", "--resume", "1", "--out", str(out)],
                         cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    report = json.loads(out.read_text())
    rows = {r["seq"]: r for r in report["experiments"]}
    assert report["experiments_run"] == 6 and report["status"] == "done"
    assert rows[killed[0]]["status"] == "failed" and rows[killed[0]]["error"].startswith("interrupted")
    with Session(engine) as s:
        after = {e.seq: (e.status, e.dispatched_at) for e in s.exec(select(Experiment)).all()}
    for seq, (status, dispatched) in before.items():
        if status == "done":  # finished before the kill: untouched, not re-run
            assert after[seq] == (status, dispatched)
    dispatched = [seq for seq, (_, d) in after.items() if d is not None]
    assert len(dispatched) == 6 and sorted(dispatched) == sorted(set(dispatched))
    assert all(after[seq][0] in ("done", "failed") for seq in dispatched)  # nothing left hanging
