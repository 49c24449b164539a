"""File-exchange adapter for platforms driven by LabVIEW (or any software that can read/write files).

Protocol (one directory pair shared with the platform):

* **outbox** — nanosynth writes ``<id>.json`` (the request: ``request_id``, ``parameters`` with units, ``seq``,
  ``campaign_id``, ``created_at``) and ``<id>.csv`` (one row ``parameter,value,unit`` per parameter, for
  platforms that prefer CSV). Each file is written to a hidden temp file in the same folder and moved into place
  with :func:`os.replace`, so the platform never sees a half-written file. The JSON is written last: its presence
  means the request is complete.
* **inbox** — the platform writes ``<id>.json`` with ``status`` (ok/no_signal/failed/aborted), optional
  ``outcomes`` (e.g. ``abs_peak_nm``), ``error``, ``started_at``/``finished_at`` and optionally ``spectra_csv``
  (a file name in the inbox with a ``wavelength_nm`` column and ``absorption`` and/or ``pl`` columns). It should
  also write atomically. When outcomes are missing they are fitted from the spectra with :mod:`nanosynth.lab.spectra`.
  Read result files are moved to ``inbox/processed/``.
* ``abort()`` (and a timeout) writes ``<id>.abort`` in the outbox.

Waiting is by polling with a timeout: no result within ``timeout_s`` → :class:`~nanosynth.schema.errors.HardwareError`.
:class:`FilePlatformEmulator` plays the platform's side (with any adapter, e.g. the twin) for tests and demos.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import os
import re
import threading
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from nanosynth.artifacts import atomic_write_text
from nanosynth.lab.adapters.base import (
    Capabilities,
    ExperimentRequest,
    ExperimentResult,
    ProgressCallback,
    ReactorAdapter,
    ResultStatus,
    SafetyLimits,
    SpectrumData,
    utcnow,
)
from nanosynth.schema.errors import ConfigError, HardwareError

log = logging.getLogger(__name__)
PROTOCOL_VERSION = 1


def safe_name(request_id: str) -> str:
    """File-name-safe form of a request id (``campaign-3/exp-7`` → ``campaign-3_exp-7``)."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", request_id).strip("._") or "request"


def _load_capabilities(value: Capabilities | dict[str, Any] | str | Path | None) -> Capabilities:
    if value is None:
        from nanosynth.lab.adapters.simulated import OUTPUTS, PARAMETERS, PRODUCT

        return Capabilities(reactor="file-exchange platform (CdSe batch microreactor parameter set)",
                            parameters=PARAMETERS, outputs=OUTPUTS, spectra=("absorption", "pl"), product=PRODUCT)
    if isinstance(value, Capabilities):
        return value
    if isinstance(value, str | Path):
        try:
            value = json.loads(Path(value).read_text())
        except (OSError, json.JSONDecodeError) as exc:
            raise ConfigError(f"cannot read capabilities file {value}: {exc}") from exc
    try:
        return Capabilities.model_validate(value)
    except ValueError as exc:
        raise ConfigError(f"invalid capabilities: {exc}") from exc


class FileExchangeAdapter(ReactorAdapter):
    """Drive a platform through request/result files (see the module docstring for the protocol).

    Parameters
    ----------
    outbox, inbox:
        Folders shared with the platform (created on connect).
    timeout_s:
        How long :meth:`run` waits for a result file.
    poll_s:
        Polling interval.
    capabilities:
        A :class:`Capabilities`, its dict, or a JSON file path; default: the CdSe batch-microreactor parameters.
    write_csv:
        Also write the request as CSV.
    safety_limits:
        Per-reactor safety limits.
    """

    def __init__(self, *, outbox: str | Path, inbox: str | Path, timeout_s: float = 3600.0, poll_s: float = 0.5,
                 capabilities: Capabilities | dict[str, Any] | str | Path | None = None, write_csv: bool = True,
                 safety_limits: SafetyLimits | dict[str, Any] | None = None) -> None:
        super().__init__(safety_limits=safety_limits)
        if timeout_s <= 0 or poll_s <= 0:
            raise ConfigError("timeout_s and poll_s must be positive")
        self.outbox = Path(outbox)
        self.inbox = Path(inbox)
        self.timeout_s = float(timeout_s)
        self.poll_s = float(poll_s)
        self.write_csv = bool(write_csv)
        self._capabilities = _load_capabilities(capabilities)
        self._abort = threading.Event()
        self._current: str | None = None

    def capabilities(self) -> Capabilities:
        return self._capabilities

    def connect(self) -> None:
        try:
            for d in (self.outbox, self.inbox, self.inbox / "processed"):
                d.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise HardwareError(f"cannot create exchange folders {self.outbox} / {self.inbox}: {exc}") from exc
        super().connect()

    def abort(self) -> None:
        self._abort.set()
        if self._current:
            atomic_write_text(self.outbox / f"{self._current}.abort", json.dumps({"abort": True}))

    # ------------------------------------------------------------------ files
    def request_path(self, request_id: str) -> Path:
        return self.outbox / f"{safe_name(request_id)}.json"

    def result_path(self, request_id: str) -> Path:
        return self.inbox / f"{safe_name(request_id)}.json"

    def write_request(self, request: ExperimentRequest) -> Path:
        """Write the request files (CSV first, JSON last) atomically; returns the JSON path."""
        caps = self.capabilities()
        units = {p.name: p.unit for p in caps.parameters}
        name = safe_name(request.request_id)
        if self.write_csv:
            buf = io.StringIO()
            w = csv.writer(buf)
            w.writerow(["parameter", "value", "unit"])
            for k, v in request.parameters.items():
                w.writerow([k, repr(float(v)), units.get(k, "")])
            atomic_write_text(self.outbox / f"{name}.csv", buf.getvalue())
        doc = {
            "protocol": PROTOCOL_VERSION,
            "request_id": request.request_id,
            "campaign_id": request.campaign_id,
            "seq": request.seq,
            "parameters": request.parameters,
            "units": units,
            "created_at": utcnow().isoformat(),
            "result_file": self.result_path(request.request_id).name,
        }
        path = self.request_path(request.request_id)
        atomic_write_text(path, json.dumps(doc, indent=1))
        return path

    def execute(self, request: ExperimentRequest, progress: ProgressCallback | None = None) -> ExperimentResult:
        self._abort.clear()
        result_file = self.result_path(request.request_id)
        if result_file.exists():
            raise HardwareError(
                f"a result file {result_file} already exists before request {request.request_id} was sent: "
                "move it away (stale result from an earlier run?) or use a new request id"
            )
        started = utcnow()
        self._current = safe_name(request.request_id)
        try:
            self.write_request(request)
            deadline = time.monotonic() + self.timeout_s
            while True:
                if result_file.exists():
                    return self._read_result(request.request_id, result_file, started)
                if self._abort.is_set():
                    return ExperimentResult(request_id=request.request_id, status=ResultStatus.ABORTED,
                                            started_at=started, finished_at=utcnow(),
                                            error="aborted by the operator; an abort file was written")
                if time.monotonic() >= deadline:
                    atomic_write_text(self.outbox / f"{self._current}.abort", json.dumps({"abort": True,
                                                                                          "reason": "timeout"}))
                    raise HardwareError(
                        f"no result for {request.request_id} in {self.inbox} after {self.timeout_s:g} s: check that "
                        f"the platform is running and watching {self.outbox}; an abort file was written. Raise "
                        "timeout_s if experiments take longer"
                    )
                time.sleep(self.poll_s)
        finally:
            self._current = None

    def collect(self, request_id: str) -> ExperimentResult | None:
        """A result that arrived for ``request_id`` while nobody was waiting (after a crash), or None."""
        path = self.result_path(request_id)
        if not path.exists():
            return None
        return self._read_result(request_id, path, utcnow())

    def _read_result(self, request_id: str, path: Path, started: datetime) -> ExperimentResult:
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
            status = ResultStatus(str(doc.get("status", "ok")).lower())
        except (OSError, json.JSONDecodeError, ValueError) as exc:
            raise HardwareError(
                f"result file {path} is not valid: {exc}. It must be JSON with 'status' in "
                f"{[s.value for s in ResultStatus]}; the platform must write it atomically (temp + rename)"
            ) from exc
        if doc.get("request_id") not in (None, request_id):
            raise HardwareError(f"result file {path} is for request {doc.get('request_id')!r}, not {request_id!r}")
        spectra_out: list[SpectrumData] = []
        outcomes = {k: float(v) for k, v in (doc.get("outcomes") or {}).items() if v is not None}
        raw: dict[str, Any] = {"result_file": str(path), "platform": doc.get("raw", {})}
        if doc.get("spectra_csv"):  # fitted by the contract (lab.adapters.contract) when outcomes are missing
            spectra_out = self._read_spectra(path.parent / doc["spectra_csv"])
        processed = path.parent / "processed" / path.name
        processed.parent.mkdir(exist_ok=True)
        os.replace(path, processed)
        raw["result_file"] = str(processed)

        def _time(key: str, default: datetime) -> datetime:
            try:
                return datetime.fromisoformat(doc[key]) if doc.get(key) else default
            except ValueError:
                return default

        return ExperimentResult(request_id=request_id, status=status, outcomes=outcomes, spectra=spectra_out,
                                started_at=_time("started_at", started), finished_at=_time("finished_at", utcnow()),
                                error=doc.get("error"), raw=raw)

    @staticmethod
    def _read_spectra(path: Path) -> list[SpectrumData]:
        try:
            import pandas as pd

            df = pd.read_csv(path)
        except (OSError, ValueError) as exc:
            raise HardwareError(f"cannot read spectra file {path}: {exc}") from exc
        if "wavelength_nm" not in df.columns:
            raise HardwareError(f"spectra file {path} needs a 'wavelength_nm' column; it has {list(df.columns)}")
        return [SpectrumData(kind=k, wavelength_nm=df["wavelength_nm"].tolist(), intensity=df[k].tolist())
                for k in ("absorption", "pl") if k in df.columns]


class FilePlatformEmulator:
    """The platform's side of the file protocol, backed by another adapter (e.g. the twin), in a thread.

    Watches ``outbox`` for request JSON files, runs each through ``backend`` and writes the result JSON (and a
    spectra CSV) atomically to ``inbox``. ``delay_s`` simulates the experiment time; ``ignore`` request ids are
    never answered (to test timeouts). Use as a context manager.
    """

    def __init__(self, backend: ReactorAdapter, outbox: str | Path, inbox: str | Path, *, poll_s: float = 0.05,
                 delay_s: float = 0.0, ignore: set[str] | None = None) -> None:
        self.backend = backend
        self.outbox, self.inbox = Path(outbox), Path(inbox)
        self.poll_s, self.delay_s = poll_s, delay_s
        self.ignore = set(ignore or ())
        self.handled: list[str] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.error: BaseException | None = None

    def __enter__(self) -> FilePlatformEmulator:
        self.outbox.mkdir(parents=True, exist_ok=True)
        self.inbox.mkdir(parents=True, exist_ok=True)
        self.backend.connect()
        self._thread = threading.Thread(target=self._loop, name="file-platform-emulator", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=10)
        self.backend.close()

    def _loop(self) -> None:
        seen: set[str] = set()
        while not self._stop.is_set():
            for path in sorted(self.outbox.glob("*.json")):
                if path.name.startswith(".") or path.name in seen:
                    continue
                seen.add(path.name)
                try:
                    self._handle(path)
                except BaseException as exc:  # noqa: BLE001 - reported to the test through .error
                    log.exception("emulator failed on %s", path)
                    self.error = exc
            time.sleep(self.poll_s)

    def _handle(self, path: Path) -> None:
        doc = json.loads(path.read_text())
        rid = doc["request_id"]
        if rid in self.ignore:
            return
        if self.delay_s:
            time.sleep(self.delay_s)
        req = ExperimentRequest(request_id=rid, parameters=doc["parameters"], seq=doc.get("seq"),
                                campaign_id=doc.get("campaign_id"))
        name = safe_name(rid)
        try:
            res = self.backend.run(req)
            out: dict[str, Any] = {"request_id": rid, "status": res.status.value, "error": res.error,
                                   "outcomes": {k: v for k, v in res.outcomes.items() if np.isfinite(v)},
                                   "started_at": res.started_at.isoformat(),
                                   "finished_at": res.finished_at.isoformat()}
            if res.spectra:
                cols = {s.kind: s.intensity for s in res.spectra}
                lines = ["wavelength_nm," + ",".join(cols)]
                for i, w in enumerate(res.spectra[0].wavelength_nm):
                    lines.append(f"{w}," + ",".join(str(cols[k][i]) for k in cols))
                atomic_write_text(self.inbox / f"{name}.spectra.csv", "\n".join(lines) + "\n")
                out["spectra_csv"] = f"{name}.spectra.csv"
        except HardwareError as exc:
            out = {"request_id": rid, "status": "failed", "error": str(exc)}
        atomic_write_text(self.inbox / f"{name}.json", json.dumps(out))
        self.handled.append(rid)
