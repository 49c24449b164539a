"""What ``make demo`` runs for the models stage: train, check and use a CdSe absorption-peak model.

The caller (top layer) queries the frames from the database and passes them in; nothing here opens a session.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd

from nanosynth.models.artifacts import load_model, save_model, training_data_hash
from nanosynth.models.evaluation import cross_validate
from nanosynth.models.pipeline import OutOfDomainWarning, PropertyModel, predict_conditions
from nanosynth.models.plots import parity_plot

DEMO_PARAMS = {"n_members": 3, "n_estimators": 200, "max_depth": 5, "learning_rate": 0.06}


def run_demo(cdse_hte_frames, out_dir: Path | str, folds: int = 5) -> dict:
    """Grouped CV, training, save/load and prediction of new conditions for ``abs_peak_nm``.

    Parameters
    ----------
    cdse_hte_frames:
        ``db.queries.recipe_frames(session, dataset="cdse-hte")``.
    out_dir:
        Where the artifact (``abs_peak_model/``), the parity plot and ``predictions.csv`` go.

    Returns
    -------
    dict
        ``cv`` metrics (meV), ``artifact`` path, ``predictions`` (DataFrame).
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    res = cross_validate(cdse_hte_frames, "abs_peak_nm", "xgb", folds, 0, "experiment", None, DEMO_PARAMS)
    overall = res.overall()
    p = res.predictions
    parity_plot(p["y"], p["pred"], out / "abs_peak_parity.png", lower=p["lower"], upper=p["upper"],
                title="CdSe abs peak (CV by experiment)", unit="meV")
    model = PropertyModel("abs_peak_nm", "xgb", group_by="experiment", estimator_params=DEMO_PARAMS)
    model.fit(cdse_hte_frames)
    save_model(model, out / "abs_peak_model", metrics={"cv": overall},
               data_hash=training_data_hash(cdse_hte_frames, "abs_peak_nm"))
    loaded, _ = load_model(out / "abs_peak_model")
    plan = pd.DataFrame({"temperature_c": [230.0, 260.0, 290.0], "cd_mm": [10.0, 20.0, 10.0],
                         "se_mm": [10.0, 20.0, 40.0], "oa_cd_ratio": [10.0, 5.0, 20.0], "time_s": [60.0, 180.0, 400.0]})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", OutOfDomainWarning)
        pred = predict_conditions(loaded, plan)
    pred.to_csv(out / "predictions.csv", index=False)
    return {"cv": overall, "artifact": str(out / "abs_peak_model"), "predictions": pred}
