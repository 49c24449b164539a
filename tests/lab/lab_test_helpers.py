"""Shared test doubles for the lab tests (fake priors and crashing reactors)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from nanosynth.lab.adapters.simulated import SimulatedReactor
from nanosynth.lab.growth_model import load_calibration, predict


class TwinPrior:
    """A 'literature model' made from the twin's own chemistry with a bias (fast, no data needed)."""

    def __init__(self, output: str = "abs_peak_nm", bias: float = 6.0, std: float = 4.0):
        self.output, self.bias, self.std = output, bias, std
        self.params = load_calibration().parameters

    def predict_dist(self, X: pd.DataFrame):
        out = predict(self.params, X["temperature_c"].to_numpy(float), X["cd_mm"].to_numpy(float),
                      X["se_mm"].to_numpy(float), X["oa_cd_ratio"].to_numpy(float), X["time_s"].to_numpy(float))
        key = self.output if self.output in out else self.output.replace("_mev", "_ev")
        mean = out[key] * (1000.0 if key.endswith("_ev") and self.output.endswith("_mev") else 1.0)
        return mean + self.bias, np.full(len(X), self.std)


class CrashingReactor(SimulatedReactor):
    """Dies (SystemExit, like a killed process) in the middle of its ``crash_on``-th run."""

    def __init__(self, *, crash_on: int = 3, **kw):
        super().__init__(**kw)
        self.crash_on = crash_on
        self.executed: list[str] = []

    def execute(self, request, progress=None):
        self.executed.append(request.request_id)
        if len(self.executed) == self.crash_on:
            raise SystemExit("power cut during the run")
        return super().execute(request, progress)


class CountingReactor(SimulatedReactor):
    """Twin that records every request id it executes."""

    def __init__(self, **kw):
        super().__init__(**kw)
        self.executed: list[str] = []

    def execute(self, request, progress=None):
        self.executed.append(request.request_id)
        return super().execute(request, progress)


def perovskite_literature(engine, n=14, composition="CsPbBr3"):
    """Literature-like CsPbBr3 recipes: a growth temperature and a PL peak that rises with it."""
    from nanosynth.db.engine import session_scope
    from nanosynth.db.write import add_recipes
    from nanosynth.schema.records import RecipeCreate, validate_record

    recs = [validate_record(RecipeCreate, {
        "source_key": f"lit:{composition}:{i}", "source_kind": "curated_dataset", "dataset": "test-perovskite",
        "method": "microfluidic", "target_composition": composition,
        "steps": [{"order": 0, "action": "grow", "temperature_c": 90.0 + 6 * i, "time_s": 120.0}],
        "outcomes": [{"property": "pl_peak_nm", "value": 490.0 + 1.8 * i, "spectrum": "pl"}]}) for i in range(n)]
    with session_scope(engine) as s:
        add_recipes(s, recs)
