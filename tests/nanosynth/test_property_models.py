import pytest

from nanosynth.property_models import ModelRequest, read_frames
from nanosynth.schema.errors import ModelError


def test_request_takes_source_defaults_and_overrides():
    request = ModelRequest("cdse-hte", "abs_peak_nm", "xgb", params=("n_estimators=50", "booster=gbtree"))
    params = request.estimator_params()
    assert params["n_estimators"] == 50 and params["booster"] == "gbtree" and params["n_members"] == 5
    assert request.grouping() == "experiment" and request.size_limit() is None
    assert ModelRequest("gu2024", "size_nm").size_limit() == 20.0


def test_request_refuses_a_parameter_without_a_value():
    with pytest.raises(ModelError, match="name=value"):
        ModelRequest("cdse-hte", "abs_peak_nm", params=("n_estimators",)).estimator_params()


def test_read_frames_reads_a_conditions_csv_and_refuses_a_missing_file(tmp_path):
    csv = tmp_path / "conditions.csv"
    csv.write_text("temperature_c,cd_mm,se_mm,oa_cd_ratio,time_s\n240,10,10,10,60\n")
    read = read_frames(csv, None)
    assert read.table is not None and len(read.table) == 1 and len(read.frames.recipes) == 1
    with pytest.raises(ModelError, match="does not exist"):
        read_frames(tmp_path / "missing.csv", None)
