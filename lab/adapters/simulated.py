"""Digital twin: a simulated CdSe hot-injection batch microreactor (default adapter).

Modelled on the automated batch microreactor of Xu et al. (Chem. Mater. 2024): set the reactor temperature (°C),
[Cd] and [Se] (mM), the oleic acid/Cd ratio and the growth time (s); get an absorption and a PL spectrum and the
fitted first-exciton peak, PL peak and their FWHM (fitted from the spectra by :mod:`nanosynth.lab.spectra`, as the platform
does). The chemistry is :mod:`nanosynth.lab.growth_model` with parameters calibrated on the cdse-hte data
(``lab/twin_params.json``, see ``benchmarks/calibrate_twin.py``).

Noise and faults:

* run-to-run scatter of peak positions and widths drawn from the repeatability runs (1σ ≈ 1–4 meV by temperature);
* **no signal** when too little CdSe forms (cold and/or dilute): the spectra are noise, status ``no_signal``;
* **injection failure** with probability ``p_injection_failure``: status ``failed`` with the reason;
* **spectrometer timeout** with probability ``p_spectrometer_timeout``: :class:`~nanosynth.schema.errors.HardwareError`;
* ``temperature_offset_c`` makes the reactor run hotter (or colder) than its setpoint, for reconciliation tests.

Every random draw comes from a generator seeded by ``(seed, request_id)``: the same request with the same seed
always gives the same result, whatever ran before (so a resumed campaign is reproducible).
"""

from __future__ import annotations

import logging
import math
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np

from nanosynth.artifacts import sha256_text
from nanosynth.lab import spectra
from nanosynth.lab.adapters.base import (
    Capabilities,
    ExperimentRequest,
    ExperimentResult,
    OutputSpec,
    ParameterSpec,
    Product,
    ProgressCallback,
    ReactorAdapter,
    ResultStatus,
    SafetyLimits,
    SpectrumData,
    utcnow,
)
from nanosynth.lab.growth_model import TwinCalibration, load_calibration, predict
from nanosynth.schema.errors import ConfigError, HardwareError

log = logging.getLogger(__name__)

#: Wavelength axis of the simulated spectrometers (nm).
WAVELENGTHS_NM = np.arange(350.0, 750.0 + 0.5, 1.0)
FAULT_KINDS = ("injection", "timeout", "no_signal")

PARAMETERS = (
    ParameterSpec(name="temperature_c", unit="degC", min=150.0, max=300.0, resolution=1.0,
                  description="reactor (growth) temperature setpoint"),
    ParameterSpec(name="cd_mm", unit="mM", min=1.0, max=40.0, resolution=0.1, log_scale=True,
                  description="Cd precursor (Cd oleate) concentration after injection"),
    ParameterSpec(name="se_mm", unit="mM", min=1.0, max=40.0, resolution=0.1, log_scale=True,
                  description="Se precursor (TOP-Se) concentration after injection"),
    ParameterSpec(name="oa_cd_ratio", unit="", min=2.0, max=40.0, resolution=0.1, log_scale=True,
                  description="oleic acid : Cd molar ratio"),
    ParameterSpec(name="time_s", unit="s", min=10.0, max=600.0, resolution=1.0, log_scale=True,
                  description="growth time before the aliquot is measured"),
)
OUTPUTS = (
    OutputSpec(name="abs_peak_nm", unit="nm", description="first-exciton absorption peak (half-Gaussian fit)"),
    OutputSpec(name="abs_peak_ev", unit="eV"),
    OutputSpec(name="abs_fwhm_mev", unit="meV", description="first-exciton FWHM (half-Gaussian fit)"),
    OutputSpec(name="abs_fwhm_nm", unit="nm"),
    OutputSpec(name="abs_height", unit="absorbance"),
    OutputSpec(name="pl_peak_nm", unit="nm", description="PL peak (Gaussian fit)"),
    OutputSpec(name="pl_peak_ev", unit="eV"),
    OutputSpec(name="pl_fwhm_mev", unit="meV"),
    OutputSpec(name="pl_fwhm_nm", unit="nm"),
    OutputSpec(name="pl_height", unit="counts"),
    OutputSpec(name="size_nm", unit="nm", description="CdSe diameter from the sizing curve (Yu et al. 2003)"),
)

#: What the twin makes (chooses the literature prior: CdSe hot-injection recipes and models).
PRODUCT = Product(composition="CdSe", method="hot_injection")


def request_rng(seed: int, request_id: str) -> np.random.Generator:
    """Random generator fixed by ``(seed, request_id)`` (stable across processes, unlike ``hash()``)."""
    digest = bytes.fromhex(sha256_text(request_id))
    return np.random.default_rng([int(seed) & 0xFFFFFFFF, *np.frombuffer(digest[:16], dtype=np.uint32).tolist()])


def render_absorption(peak_ev: float, fwhm_ev: float, height: float, rng: np.random.Generator | None,
                      noise: float = 0.0015) -> np.ndarray:
    """Absorbance on :data:`WAVELENGTHS_NM`: first exciton, a second transition, the continuum, noise."""
    e = spectra.HC_EV_NM / WAVELENGTHS_NM
    s1 = fwhm_ev / spectra.FWHM_PER_SIGMA
    e2 = peak_ev + max(0.2, 4.5 * s1)
    a = height * np.exp(-0.5 * ((e - peak_ev) / s1) ** 2)
    a += 0.5 * height * np.exp(-0.5 * ((e - e2) / (1.2 * s1)) ** 2)
    onset = peak_ev + max(0.45, 7.0 * s1)
    a += 1.6 * height * 0.5 * (1 + np.tanh((e - onset) / 0.12)) * (1 + 0.6 * np.clip(e - onset, 0, None))
    if rng is not None:
        a = a + rng.normal(0.0, noise, e.size) + rng.normal(0.0, 0.3 * noise)
    return a


def render_pl(peak_ev: float, fwhm_ev: float, height: float, rng: np.random.Generator | None,
              dark_noise: float = 25.0) -> np.ndarray:
    """PL counts on :data:`WAVELENGTHS_NM`: a Gaussian band (energy axis), shot and dark noise."""
    e = spectra.HC_EV_NM / WAVELENGTHS_NM
    y = height * np.exp(-0.5 * ((e - peak_ev) / (fwhm_ev / spectra.FWHM_PER_SIGMA)) ** 2) + 100.0
    if rng is not None:
        y = y + rng.normal(0.0, 1.0, e.size) * np.sqrt(np.maximum(y, 0.0)) + rng.normal(0.0, dark_noise, e.size)
    return y


class SimulatedReactor(ReactorAdapter):
    """Digital twin of a CdSe hot-injection batch microreactor.

    Parameters
    ----------
    seed:
        Seed of all random draws (combined with each request id).
    temperature_offset_c:
        The reactor's true temperature minus its setpoint (simulates a miscalibrated thermocouple).
    p_injection_failure, p_spectrometer_timeout:
        Probabilities of the two random faults per run.
    noise:
        Scale of the run-to-run scatter relative to the measured repeatability (0 = noise-free outcomes).
    detection_limit:
        Smallest exciton absorbance the spectrometer resolves.
    run_time_s:
        Wall-clock duration of one simulated run (0 = instantaneous; > 0 lets ``abort()`` and progress work).
    faults:
        Forced faults by request ``seq`` (``{3: "injection", 5: "timeout"}``), for tests and drills.
    calibration:
        Path of a twin calibration JSON (default: the one shipped in ``lab/``).
    safety_limits:
        Per-reactor safety limits (see :class:`~nanosynth.lab.adapters.base.SafetyLimits`).
    """

    def __init__(
        self,
        *,
        seed: int = 0,
        temperature_offset_c: float = 0.0,
        p_injection_failure: float = 0.02,
        p_spectrometer_timeout: float = 0.01,
        noise: float = 1.0,
        detection_limit: float = 0.01,
        run_time_s: float = 0.0,
        faults: dict[int | str, str] | None = None,
        calibration: str | Path | None = None,
        safety_limits: SafetyLimits | dict[str, Any] | None = None,
    ) -> None:
        super().__init__(safety_limits=safety_limits)
        for name, p in (("p_injection_failure", p_injection_failure), ("p_spectrometer_timeout", p_spectrometer_timeout)):
            if not 0.0 <= p <= 1.0:
                raise ConfigError(f"{name}={p} must be a probability between 0 and 1")
        self.seed = int(seed)
        self.temperature_offset_c = float(temperature_offset_c)
        self.p_injection_failure = float(p_injection_failure)
        self.p_spectrometer_timeout = float(p_spectrometer_timeout)
        self.noise = float(noise)
        self.detection_limit = float(detection_limit)
        self.run_time_s = float(run_time_s)
        self.faults = {int(k): str(v) for k, v in (faults or {}).items()}
        bad = sorted(set(self.faults.values()) - set(FAULT_KINDS))
        if bad:
            raise ConfigError(f"unknown fault kinds {bad}; use {FAULT_KINDS}")
        self.calibration_path = Path(calibration) if calibration else None
        self._calibration: TwinCalibration | None = None
        self._abort = threading.Event()
        self.state = "idle"
        self.current_temperature_c = 25.0
        self.runs = 0

    # ------------------------------------------------------------------ contract
    def capabilities(self) -> Capabilities:
        return Capabilities(reactor="nanosynth digital twin: CdSe hot-injection batch microreactor",
                            parameters=PARAMETERS, outputs=OUTPUTS, spectra=("absorption", "pl"),
                            simulated=True, product=PRODUCT)

    def connect(self) -> None:
        if self._calibration is None:
            self._calibration = load_calibration(self.calibration_path)
        super().connect()
        self.state = "idle"

    def close(self) -> None:
        self._abort.set()
        self.state = "closed"
        super().close()

    def abort(self) -> None:
        self._abort.set()

    @property
    def calibration(self) -> TwinCalibration:
        if self._calibration is None:
            self._calibration = load_calibration(self.calibration_path)
        return self._calibration

    def truth(self, parameters: dict[str, float]) -> dict[str, float]:
        """Noise-free model outputs at ``parameters`` (includes the temperature offset)."""
        out = predict(
            self.calibration.parameters,
            np.array([parameters["temperature_c"] + self.temperature_offset_c]),
            np.array([parameters["cd_mm"]]), np.array([parameters["se_mm"]]),
            np.array([parameters["oa_cd_ratio"]]), np.array([parameters["time_s"]]),
        )
        return {k: float(v[0]) for k, v in out.items()}

    def execute(self, request: ExperimentRequest, progress: ProgressCallback | None = None) -> ExperimentResult:
        self._abort.clear()
        started = utcnow()
        self.runs += 1
        rng = request_rng(self.seed, request.request_id)
        # draw every random number up front so results do not depend on which branch is taken
        u_injection, u_timeout = rng.random(), rng.random()
        z = rng.normal(size=4)
        forced = self.faults.get(request.seq) if request.seq is not None else None
        self.state = "running"
        try:
            if self._wait(progress, 0.0, 0.5):
                return self._aborted(request, started)
            self.current_temperature_c = request.parameters["temperature_c"] + self.temperature_offset_c
            if forced == "timeout" or u_timeout < self.p_spectrometer_timeout:
                raise HardwareError(
                    f"spectrometer timeout in {request.request_id}: no spectrum within the acquisition window. "
                    "Check the spectrometer connection/lamp and re-run the experiment"
                )
            truth = self.truth(request.parameters)
            failed_injection = forced == "injection" or u_injection < self.p_injection_failure
            absorbance, pl_counts, height = self._measure(truth, z, rng, failed_injection or forced == "no_signal")
            if self._wait(progress, 0.5, 1.0):
                return self._aborted(request, started)
            outcomes, fit_status = spectra.analyze((WAVELENGTHS_NM, absorbance), (WAVELENGTHS_NM, pl_counts))
            status, error = self._status(failed_injection, fit_status, height)
            return ExperimentResult(request_id=request.request_id, status=status, outcomes=outcomes,
                                    spectra=_spectra_data(absorbance, pl_counts), started_at=started,
                                    finished_at=utcnow(), error=error, raw=self._raw(fit_status, truth))
        finally:
            self.state = "idle"
            self.current_temperature_c = 25.0

    def _measure(self, truth: dict[str, float], z: np.ndarray, rng: np.random.Generator,
                 no_product: bool) -> tuple[np.ndarray, np.ndarray, float]:
        """Noisy absorption and PL spectra of the true outcomes (run-to-run scatter ``z``); exciton height."""
        cal = self.calibration
        sd = cal.noise_sd_mev(self.current_temperature_c)
        n = self.noise / 1000.0
        abs_ev = truth["abs_peak_ev"] + n * sd["abs_peak"] * z[0]
        abs_fwhm = max(truth["abs_fwhm_ev"] + n * sd["abs_fwhm"] * z[1], 0.01)
        pl_ev = truth["pl_peak_ev"] + n * sd["pl_peak"] * z[2]
        pl_fwhm = max(truth["pl_fwhm_ev"] + n * sd["pl_fwhm"] * z[3], 0.01)
        height = float(cal.exciton_absorbance(truth["converted_mm"]))
        if no_product or height < self.detection_limit:
            height = 0.0
        absorbance = render_absorption(abs_ev, abs_fwhm, height, rng)
        pl_counts = render_pl(pl_ev, pl_fwhm, 2.0e4 * height / 0.3, rng)
        return absorbance, pl_counts, height

    def _status(self, failed_injection: bool, fit_status: dict[str, str],
                height: float) -> tuple[ResultStatus, str | None]:
        if failed_injection:
            return ResultStatus.FAILED, (
                "injection failure: the syringe pump did not deliver the Se precursor (no product formed); "
                "check the injection line and re-run")
        if not fit_status.get("absorption", "").startswith("ok"):
            return ResultStatus.NO_SIGNAL, (
                f"no absorption signal ({fit_status.get('absorption')}): expected exciton absorbance "
                f"{height:.4f} < detection limit {self.detection_limit}; too cold or too dilute")
        return ResultStatus.OK, None

    def _raw(self, fit_status: dict[str, str], truth: dict[str, float]) -> dict[str, Any]:
        return {
            "fit_status": fit_status,
            "twin": {"seed": self.seed, "temperature_offset_c": self.temperature_offset_c,
                     "true_abs_peak_nm": truth["abs_peak_nm"], "true_pl_peak_nm": truth["pl_peak_nm"],
                     "converted_mm": truth["converted_mm"]},
        }

    # ------------------------------------------------------------------ helpers
    def _wait(self, progress: ProgressCallback | None, start: float, end: float) -> bool:
        """Simulate half a run's wall time, reporting progress; True when aborted."""
        steps = 5
        for i in range(1, steps + 1):
            if self._abort.is_set():
                return True
            if self.run_time_s > 0:
                time.sleep(self.run_time_s / (2 * steps))
            if progress is not None:
                progress(start + (end - start) * i / steps)
        return self._abort.is_set()

    def _aborted(self, request: ExperimentRequest, started) -> ExperimentResult:
        log.warning("experiment %s aborted", request.request_id)
        return ExperimentResult(request_id=request.request_id, status=ResultStatus.ABORTED, started_at=started,
                                finished_at=utcnow(), error="aborted by the operator (abort() was called)")


def _spectra_data(absorbance: np.ndarray, pl_counts: np.ndarray) -> list[SpectrumData]:
    return [
        SpectrumData(kind="absorption", wavelength_nm=WAVELENGTHS_NM.tolist(),
                     intensity=np.round(absorbance, 5).tolist(), unit="absorbance"),
        SpectrumData(kind="pl", wavelength_nm=WAVELENGTHS_NM.tolist(),
                     intensity=np.round(pl_counts, 2).tolist(), unit="counts"),
    ]


def default_request(request_id: str = "demo", **overrides: float) -> ExperimentRequest:
    """A mid-range request for the twin (examples, smoke tests)."""
    params = {"temperature_c": 270.0, "cd_mm": 10.0, "se_mm": 20.0, "oa_cd_ratio": 40.0, "time_s": 120.0}
    params.update(overrides)
    if any(not math.isfinite(v) for v in params.values()):
        raise ConfigError(f"non-finite parameter in {params}")
    return ExperimentRequest(request_id=request_id, parameters=params)
