"""``SiLA2ReactorAdapter``: drive a reactor exposing the ReactorController SiLA 2 feature.

``--adapter sila2 --adapter-option port=50052`` (host 127.0.0.1, no TLS by default; give ``root_certs`` — a PEM
file — for TLS). Capabilities and safety limits come from the server; the client may add its own stricter
``safety_limits``. Defined execution errors map to :class:`~nanosynth.schema.errors.SafetyLimitError` (SafetyLimitViolation)
and :class:`~nanosynth.schema.errors.HardwareError` (SpectrometerTimeout, ReactorBusy, anything else).
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path
from typing import Any

from nanosynth.lab.adapters.base import (
    Capabilities,
    ExperimentRequest,
    ExperimentResult,
    ProgressCallback,
    ReactorAdapter,
    ResultStatus,
    SafetyLimits,
    SpectrumData,
    coerce_safety_limits,
    utcnow,
)
from nanosynth.lab.sila.feature import FEATURE_ID, PARAMETER_IDS
from nanosynth.schema.errors import ConfigError, HardwareError, SafetyLimitError

log = logging.getLogger(__name__)


class SiLA2ReactorAdapter(ReactorAdapter):
    """Client adapter for a SiLA 2 reactor server.

    Parameters
    ----------
    host, port:
        Server address.
    root_certs:
        PEM file of the server's CA for TLS; without it the connection is insecure (use on loopback only).
    timeout_s:
        Longest wait for one experiment.
    poll_s:
        How often progress is polled.
    safety_limits:
        Client-side limits (checked before anything is sent, in addition to the server's).
    """

    def __init__(self, *, host: str = "127.0.0.1", port: int = 50052, root_certs: str | Path | None = None,
                 timeout_s: float = 3600.0, poll_s: float = 0.05,
                 safety_limits: SafetyLimits | dict[str, Any] | None = None) -> None:
        super().__init__(safety_limits=safety_limits)
        self.host, self.port = host, int(port)
        self.root_certs = Path(root_certs) if root_certs else None
        self.timeout_s, self.poll_s = float(timeout_s), float(poll_s)
        self._client = None
        self._caps: Capabilities | None = None
        self._server_limits: SafetyLimits | None = None
        self._client_limits = self.safety_limits

    # ------------------------------------------------------------------ connection
    def _open(self):
        from sila2.client import SilaClient

        try:
            if self.root_certs:
                client = SilaClient(self.host, self.port, root_certs=self.root_certs.read_bytes())
            else:
                client = SilaClient(self.host, self.port, insecure=True)
        except Exception as exc:  # grpc raises many kinds
            raise HardwareError(f"cannot connect to the SiLA 2 server at {self.host}:{self.port}: {exc}. Is it "
                                "running ('nanosynth lab serve-sila')?") from exc
        if not hasattr(client, FEATURE_ID):
            client.close()
            raise HardwareError(f"the SiLA 2 server at {self.host}:{self.port} does not implement {FEATURE_ID}")
        return client

    def _fetch_capabilities(self, client) -> None:
        doc = json.loads(getattr(client, FEATURE_ID).Capabilities.get())
        self._caps = Capabilities.model_validate(doc["capabilities"])
        self._server_limits = coerce_safety_limits(doc.get("safety_limits"))
        # plan inside both the client's and the server's limits
        self.safety_limits = self._client_limits.intersect(self._server_limits)

    def connect(self) -> None:
        if self._client is None:
            self._client = self._open()
            self._fetch_capabilities(self._client)
        super().connect()

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
        super().close()

    # ------------------------------------------------------------------ contract
    def capabilities(self) -> Capabilities:
        if self._caps is None:
            client = self._open()
            try:
                self._fetch_capabilities(client)
            finally:
                client.close()
        missing = set(self._caps.parameter_names) ^ set(PARAMETER_IDS.values())
        if missing:
            raise ConfigError(f"server parameters do not match the ReactorController feature: {sorted(missing)}")
        return self._caps

    def state(self) -> str:
        """The server's ReactorState property."""
        return str(getattr(self._require(), FEATURE_ID).ReactorState.get())

    def current_temperature(self) -> float:
        """The server's CurrentTemperature property (°C)."""
        return float(getattr(self._require(), FEATURE_ID).CurrentTemperature.get())

    def _require(self):
        if self._client is None:
            raise HardwareError("SiLA2ReactorAdapter is not connected: use 'with adapter:'")
        return self._client

    def execute(self, request: ExperimentRequest, progress: ProgressCallback | None = None) -> ExperimentResult:
        from sila2.framework.errors.defined_execution_error import DefinedExecutionError
        from sila2.framework.abc.sila_error import SilaError

        feature = getattr(self._require(), FEATURE_ID)
        started = utcnow()
        kwargs = {sid: float(request.parameters[name]) for sid, name in PARAMETER_IDS.items()}
        try:
            instance = feature.RunExperiment(RequestId=request.request_id,
                                             Sequence=request.seq if request.seq is not None else -1, **kwargs)
            deadline = time.monotonic() + self.timeout_s
            while not instance.done:
                if progress is not None and instance.progress is not None:
                    progress(float(instance.progress))
                if time.monotonic() > deadline:
                    self.abort()
                    raise HardwareError(f"SiLA 2 experiment {request.request_id} did not finish within "
                                        f"{self.timeout_s:g} s; Abort was sent")
                time.sleep(self.poll_s)
            resp = instance.get_responses()
        except DefinedExecutionError as exc:
            if exc.identifier == "SafetyLimitViolation":
                raise SafetyLimitError(f"server refused {request.request_id}: {exc.message}") from exc
            raise HardwareError(f"{exc.identifier} in {request.request_id}: {exc.message}") from exc
        except SilaError as exc:
            raise HardwareError(f"SiLA 2 error in {request.request_id}: {exc}") from exc
        outcomes = {k: (float("nan") if v is None else float(v)) for k, v in json.loads(resp.Outcomes).items()}
        spectra = []
        if resp.Absorbance:
            spectra.append(SpectrumData(kind="absorption", wavelength_nm=list(resp.Wavelengths),
                                        intensity=list(resp.Absorbance), unit="absorbance"))
        if resp.Photoluminescence:
            spectra.append(SpectrumData(kind="pl", wavelength_nm=list(resp.Wavelengths),
                                        intensity=list(resp.Photoluminescence), unit="counts"))
        return ExperimentResult(request_id=request.request_id, status=ResultStatus(resp.Status), outcomes=outcomes,
                                spectra=spectra, started_at=started, finished_at=utcnow(),
                                error=resp.ErrorMessage or None,
                                raw={"sila2": {"host": self.host, "port": self.port,
                                               "execution_uuid": str(instance.execution_uuid)}})

    def abort(self) -> None:
        if self._client is not None:
            try:
                getattr(self._client, FEATURE_ID).Abort()
            except Exception as exc:  # noqa: BLE001 - abort is best effort, but say so
                log.warning("SiLA 2 Abort failed: %s", exc)
