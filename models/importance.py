"""Feature importance from XGBoost SHAP values (``pred_contribs``): per feature and per chemical class."""

from __future__ import annotations

import numpy as np
import pandas as pd

from nanosynth.models.features import CLASSES
from nanosynth.models.pipeline import PropertyModel
from nanosynth.schema.errors import ModelError


def _feature_class(model: PropertyModel, column: str) -> str:
    if column == "cascade_peak_mev":
        return "other"
    if column == "spectrum=pl":
        return "conditions"
    return model.features_.classes_.get(column, "other")


def shap_importance(model: PropertyModel, frames) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Mean |SHAP| per feature and per chemical class on ``frames`` (an XGBoost model is required).

    Returns
    -------
    (per_feature, per_class)
        ``per_feature``: feature, class, mean_abs_shap, share (sorted, largest first);
        ``per_class``: class, mean_abs_shap, share (classes: composition, precursor, ligand, solvent,
        conditions, other).
    """
    model._check_fitted()
    if not hasattr(model.estimator_, "contributions"):
        raise ModelError("SHAP importance needs an XGBoost model (--model xgb)")
    X = model.features_.transform(frames)
    if model.spec.cascade:
        raise ModelError("importance of cascade FWHM models: compute it on the peak sub-models (model.cascade_)")
    contrib = model.estimator_.contributions(X.to_numpy())[:, :-1]  # drop bias
    mean_abs = np.abs(contrib).mean(axis=0)
    per_feature = pd.DataFrame({"feature": model.columns_, "class": [_feature_class(model, c) for c in model.columns_],
                                "mean_abs_shap": mean_abs})
    total = per_feature["mean_abs_shap"].sum() or 1.0
    per_feature["share"] = per_feature["mean_abs_shap"] / total
    per_feature = per_feature.sort_values("mean_abs_shap", ascending=False, kind="stable").reset_index(drop=True)
    per_class = (per_feature.groupby("class")["mean_abs_shap"].sum().reindex(CLASSES, fill_value=0.0)
                 .rename_axis("class").reset_index())
    per_class["share"] = per_class["mean_abs_shap"] / total
    return per_feature, per_class
