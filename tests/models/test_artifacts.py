import json

import numpy as np
import pandas as pd
import pytest

from nanosynth.models.artifacts import load_model, save_model, training_data_hash, verify
from nanosynth.models.errors import NotFittedError
from nanosynth.models.pipeline import PropertyModel
from nanosynth.schema.errors import ArtifactIntegrityError, ArtifactNotFoundError

FAST = {"n_members": 3, "n_estimators": 40, "max_depth": 3}
FAST_NN = {"n_members": 2, "epochs": 10, "hidden": 16}


@pytest.mark.parametrize("kind, params", [("xgb", FAST), ("nn", FAST_NN)])
def test_train_predict_save_load_round_trip(tmp_path, hte_frames, kind, params):
    model = PropertyModel("abs_peak_nm", kind, group_by="experiment", estimator_params=params).fit(hte_frames)
    before = model.predict_dist(hte_frames)
    manifest = save_model(model, tmp_path / "m", metrics={"cv_mae": 1.0},
                          data_hash=training_data_hash(hte_frames, "abs_peak_nm"))
    assert manifest["feature_hash"] == model.features_.spec_hash()
    assert manifest["features"] == model.columns_ and manifest["schema_version"]
    assert all(len(h) == 64 for h in manifest["files"].values())
    assert not any(p.suffix in (".pkl", ".pickle", ".joblib") for p in (tmp_path / "m").rglob("*"))
    loaded, man2 = load_model(tmp_path / "m")
    after = loaded.predict_dist(hte_frames)
    assert np.allclose(before["mean_model"], after["mean_model"], atol=1e-4)
    assert np.allclose(before["upper_model"], after["upper_model"], atol=1e-4)
    assert man2["metrics"] == {"cv_mae": 1.0}


def test_cascade_artifact_round_trip(tmp_path, hte_frames):
    model = PropertyModel("pl_fwhm_mev", "xgb", group_by="experiment", estimator_params=FAST).fit(hte_frames)
    save_model(model, tmp_path / "f")
    assert (tmp_path / "f" / "cascade_pl" / "member_0.ubj").is_file()
    loaded, _ = load_model(tmp_path / "f")
    assert np.allclose(model.predict(hte_frames), loaded.predict(hte_frames), atol=1e-4)


def test_hash_mismatch_is_refused(tmp_path, hte_frames):
    model = PropertyModel("abs_peak_nm", "xgb", estimator_params=FAST).fit(hte_frames)
    save_model(model, tmp_path / "m")
    member = tmp_path / "m" / "member_0.ubj"
    member.write_bytes(member.read_bytes() + b"\0")
    with pytest.raises(ArtifactIntegrityError, match="member_0.ubj"):
        load_model(tmp_path / "m")


def test_manifest_tampering_and_missing_files_are_refused(tmp_path, hte_frames):
    model = PropertyModel("abs_peak_nm", "xgb", estimator_params=FAST).fit(hte_frames)
    save_model(model, tmp_path / "m")
    features = tmp_path / "m" / "features.json"
    spec = json.loads(features.read_text())
    spec["ranges"]["t_growth_c"] = [0, 1000]
    features.write_text(json.dumps(spec))
    with pytest.raises(ArtifactIntegrityError):
        verify(tmp_path / "m")
    (tmp_path / "m" / "features.json").unlink()
    with pytest.raises(ArtifactIntegrityError, match="missing"):
        load_model(tmp_path / "m")
    with pytest.raises(ArtifactNotFoundError):
        load_model(tmp_path / "nowhere")


def test_unfitted_model_is_not_saved(tmp_path):
    with pytest.raises(NotFittedError):
        save_model(PropertyModel("abs_peak_nm"), tmp_path / "x")


@pytest.mark.parametrize("kind", ["rf", "et"])
def test_forests_round_trip_without_pickle(tmp_path, hte_frames, recipe_frames_small, kind):
    params = {"n_members": 2, "n_estimators": 15}
    reg = PropertyModel("abs_peak_nm", kind, estimator_params=params).fit(hte_frames)
    save_model(reg, tmp_path / "r")
    assert (tmp_path / "r" / "forests.safetensors").is_file()
    loaded, _ = load_model(tmp_path / "r")
    a, b = reg.predict_dist(hte_frames), loaded.predict_dist(hte_frames)
    # the loaded numpy trees compare features as float32, like scikit-learn: the same predictions, not just close
    assert np.allclose(a["mean_model"], b["mean_model"], rtol=1e-12)
    assert np.allclose(a["upper_model"], b["upper_model"])
    clf = PropertyModel("shape", kind, estimator_params=params).fit(recipe_frames_small)
    save_model(clf, tmp_path / "c")
    loaded_clf, _ = load_model(tmp_path / "c")
    pa = clf.predict_dist(recipe_frames_small).filter(like="proba_").to_numpy()
    pb = loaded_clf.predict_dist(recipe_frames_small).filter(like="proba_").to_numpy()
    assert np.allclose(pa, pb)


def test_whole_folder_and_registry_hash_are_verified(tmp_path, hte_frames):
    from nanosynth.artifacts import manifest_sha256

    model = PropertyModel("abs_peak_nm", "xgb", estimator_params=FAST).fit(hte_frames)
    manifest = save_model(model, tmp_path / "m")
    assert {"format", "name", "version", "target", "kind", "features", "files"} <= set(manifest)
    pinned = manifest_sha256(tmp_path / "m")
    load_model(tmp_path / "m", expected_sha256=pinned)
    with pytest.raises(ArtifactIntegrityError, match="registry"):
        load_model(tmp_path / "m", expected_sha256="0" * 64)
    (tmp_path / "m" / "extra.bin").write_bytes(b"smuggled")
    with pytest.raises(ArtifactIntegrityError, match="extra.bin"):
        load_model(tmp_path / "m")


def test_loaded_estimator_keeps_feature_names(tmp_path, hte_frames):
    import warnings

    model = PropertyModel("abs_peak_nm", "rf", estimator_params={"n_members": 2, "n_estimators": 10}).fit(hte_frames)
    save_model(model, tmp_path / "m")
    loaded, _ = load_model(tmp_path / "m")
    assert list(loaded.estimator_.feature_names_in_) == model.columns_
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # no "fitted without feature names" warning
        loaded.estimator_.predict(model._design(hte_frames, pd.DataFrame({"recipe_id": [0, 1], "spectrum": None}),
                                                model.features_.transform(hte_frames), None))
