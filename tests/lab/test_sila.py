"""SiLA 2: server wrapping the twin on 127.0.0.1 (no TLS), client adapter, full small campaign through gRPC."""

from __future__ import annotations

import logging
import time

import pytest

from nanosynth.lab.adapters.base import SafetyLimits
from nanosynth.lab.adapters.simulated import SimulatedReactor, default_request
from nanosynth.lab.campaign import CampaignSettings, campaign_report, run_campaign
from nanosynth.lab.sila.client import SiLA2ReactorAdapter
from nanosynth.lab.sila.feature import reactor_feature
from nanosynth.lab.sila.server import ReactorSilaServer, check_loopback
from nanosynth.schema.errors import ConfigError, HardwareError, SafetyLimitError
from lab_test_helpers import TwinPrior


@pytest.fixture()
def sila_server():
    logging.getLogger("sila2").setLevel(logging.CRITICAL)  # the library logs refused commands as tracebacks
    twin = SimulatedReactor(seed=3, p_injection_failure=0, p_spectrometer_timeout=0, run_time_s=0.05,
                            faults={99: "timeout"}, safety_limits={"temperature_c": [None, 290]})
    server = ReactorSilaServer(twin)
    port = server.start_loopback()
    yield server, port
    server.stop()


def test_feature_definition_parses():
    f = reactor_feature()
    assert set(f._observable_commands) == {"RunExperiment"}
    assert set(f.defined_execution_errors) == {"SafetyLimitViolation", "SpectrometerTimeout", "ReactorBusy"}


def test_round_trip_properties_progress_and_errors(sila_server):
    server, port = sila_server
    progress: list[float] = []
    with SiLA2ReactorAdapter(port=port, poll_s=0.01) as client:
        assert client.capabilities().parameter_names == ["temperature_c", "cd_mm", "se_mm", "oa_cd_ratio", "time_s"]
        assert client.state() == "idle" and client.current_temperature() == pytest.approx(25.0)
        res = client.run(default_request("sila-1"), progress.append)
        with SimulatedReactor(seed=3) as local:  # same seed and request id → same result as the twin itself
            expected = local.run(default_request("sila-1"))
        assert res.ok and res.outcomes["abs_peak_nm"] == pytest.approx(expected.outcomes["abs_peak_nm"])
        assert {s.kind for s in res.spectra} == {"absorption", "pl"} and len(res.spectra[0].intensity) == 401
        assert progress and progress[-1] <= 1.0
        assert client.safety_limits.bounds["temperature_c"] == (None, 290)  # learned from the server
        with pytest.raises(SafetyLimitError, match="nothing was sent"):  # refused by the client
            client.run(default_request("sila-2", temperature_c=295))
        client.safety_limits = SafetyLimits()  # a client unaware of the server's limits: the server refuses
        with pytest.raises(SafetyLimitError, match="server refused"):
            client.run(default_request("sila-3", temperature_c=295))
        with pytest.raises(HardwareError, match="SpectrometerTimeout"):
            client.run(default_request("sila-4").model_copy(update={"seq": 99}))
    assert server.adapter.runs == 2  # the refused requests never reached the reactor's execute()


def test_full_campaign_through_grpc(engine, sila_server):
    _, port = sila_server
    out = run_campaign(engine, SiLA2ReactorAdapter(port=port, poll_s=0.01),
                       CampaignSettings(targets={"abs_peak_nm": 540.0}, tolerance=3.0, budget=6, seed=2,
                                        n_candidates=256),
                       {"abs_peak_nm": TwinPrior()})
    report = campaign_report(engine, out.campaign_id)
    assert out.status == "done" and 1 <= report["experiments_run"] <= 6
    assert report["adapter"] == "nanosynth.lab.sila.client:SiLA2ReactorAdapter"
    assert all(e["status"] in ("done", "failed", "aborted") for e in report["experiments"])
    assert any(e["measured"].get("abs_peak_nm") for e in report["experiments"])
    for e in report["experiments"]:
        assert e["parameters"]["temperature_c"] <= 290  # server limits shape the search space


def test_no_server_and_non_loopback():
    with pytest.raises(HardwareError, match="cannot connect"):
        SiLA2ReactorAdapter(port=1).capabilities()
    with pytest.raises(ConfigError, match="loopback"):
        check_loopback("0.0.0.0")


def test_client_errors_are_logged_as_one_line_without_traceback(caplog):
    logging.getLogger("sila2").setLevel(logging.WARNING)
    twin = SimulatedReactor(seed=3, p_injection_failure=0, p_spectrometer_timeout=0, run_time_s=0.05,
                            safety_limits={"temperature_c": [None, 290]})
    server = ReactorSilaServer(twin)
    port = server.start_loopback()
    try:
        with caplog.at_level(logging.INFO), SiLA2ReactorAdapter(port=port, poll_s=0.01) as client:
            client.safety_limits = SafetyLimits()  # the server refuses, not the client
            with pytest.raises(SafetyLimitError, match="server refused"):
                client.run(default_request("sila-x", temperature_c=295))
            time.sleep(0.2)  # the library logs the finished command from its executor thread
    finally:
        server.stop()
    refused = [r for r in caplog.records if "refused a client request" in r.getMessage()]
    assert refused and all(r.levelno == logging.WARNING for r in refused)
    assert "SafetyLimitViolation" in refused[0].getMessage()
    assert not [r for r in caplog.records if r.exc_info], [r.getMessage() for r in caplog.records if r.exc_info]
    assert "Traceback" not in caplog.text
