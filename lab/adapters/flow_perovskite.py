"""A simulated CsPbBr3 nanocrystal flow reactor, written against the adapter contract only.

A second chemistry and a second vocabulary, to prove that the contract is general: the reactor speaks kelvin and
µL/min with its own parameter names (``T_set_K``, ``q_cs_ul_min``, ``q_pb_ul_min``), declares coupled constraints
(total flow through the mixer, Cs:Pb flow ratio) and returns **raw spectra only** (UV-vis absorbance and PL counts
with the integrating-sphere photon count): nanosynth fits peak, FWHM and PLQY. Its mapping file
``cspbbr3_flow.toml`` (next to this module) relates its names to the schema's.

Chemistry (a smooth toy model, not a calibrated one): the Cs and Pb precursor streams meet in a 0.5 mL coil; the
residence time is ``V / (q_cs + q_pb)``. Nanocube edge length grows with temperature and residence time; the PL
energy follows quantum confinement ``E = 2.36 eV + 2.6 eV·nm² / L²``; the PL width and the PLQY depend on how far
the Cs:Pb flow ratio is from its best value and on temperature.

Faults for tests and drills: ``faults={seq: "timeout" | "disconnect" | "garbage"}`` raises :class:`TimeoutError`,
raises :class:`ConnectionResetError` and stays disconnected until ``reconnect_after`` further calls, or returns a
spectrum whose arrays do not match.
"""

from __future__ import annotations

import hashlib
import math
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from nanosynth.lab.adapters.base import (
    Capabilities,
    Constraint,
    ExperimentRequest,
    ExperimentResult,
    OutputSpec,
    ParameterSpec,
    Product,
    ProgressCallback,
    ReactorAdapter,
    ResultStatus,
)

#: The mapping file shipped with this reactor (reactor names → schema names).
MAPPING_FILE = Path(__file__).with_name("cspbbr3_flow.toml")
COIL_UL = 500.0
WAVELENGTHS_NM = np.arange(380.0, 620.0 + 0.5, 1.0)
HC = 1239.84


class CsPbBr3FlowReactor(ReactorAdapter):
    """Simulated CsPbBr3 flow reactor (kelvin, µL/min, raw spectra out).

    Parameters
    ----------
    seed:
        Seed of the measurement noise (combined with each request id).
    temperature_offset_k:
        True coil temperature minus setpoint.
    noise:
        Relative scale of the run-to-run scatter (0 = none).
    faults:
        Forced faults by request ``seq``: ``timeout``, ``disconnect`` or ``garbage``.
    reconnect_after:
        Calls after a disconnect that still fail (0 = the next call works again).
    """

    mapping = MAPPING_FILE

    def __init__(self, *, seed: int = 0, temperature_offset_k: float = 0.0, noise: float = 1.0,
                 faults: dict[int | str, str] | None = None, reconnect_after: int = 0, **kw) -> None:
        super().__init__(**kw)
        self.seed = int(seed)
        self.temperature_offset_k = float(temperature_offset_k)
        self.noise = float(noise)
        self.faults = {int(k): str(v) for k, v in (faults or {}).items()}
        self.reconnect_after = int(reconnect_after)
        self._down = 0
        self.executed: list[str] = []

    def capabilities(self) -> Capabilities:
        return Capabilities(
            reactor="simulated CsPbBr3 flow reactor (0.5 mL coil)",
            parameters=(
                ParameterSpec(name="T_set_K", unit="K", min=363.15, max=453.15, resolution=0.5,
                              description="coil temperature setpoint"),
                ParameterSpec(name="q_cs_ul_min", unit="µL/min", min=20.0, max=400.0, resolution=1.0,
                              log_scale=True, description="Cs-oleate stream"),
                ParameterSpec(name="q_pb_ul_min", unit="µL/min", min=20.0, max=400.0, resolution=1.0,
                              log_scale=True, description="PbBr2 stream"),
            ),
            outputs=(
                OutputSpec(name="UVVIS", unit="absorbance", kind="spectrum", spectrum="absorption"),
                OutputSpec(name="PL", unit="counts", kind="spectrum", spectrum="pl", plqy=True),
            ),
            spectra=("UVVIS", "PL"),
            constraints=(
                Constraint(expression="q_cs_ul_min + q_pb_ul_min <= 500", description="mixer total flow"),
                Constraint(expression="0.25 <= q_cs_ul_min / q_pb_ul_min <= 2.5", description="Cs:Pb flow ratio"),
            ),
            product=Product(composition="CsPbBr3", method="microfluidic"),
            simulated=True,
        )

    def abort(self) -> None:
        """Nothing runs in the background: a simulated run is instantaneous."""

    def truth(self, p: dict[str, float]) -> dict[str, float]:
        """Noise-free edge length (nm), PL energy and width (eV) and PLQY at reactor parameters ``p``."""
        t_k = p["T_set_K"] + self.temperature_offset_k
        q = p["q_cs_ul_min"] + p["q_pb_ul_min"]
        tau_min = COIL_UL / q
        ratio = p["q_cs_ul_min"] / p["q_pb_ul_min"]
        tau0 = 4.0 * math.exp(-(t_k - 393.0) / 30.0)
        edge = 3.5 + 6.0 * (1.0 - math.exp(-tau_min / tau0)) * (0.6 + 0.4 * (t_k - 363.0) / 90.0)
        off = math.log(ratio / 0.8)
        fwhm = 0.072 + 0.030 * off**2 + 0.12 / edge**2
        plqy = 0.92 * math.exp(-(off / 0.7) ** 2) * (1.0 - 0.5 * math.exp(-(t_k - 350.0) / 30.0))
        return {"edge_nm": edge, "pl_ev": 2.36 + 2.6 / edge**2, "fwhm_ev": fwhm, "plqy": plqy}

    def execute(self, request: ExperimentRequest, progress: ProgressCallback | None = None) -> ExperimentResult:
        self.executed.append(request.request_id)
        fault = self.faults.get(request.seq) if request.seq is not None else None
        if self._down > 0:
            self._down -= 1
            raise ConnectionResetError("flow reactor controller is not answering (connection reset)")
        if fault == "timeout":
            raise TimeoutError(f"no spectrum from the flow cell within 120 s for {request.request_id}")
        if fault == "disconnect":
            self._down = self.reconnect_after
            raise ConnectionResetError("flow reactor controller dropped the connection mid-run")
        started = datetime.now(UTC)
        digest = hashlib.sha256(f"{self.seed}:{request.request_id}".encode()).digest()
        rng = np.random.default_rng(int.from_bytes(digest[:8], "little"))
        spectra = self._spectra(self.truth(request.parameters), rng, garbage=fault == "garbage")
        return ExperimentResult(request_id=request.request_id, status=ResultStatus.OK, spectra=spectra,
                                started_at=started, finished_at=datetime.now(UTC),
                                raw={"residence_time_min": COIL_UL / (request.parameters["q_cs_ul_min"]
                                                                      + request.parameters["q_pb_ul_min"])})

    def _spectra(self, truth: dict[str, float], rng: np.random.Generator, garbage: bool) -> list[dict]:
        e = HC / WAVELENGTHS_NM
        n = self.noise
        pl_ev = truth["pl_ev"] + n * 0.002 * rng.normal()
        sigma = (truth["fwhm_ev"] + n * 0.002 * rng.normal()) / 2.3548
        absorbed = 2.0e5
        band = np.exp(-0.5 * ((e - pl_ev) / sigma) ** 2)
        # integrated (over wavelength) PL counts = PLQY × absorbed photons
        band *= truth["plqy"] * absorbed / np.sum(0.5 * (band[1:] + band[:-1]) * np.diff(WAVELENGTHS_NM))
        pl = band + 20.0 + n * rng.normal(0.0, 3.0, e.size)
        ex = pl_ev + 0.03
        absorb = 0.3 * np.exp(-0.5 * ((e - ex) / (1.1 * sigma)) ** 2)
        absorb += 0.5 * (1 + np.tanh((e - ex - 0.15) / 0.06)) + n * rng.normal(0.0, 0.001, e.size)
        wl = WAVELENGTHS_NM.tolist()
        return [{"kind": "UVVIS", "wavelength_nm": wl, "intensity": np.round(absorb, 5).tolist(), "unit": "absorbance"},
                {"kind": "PL", "wavelength_nm": wl if not garbage else wl[:-5], "intensity": np.round(pl, 2).tolist(),
                 "unit": "counts", "absorbed_photons": absorbed}]
