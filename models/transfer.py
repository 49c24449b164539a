"""Transfer across compositions (Gu et al.'s central claim): leave one composition out, add back k recipes.

For each held-out composition C and each k in ``ks``: train on all other compositions plus k random recipes of C
(``transfer``), or on the k recipes of C alone (``alone``, k ≥ 5), and score on the remaining recipes of C. Repeated
over ``repeats`` seeds; the table holds mean MAE per (composition, setting, k).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from nanosynth.models.features import subset_frames
from nanosynth.models.pipeline import OutOfDomainWarning, PropertyModel
from nanosynth.models.targets import get_target, target_samples


def transfer_experiment(frames, compositions: list[str], target: str = "size_nm", model: str = "xgb",
                        ks=(0, 5, 10, 20), repeats: int = 2, seed: int = 0,
                        estimator_params: dict | None = None) -> pd.DataFrame:
    """Table with columns composition, setting (transfer|alone), n_added, repeat-mean mae, n_test."""
    spec = get_target(target)
    samples = target_samples(frames, spec)
    comp = frames.recipes.set_index("recipe_id")["target_composition"]
    rows = []
    for c in compositions:
        c_ids = np.array(sorted(set(samples["recipe_id"]) & set(comp.index[comp == c])))
        other = np.array(sorted(set(samples["recipe_id"]) - set(c_ids)))
        for k in ks:
            if k >= len(c_ids) - 5:
                continue
            for setting in ("transfer", "alone"):
                if setting == "alone" and k < 5:
                    continue
                maes = []
                for r in range(repeats):
                    rng = np.random.default_rng(seed * 100 + r)
                    perm = rng.permutation(c_ids)
                    added, test = perm[:k], perm[k:]
                    train = np.concatenate([other, added]) if setting == "transfer" else added
                    pm = PropertyModel(target, model, estimator_params=estimator_params, random_state=seed + r)
                    pm.fit(subset_frames(frames, train))
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore", OutOfDomainWarning)
                        pred = pm.predict_dist(subset_frames(frames, test))
                    merged = samples.merge(pred, on="recipe_id")
                    maes.append(float(np.abs(merged["mean_model"] - merged["y"]).mean()))
                rows.append({"composition": c, "setting": setting, "n_added": k, "mae": float(np.mean(maes)),
                             "mae_sd": float(np.std(maes)), "n_test": int(len(c_ids) - k)})
    return pd.DataFrame(rows)
