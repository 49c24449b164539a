import numpy as np
import pytest

from nanosynth.models.importance import shap_importance
from nanosynth.models.pipeline import PropertyModel
from nanosynth.models.plots import importance_plot, parity_plot
from nanosynth.schema.errors import ModelError

FAST = {"n_members": 2, "n_estimators": 40, "max_depth": 3}


def test_shap_importance_per_feature_and_class(tmp_path, recipe_frames_small):
    model = PropertyModel("size_nm", "xgb", estimator_params=FAST).fit(recipe_frames_small)
    per_feature, per_class = shap_importance(model, recipe_frames_small)
    assert list(per_class["class"]) == ["composition", "precursor", "ligand", "solvent", "conditions", "other"]
    assert per_class["share"].sum() == pytest.approx(1.0)
    # the synthetic size depends on temperature and composition only
    top = set(per_feature.head(4)["class"])
    assert top & {"conditions", "composition"}
    png = importance_plot(per_feature, per_class, tmp_path / "imp.png")
    assert png.stat().st_size > 1000


def test_shap_needs_xgboost(recipe_frames_small):
    model = PropertyModel("size_nm", "rf", estimator_params={"n_members": 2, "n_estimators": 5})
    model.fit(recipe_frames_small)
    with pytest.raises(ModelError, match="xgb"):
        shap_importance(model, recipe_frames_small)


def test_parity_plot_writes_png(tmp_path):
    y = np.linspace(1, 10, 30)
    png = parity_plot(y, y + 0.1, tmp_path / "p.png", lower=y - 1, upper=y + 1, unit="nm")
    assert png.stat().st_size > 1000
