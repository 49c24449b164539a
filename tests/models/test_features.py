import numpy as np
import pandas as pd
import pytest

from nanosynth.models.errors import NotFittedError
from nanosynth.models.features import FEATURE_VERSION, FeatureBuilder, frames_for_conditions
from nanosynth.models.features.descriptors import composition_descriptors
from nanosynth.schema.errors import ModelError


def test_features_are_deterministic(recipe_frames_small):
    a = FeatureBuilder().fit(recipe_frames_small)
    b = FeatureBuilder().fit(recipe_frames_small)
    xa = a.transform(recipe_frames_small)
    xb = b.transform(recipe_frames_small)
    pd.testing.assert_frame_equal(xa, xb)
    assert a.spec_hash() == b.spec_hash()
    assert a.to_dict()["feature_version"] == FEATURE_VERSION
    # shuffled input rows give the same features per recipe
    shuffled = type(recipe_frames_small)(recipe_frames_small.recipes.sample(frac=1, random_state=1),
                                         recipe_frames_small.chemicals.sample(frac=1, random_state=2),
                                         recipe_frames_small.steps, recipe_frames_small.outcomes)
    xs = a.transform(shuffled)
    pd.testing.assert_frame_equal(xs.sort_index(), xa.sort_index())


def test_feature_values_are_chemically_meaningful(recipe_frames_small):
    builder = FeatureBuilder().fit(recipe_frames_small)
    x, report = builder.transform_with_report(recipe_frames_small)
    row = x.loc[0]
    assert row["mmol_cation_precursor"] == 1.0
    assert row["ratio_anion_cation"] == 1.0
    assert row["ratio_ligand_cation"] == pytest.approx(row["mmol_ligand"])
    assert row["comp=CdSe"] == 1.0 and row["comp_bulk_gap_ev"] == pytest.approx(1.74)
    assert np.isfinite(row["liquid_ml"]) and row["liquid_ml"] > 0  # ODE + OA volume from density
    assert builder.classes_["chem=oleic acid"] == "ligand"
    assert builder.classes_["comp_delta_en"] == "composition"
    assert not report.unknown_chemicals and not report.out_of_range


def test_spec_round_trip_and_hash(recipe_frames_small):
    builder = FeatureBuilder().fit(recipe_frames_small)
    again = FeatureBuilder.from_dict(builder.to_dict())
    assert again.spec_hash() == builder.spec_hash()
    spec = builder.to_dict()
    spec["feature_version"] = "nanosynth.features@0"
    with pytest.raises(ModelError, match="retrain"):
        FeatureBuilder.from_dict(spec)


def test_unfitted_builder_raises_not_fitted(recipe_frames_small):
    with pytest.raises(NotFittedError):
        FeatureBuilder().transform(recipe_frames_small)


def test_domain_report_flags_unknown_and_out_of_range(hte_frames):
    builder = FeatureBuilder().fit(hte_frames)
    new = frames_for_conditions(pd.DataFrame({"temperature_c": [250.0, 420.0], "cd_mm": [10, 10],
                                              "se_mm": [10, 10], "oa_cd_ratio": [10, 10], "time_s": [60, 60]}))
    new.chemicals.loc[0, "name"] = "mystery amine"
    _, report = builder.transform_with_report(new)
    assert report.unknown_chemicals[0] == ["mystery amine"]
    assert any("t_growth_c" in r for r in report.out_of_range[1])


def test_frames_for_conditions_accepts_dataset_spellings():
    frames = frames_for_conditions(pd.DataFrame({"T_reactor": [250], "Cd_mM": [5], "Se_mM": [10],
                                                 "OA_Cd_ratio": [3], "t_s": [30]}))
    assert len(frames) == 1 and set(frames.chemicals["role"]) == {"cation_precursor", "anion_precursor", "ligand"}
    with pytest.raises(ModelError, match="time_s"):
        frames_for_conditions(pd.DataFrame({"temperature_c": [250], "cd_mm": [5], "se_mm": [5],
                                            "oa_cd_ratio": [3]}))


def test_composition_descriptors():
    d = composition_descriptors("CsPbBr3")
    assert d["comp_lattice=perovskite"] == 1.0 and d["comp_n_elements"] == 3.0
    unknown = composition_descriptors("Qq")
    assert unknown["comp_lattice=unknown"] == 1.0 and np.isnan(unknown["comp_bulk_gap_ev"])


def test_builder_is_a_sklearn_transformer(recipe_frames_small):
    from sklearn.base import clone
    from sklearn.exceptions import NotFittedError as SklearnNotFittedError
    from sklearn.utils.validation import check_is_fitted

    builder = FeatureBuilder()
    with pytest.raises(SklearnNotFittedError):
        check_is_fitted(builder)
    assert builder.fit(recipe_frames_small) is builder
    check_is_fitted(builder)
    matrix = builder.transform(recipe_frames_small)
    assert isinstance(matrix, pd.DataFrame) and (matrix.dtypes == float).all()
    assert list(builder.get_feature_names_out()) == list(matrix.columns) == builder.columns_
    pd.testing.assert_frame_equal(matrix, builder.transform_with_report(recipe_frames_small)[0])
    pd.testing.assert_frame_equal(FeatureBuilder().fit_transform(recipe_frames_small), matrix)
    again = clone(builder)
    assert again.get_params() == builder.get_params() and not hasattr(again, "columns_")
