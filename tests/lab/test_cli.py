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


def test_misspelled_limit_is_refused_before_anything_is_dispatched(tmp_path):
    url, engine = _db(tmp_path)
    runner = CliRunner()
    for spec, why in [("Temperature_C=150:200", "did you mean 'temperature_c'"),
                      ("temp=150:200", "did you mean 'temperature_c'"), ("temperature_c=200:150", "above max"),
                      ("temperature_c=150:200 furlong", "unknown or not convertible")]:
        res = runner.invoke(app, ["--database-url", url, "lab", "campaign", "--target", "abs_peak_nm=540",
                                  "--no-seed", "--budget", "2", "--limit", spec, *TWIN])
        assert res.exit_code == 1 and why in res.output and "Traceback" not in res.output, res.output
    with Session(engine) as s:
        assert s.exec(select(Experiment)).all() == []


def test_config_limits_apply_and_limits_survive_every_resume(tmp_path):
    url, engine = _db(tmp_path)
    cfg = tmp_path / "nanosynth.toml"
    cfg.write_text('[lab.safety_limits]\ntime_s = [10, 120]\n')
    runner = CliRunner()
    base = ["--config", str(cfg), "--database-url", url, "lab", "campaign"]
    res = runner.invoke(app, [*base, "--target", "abs_peak_nm=540", "--tolerance", "0.01", "--no-seed",
                              "--budget", "2", "--initial", "2", "--out", str(tmp_path / "r1.json"), *TWIN])
    assert res.exit_code == 0, res.output
    assert json.loads((tmp_path / "r1.json").read_text())["safety_limits"] == {"time_s": [10.0, 120.0]}
    res = runner.invoke(app, [*base, "--resume", "1", "--budget", "3", "--limit", "temperature_c=150:200"])
    assert res.exit_code == 0, res.output
    cfg.write_text("")  # the limits were stored: dropping them from the file or the command line changes nothing
    res = runner.invoke(app, [*base, "--resume", "1", "--budget", "5", "--out", str(tmp_path / "r3.json")])
    assert res.exit_code == 0, res.output
    report = json.loads((tmp_path / "r3.json").read_text())
    assert report["safety_limits"] == {"time_s": [10.0, 120.0], "temperature_c": [150.0, 200.0]}
    ran = [r["parameters"] for r in report["experiments"] if r["dispatched_at"]]
    assert len(ran) == 5 and all(p["time_s"] <= 120 for p in ran) and all(p["temperature_c"] <= 200 for p in ran[2:])


def test_misspelled_config_key_is_refused_with_a_suggestion(tmp_path):
    url, _ = _db(tmp_path)
    cfg = tmp_path / "nanosynth.toml"
    cfg.write_text('[lab.safety_limit]\ntemperature_c = [150, 200]\n')
    res = CliRunner().invoke(app, ["--config", str(cfg), "--database-url", url, "lab", "campaign", "--target",
                                   "abs_peak_nm=540", "--no-seed", *TWIN])
    assert res.exit_code == 1 and "did you mean 'safety_limits'" in res.output, res.output


def test_calibrate_command_last_line_and_campaign(tmp_path, monkeypatch):
    from lab_test_helpers import TwinPrior

    import nanosynth.lab.prior as prior_module

    monkeypatch.setattr(prior_module, "product_priors",
                        lambda s, caps, outputs, **kw: ({o: TwinPrior(bias=2.0) for o in outputs}, {"kind": "test"}))
    monkeypatch.setattr(prior_module, "product_literature", lambda *a, **kw: None)
    url, engine = _db(tmp_path)
    res = CliRunner().invoke(app, ["--database-url", url, "lab", "calibrate", "--budget", "6", "-o",
                                   "temperature_offset_c=-15", "--raw-dir", str(tmp_path / "raw"), *TWIN])
    assert res.exit_code == 0, res.output
    last = res.output.strip().splitlines()[-1]
    assert last.startswith("fitted temperature offset -1") and last.endswith("°C (significant)")
    assert abs(float(last.split()[3]) + 15) <= 4
    with Session(engine) as s:
        assert len(s.exec(select(Experiment)).all()) == 6


def test_multi_objective_campaign_on_the_flow_reactor(tmp_path):
    url, _ = _db(tmp_path)
    res = CliRunner().invoke(app, ["--database-url", url, "lab", "campaign", "--adapter", "cspbbr3-flow",
                                   "--target", "pl_peak_nm=505±3", "--target", "fwhm_mev<=80", "--maximize", "plqy",
                                   "--budget", "8", "--initial", "4", "--seed", "1",
                                   "--raw-dir", str(tmp_path / "raw")])
    assert res.exit_code == 0, res.output
    assert "running unseeded: no registered model or literature recipes (CsPbBr3" in res.output
    assert "Pareto front (" in res.output
