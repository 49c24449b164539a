"""Campaign priors: a ``models`` PropertyModel used through reactor parameters, source checks, registry choice."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from nanosynth.lab import prior as prior_mod
from nanosynth.lab.prior import PriorModel, PropertyModelPrior, load_model_prior
from nanosynth.schema.errors import ModelError
from lab_test_helpers import perovskite_literature


class _FakePropertyModel:
    """Stands in for models.pipeline.PropertyModel: predicts from recipe frames, rows in shuffled order."""

    def predict_dist(self, frames):
        steps = frames.steps[frames.steps["action"] == "grow"].set_index("recipe_id")
        chem = frames.chemicals
        cd = chem[chem["role"] == "cation_precursor"].set_index("recipe_id")["concentration_mm"]
        ids = frames.recipes["recipe_id"].to_numpy()[::-1]
        mean = 400.0 + steps.loc[ids, "temperature_c"].to_numpy() / 2 + cd.loc[ids].to_numpy()
        return pd.DataFrame({"recipe_id": ids, "mean": mean, "std": np.full(len(ids), 4.0)})


def _rows() -> pd.DataFrame:
    return pd.DataFrame({"temperature_c": [210.0, 300.0], "cd_mm": [5.0, 20.0], "se_mm": [10.0, 10.0],
                         "oa_cd_ratio": [10.0, 40.0], "time_s": [60.0, 300.0]}, index=[7, 3])


def test_property_model_prior_maps_reactor_parameters_and_keeps_row_order():
    p = PropertyModelPrior(_FakePropertyModel(), {"name": "fake"})
    assert isinstance(p, PriorModel)
    mean, std = p.predict_dist(_rows())
    np.testing.assert_allclose(mean, [400 + 105 + 5, 400 + 150 + 20])
    np.testing.assert_allclose(std, [4.0, 4.0])


def test_load_model_prior_refuses_models_of_another_source(monkeypatch):
    import nanosynth.models.artifacts

    monkeypatch.setattr(nanosynth.models.artifacts, "load_model",
                        lambda path: (_FakePropertyModel(), {"name": "gu-size", "source": "gu2024"}))
    with pytest.raises(ModelError, match="cdse-hte"):
        load_model_prior("somewhere")
    monkeypatch.setattr(nanosynth.models.artifacts, "load_model",
                        lambda path: (_FakePropertyModel(), {"name": "hte-abs", "source": "cdse-hte"}))
    assert load_model_prior("somewhere").manifest["name"] == "hte-abs"


def test_registered_priors_skip_residual_and_broken_artifacts(engine, monkeypatch):
    from nanosynth.db.engine import session_scope
    from nanosynth.schema.tables import ModelArtifact

    with session_scope(engine) as s:
        for i, (kind, path) in enumerate((("xgb", "/good"), ("xgb", "/broken"), ("residual", "/lab-recal"))):
            s.add(ModelArtifact(name=f"m{i}", version="1", kind=kind, target="abs_peak_nm", path=path,
                                manifest_sha256="0" * 64))

    def fake_loader(path):
        if path != "/good":
            raise ModelError(f"cannot load {path}")
        return PropertyModelPrior(_FakePropertyModel(), {"name": "good"})

    monkeypatch.setattr(prior_mod, "_registered_loader", lambda: fake_loader)
    with session_scope(engine) as s:
        priors, info = prior_mod.registered_priors(s, ["abs_peak_nm", "pl_peak_nm"])
    assert list(priors) == ["abs_peak_nm"] and info["abs_peak_nm"]["name"] == "m0"


def test_priors_come_from_literature_of_the_reactors_product(engine):
    from nanosynth.db.engine import session_scope
    from nanosynth.lab.adapters.contract import as_contract
    from nanosynth.lab.adapters.flow_perovskite import CsPbBr3FlowReactor

    caps = as_contract(CsPbBr3FlowReactor()).capabilities()
    with session_scope(engine) as s:
        priors, info = prior_mod.product_priors(s, caps, ["pl_peak_nm"])
    assert priors == {} and "CsPbBr3" in info["unseeded"]
    perovskite_literature(engine, composition="CdSe")  # another composition does not match
    with session_scope(engine) as s:
        assert prior_mod.product_priors(s, caps, ["pl_peak_nm"])[0] == {}
    perovskite_literature(engine)
    with session_scope(engine) as s:
        priors, info = prior_mod.product_priors(s, caps, ["pl_peak_nm", "plqy"])
    assert info["pl_peak_nm"]["features"] == ["temperature_c"] and info["pl_peak_nm"]["n_train"] == 14
    assert "plqy" not in priors and "plqy" in info["unseeded"]
    X = pd.DataFrame({"temperature_c": [95.0, 160.0], "cs_flow_ml_min": 0.1, "pb_flow_ml_min": 0.1})
    mean, _ = priors["pl_peak_nm"].predict_dist(X)
    assert mean[1] > mean[0] + 5


def test_seeded_flow_campaign_uses_the_product_prior(engine):
    from nanosynth.lab.campaign import CampaignSettings, launch_campaign

    perovskite_literature(engine)
    out = launch_campaign(engine, CampaignSettings(targets={"pl_peak_nm": 505.0}, budget=8, seed=1, n_candidates=512),
                          adapter="cspbbr3-flow")
    assert out.report["seeded"] and out.report["prior"]["pl_peak_nm"]["composition"] == "CsPbBr3"
    assert out.report["experiments"][0]["plan_source"] == "prior_seed"


def test_lab_campaign_results_are_not_literature(engine):
    from nanosynth.db.engine import session_scope
    from nanosynth.lab.campaign import CampaignSettings, launch_campaign

    launch_campaign(engine, CampaignSettings(targets={"pl_peak_nm": 505.0}, budget=12, seeded=False, seed=1,
                                             initial_size=12, n_candidates=256), adapter="cspbbr3-flow")
    with session_scope(engine) as s:
        assert prior_mod.literature_table(s, "CsPbBr3", "microfluidic", ["temperature_c"]).empty
