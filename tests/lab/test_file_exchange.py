"""File-exchange adapter: atomic request files, round trip with a fake platform thread, timeout, late results."""

from __future__ import annotations

import json
import time

import pytest

from nanosynth.lab.adapters.base import ResultStatus
from nanosynth.lab.adapters.contract import as_contract
from nanosynth.lab.adapters.file_exchange import FileExchangeAdapter, FilePlatformEmulator, atomic_write_text, safe_name
from nanosynth.lab.adapters.simulated import SimulatedReactor, default_request
from nanosynth.schema.errors import HardwareError, SafetyLimitError


def _twin():
    return SimulatedReactor(seed=4, p_injection_failure=0, p_spectrometer_timeout=0)


def test_round_trip_with_fake_platform(tmp_path):
    out, inbox = tmp_path / "out", tmp_path / "in"
    with FilePlatformEmulator(_twin(), out, inbox) as platform, \
            FileExchangeAdapter(outbox=out, inbox=inbox, timeout_s=20, poll_s=0.02) as fx:
        res = fx.run(default_request("campaign-1/exp-0"))
    assert platform.error is None and platform.handled == ["campaign-1/exp-0"]
    assert res.status is ResultStatus.OK
    assert 440 < res.outcomes["abs_peak_nm"] < 640
    assert {s.kind for s in res.spectra} == {"absorption", "pl"}
    req = json.loads((out / "campaign-1_exp-0.json").read_text())
    assert req["parameters"]["temperature_c"] == 270.0 and req["units"]["cd_mm"] == "mM"
    assert (out / "campaign-1_exp-0.csv").read_text().startswith("parameter,value,unit")
    assert (inbox / "processed" / "campaign-1_exp-0.json").exists()  # consumed result moved away
    assert not list(out.glob(".*.tmp"))  # no temp files left behind


def test_outcomes_fitted_from_spectra_when_platform_sends_only_csv(tmp_path):
    """Raw spectra are fitted by the contract (the same code as for every adapter), not by the file adapter."""
    out, inbox = tmp_path / "out", tmp_path / "in"
    with _twin() as twin:
        res = twin.run(default_request("r1"))
    fx = as_contract(FileExchangeAdapter(outbox=out, inbox=inbox, timeout_s=5, poll_s=0.02))
    with fx:
        cols = {s.kind: s.intensity for s in res.spectra}
        lines = ["wavelength_nm,absorption,pl"] + [f"{w},{cols['absorption'][i]},{cols['pl'][i]}"
                                                    for i, w in enumerate(res.spectra[0].wavelength_nm)]
        atomic_write_text(inbox / "r1.spectra.csv", "\n".join(lines))
        atomic_write_text(inbox / "r1.json", json.dumps({"request_id": "r1", "status": "ok",
                                                         "spectra_csv": "r1.spectra.csv"}))
        late = fx.collect("r1")
    assert late.outcomes["abs_peak_nm"] == pytest.approx(res.outcomes["abs_peak_nm"], abs=0.05)
    assert late.raw["fit_status"]["absorption"].startswith("ok")
    assert fx.collect("r1") is None  # consumed


def test_timeout_raises_hardware_error_with_clear_message(tmp_path):
    out, inbox = tmp_path / "out", tmp_path / "in"
    with FilePlatformEmulator(_twin(), out, inbox, ignore={"lost"}), \
            FileExchangeAdapter(outbox=out, inbox=inbox, timeout_s=0.4, poll_s=0.05) as fx:
        t0 = time.monotonic()
        with pytest.raises(HardwareError, match=r"no result for lost .* after 0.4 s: check that the platform"):
            fx.run(default_request("lost"))
        assert time.monotonic() - t0 < 5
    assert (out / "lost.abort").exists()


def test_safety_refusal_writes_nothing(tmp_path):
    fx = FileExchangeAdapter(outbox=tmp_path / "o", inbox=tmp_path / "i", safety_limits={"temperature_c": [None, 250]})
    with fx:
        with pytest.raises(SafetyLimitError):
            fx.run(default_request("hot", temperature_c=280))
    assert list((tmp_path / "o").iterdir()) == []


def test_stale_result_and_malformed_result_are_refused(tmp_path):
    fx = FileExchangeAdapter(outbox=tmp_path / "o", inbox=tmp_path / "i", timeout_s=1, poll_s=0.02)
    with fx:
        atomic_write_text(tmp_path / "i" / "old.json", "{}")
        with pytest.raises(HardwareError, match="already exists"):
            fx.run(default_request("old"))
        atomic_write_text(tmp_path / "i" / "bad.json", "{not json")
        with pytest.raises(HardwareError, match="not valid"):
            fx.collect("bad")
    assert safe_name("a/b c") == "a_b_c"
