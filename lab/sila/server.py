"""SiLA 2 server exposing any :class:`~nanosynth.lab.adapters.base.ReactorAdapter` (the digital twin by default).

Start it on the loopback interface::

    server = ReactorSilaServer(SimulatedReactor(seed=1))
    server.start_loopback(port=50052)        # insecure (no TLS) on 127.0.0.1 only
    ...
    server.stop()

or ``nanosynth lab serve-sila --port 50052``. ``start_loopback(tls=True)`` uses a self-signed certificate
generated at start-up (``server.generated_ca`` is the CA for clients).
"""

from __future__ import annotations

import json
import logging
import math
import socket
import threading
from typing import Any

from sila2.framework.errors.defined_execution_error import DefinedExecutionError
from sila2.framework.errors.validation_error import ValidationError
from sila2.server import FeatureImplementationBase, SilaServer

from nanosynth.lab.adapters.base import ExperimentRequest, ReactorAdapter
from nanosynth.lab.sila.feature import (
    PARAMETER_IDS,
    ReactorBusy,
    SafetyLimitViolation,
    SpectrometerTimeout,
    reactor_feature,
)
from nanosynth.schema.errors import ConfigError, HardwareError, SafetyLimitError, SchemaValidationError

log = logging.getLogger(__name__)
LOOPBACK = "127.0.0.1"


class ClientErrorFilter(logging.Filter):
    """Log a refused client request (a defined execution error such as SafetyLimitViolation or ReactorBusy, or
    invalid parameters) as one warning line, without the traceback the sila2 library attaches.

    Errors of the server itself keep their traceback. The library logs a finished observable command from a
    callback where the exception is no longer current; :attr:`seen` is the client error of that execution.
    """

    def __init__(self) -> None:
        super().__init__()
        self.seen: BaseException | None = None

    def filter(self, record: logging.LogRecord) -> bool:
        if not record.exc_info:
            return True
        exc = record.exc_info[1] or self.seen
        if isinstance(exc, (DefinedExecutionError, ValidationError)):
            record.msg, record.args = "refused a client request: %s: %s", (type(exc).__name__, exc)
            record.levelno, record.levelname = logging.WARNING, "WARNING"
        if isinstance(exc, (DefinedExecutionError, ValidationError)) or record.exc_info[1] is None:
            record.exc_info, record.exc_text = None, None  # no traceback (or an empty "NoneType: None" one)
        return True


def quiet_client_errors(logger: logging.Logger | None) -> ClientErrorFilter:
    """A :class:`ClientErrorFilter` installed on a sila2 logger (each command execution has its own logger)."""
    if isinstance(logger, logging.Logger):
        for existing in logger.filters:
            if isinstance(existing, ClientErrorFilter):
                return existing
        logger.addFilter(ClientErrorFilter())
        return logger.filters[-1]  # type: ignore[return-value]
    return ClientErrorFilter()


class ReactorControllerImpl(FeatureImplementationBase):
    """Implementation of the ReactorController feature on top of a reactor adapter."""

    def __init__(self, parent_server: SilaServer, adapter: ReactorAdapter) -> None:
        super().__init__(parent_server=parent_server)
        self.adapter = adapter
        self._busy = threading.Lock()

    def RunExperiment(self, RequestId: str, Sequence: int, Temperature: float, CadmiumConcentration: float,  # noqa: N802,N803
                      SeleniumConcentration: float, OleicAcidRatio: float, GrowthTime: float, *, metadata: Any,
                      instance: Any) -> tuple:
        errors = quiet_client_errors(getattr(instance, "_ObservableCommandInstance__logger", None))
        try:
            return self._run(RequestId, Sequence, (Temperature, CadmiumConcentration, SeleniumConcentration,
                                                   OleicAcidRatio, GrowthTime), instance)
        except (DefinedExecutionError, ValidationError) as exc:
            errors.seen = exc
            raise

    def _run(self, request_id: str, sequence: int, parameters: tuple[float, ...], instance: Any) -> tuple:
        if not self._busy.acquire(blocking=False):
            raise ReactorBusy("another experiment is running: wait for it or call Abort")
        try:
            instance.begin_execution()
            values = dict(zip(PARAMETER_IDS.values(), parameters, strict=True))
            request = ExperimentRequest(request_id=request_id, parameters=values,
                                        seq=sequence if sequence >= 0 else None)

            def progress(fraction: float) -> None:
                instance.progress = min(max(float(fraction), 0.0), 1.0)

            try:
                result = self.adapter.run(request, progress)
            except (SafetyLimitError, SchemaValidationError) as exc:
                raise SafetyLimitViolation(str(exc)) from exc
            except HardwareError as exc:
                if "timeout" in str(exc).lower():
                    raise SpectrometerTimeout(str(exc)) from exc
                raise
            spectra = {s.kind: s for s in result.spectra}
            wavelengths = spectra["absorption"].wavelength_nm if "absorption" in spectra else (
                spectra["pl"].wavelength_nm if "pl" in spectra else [])
            outcomes = {k: (v if math.isfinite(v) else None) for k, v in result.outcomes.items()}
            return (result.status.value, json.dumps(outcomes), result.error or "", list(wavelengths),
                    list(spectra["absorption"].intensity) if "absorption" in spectra else [],
                    list(spectra["pl"].intensity) if "pl" in spectra else [])
        finally:
            self._busy.release()

    def Abort(self, *, metadata: Any) -> tuple:  # noqa: N802
        self.adapter.abort()
        return ()

    def get_ReactorState(self, *, metadata: Any) -> str:  # noqa: N802
        if self._busy.locked():
            return "running"
        return str(getattr(self.adapter, "state", "idle" if self.adapter.connected else "closed"))

    def get_CurrentTemperature(self, *, metadata: Any) -> float:  # noqa: N802
        return float(getattr(self.adapter, "current_temperature_c", float("nan")))

    def get_Capabilities(self, *, metadata: Any) -> str:  # noqa: N802
        return json.dumps({"capabilities": self.adapter.capabilities().model_dump(mode="json"),
                           "safety_limits": self.adapter.safety_limits.model_dump(mode="json")})


class ReactorSilaServer(SilaServer):
    """A SiLA 2 server for one reactor adapter (connected on start, closed on stop)."""

    def __init__(self, adapter: ReactorAdapter, *, name: str = "nanosynth reactor") -> None:
        super().__init__(server_name=name, server_type="CdSeBatchMicroreactor",
                         server_description="nanosynth reactor adapter served over SiLA 2",
                         server_version="0.1", server_vendor_url="https://github.com/nanosynth")
        self.adapter = adapter
        feature = reactor_feature()
        self.set_feature_implementation(feature, ReactorControllerImpl(self, adapter))
        quiet_client_errors(logging.getLogger(feature._identifier))  # the library's logger of this feature
        self.port: int | None = None

    def start_loopback(self, port: int = 0, *, tls: bool = False) -> int:
        """Connect the adapter and serve on 127.0.0.1 (``port=0``: a free port); returns the port.

        ``tls=False`` serves without encryption (loopback only); ``tls=True`` with a self-signed certificate.
        """
        port = port or free_port()
        self.adapter.connect()
        try:
            if tls:
                self.start(LOOPBACK, port, enable_discovery=False)
            else:
                self.start_insecure(LOOPBACK, port, enable_discovery=False)
        except Exception as exc:
            self.adapter.close()
            raise HardwareError(f"cannot start the SiLA 2 server on {LOOPBACK}:{port}: {exc}") from exc
        self.port = port
        log.info("SiLA 2 reactor server on %s:%d (%s)", LOOPBACK, port, "TLS" if tls else "insecure")
        return port

    def stop(self, grace_period: float | None = None) -> None:
        try:
            super().stop(grace_period)
        finally:
            self.adapter.close()


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((LOOPBACK, 0))
        return int(s.getsockname()[1])


def check_loopback(host: str) -> None:
    """Refuse non-loopback addresses for the insecure server.

    Raises
    ------
    ConfigError
        When ``host`` is not a loopback address.
    """
    if host not in (LOOPBACK, "localhost", "::1"):
        raise ConfigError(f"the insecure SiLA 2 server only listens on loopback, not {host!r}; use TLS for remote")
