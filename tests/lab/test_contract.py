"""The declared contract: renamed parameters, unit conversion and refusal, constraints, raw spectra fitting."""

from __future__ import annotations

import pytest

from nanosynth.lab.adapters.base import ExperimentRequest, resolve_limits
from nanosynth.lab.adapters.contract import ContractAdapter, ReactorMapping, affine, as_contract
from nanosynth.lab.adapters.flow_perovskite import MAPPING_FILE, CsPbBr3FlowReactor
from nanosynth.lab.adapters.simulated import SimulatedReactor
from nanosynth.schema.errors import ConfigError, SafetyLimitError, UnitError


def _flow(**kw) -> ContractAdapter:
    return as_contract(CsPbBr3FlowReactor(seed=1, **kw))


def test_renamed_parameters_in_schema_units():
    caps = _flow().capabilities()
    by_name = {p.name: p for p in caps.parameters}
    assert set(by_name) == {"temperature_c", "cs_flow_ml_min", "pb_flow_ml_min"}
    assert by_name["temperature_c"].unit == "degC" and by_name["temperature_c"].min == pytest.approx(90.0)
    assert by_name["temperature_c"].max == pytest.approx(180.0)
    assert by_name["cs_flow_ml_min"].unit == "mL/min" and by_name["cs_flow_ml_min"].max == pytest.approx(0.4)
    assert by_name["cs_flow_ml_min"].log_scale and caps.product.composition == "CsPbBr3"
    assert {"pl_peak_nm", "pl_fwhm_mev", "plqy", "abs_peak_nm"} <= set(caps.output_names)
    assert _flow().to_reactor({"temperature_c": 100.0, "cs_flow_ml_min": 0.25, "pb_flow_ml_min": 0.1}) == {
        "T_set_K": pytest.approx(373.15), "q_cs_ul_min": pytest.approx(250.0), "q_pb_ul_min": pytest.approx(100.0)}


def test_unit_conversion_and_refusal():
    assert affine("K", "degC", "t") == pytest.approx((1.0, -273.15))
    assert affine("µL/min", "mL/min", "q") == pytest.approx((0.001, 0.0))
    with pytest.raises(UnitError, match="cannot convert 'K' to 'mL/min'"):
        affine("K", "mL/min", "parameter T_set_K → cs_flow_ml_min")
    bad = {"parameters": {"T_set_K": "cs_flow_ml_min", "q_cs_ul_min": "x_ml_min"}}
    with pytest.raises(UnitError, match="parameter T_set_K → cs_flow_ml_min: cannot convert 'K' to 'mL/min'"):
        ContractAdapter(CsPbBr3FlowReactor(), bad).capabilities()
    with pytest.raises(UnitError, match="cannot convert"):
        ContractAdapter(CsPbBr3FlowReactor(), {"parameters": {"T_set_K": {"name": "temp_k", "unit": "mL"}}}
                        ).capabilities()


def test_mapping_file_is_validated(tmp_path):
    assert ReactorMapping.load(MAPPING_FILE).parameters["T_set_K"] == "temperature_c"
    (tmp_path / "m.toml").write_text('[parameters]\nT_set_K = "temperature_c"\n[colours]\nx = 1\n')
    with pytest.raises(ConfigError, match="colours"):
        ReactorMapping.load(tmp_path / "m.toml")
    with pytest.raises(ConfigError, match="does not declare"):
        ContractAdapter(CsPbBr3FlowReactor(), {"parameters": {"T_reactor": "temperature_c"}}).capabilities()


def test_coupled_constraints_are_translated_and_enforced_before_dispatch():
    reactor = _flow()
    caps = reactor.capabilities()
    assert caps.feasible({"temperature_c": 100.0, "cs_flow_ml_min": 0.2, "pb_flow_ml_min": 0.2})
    assert not caps.feasible({"temperature_c": 100.0, "cs_flow_ml_min": 0.35, "pb_flow_ml_min": 0.3})
    with reactor, pytest.raises(SafetyLimitError, match="mixer total flow"):
        reactor.run(ExperimentRequest(request_id="r", parameters={"temperature_c": 100.0, "cs_flow_ml_min": 0.35,
                                                                  "pb_flow_ml_min": 0.3}))
    assert reactor.inner.executed == []


def test_limits_in_reactor_names_and_units_become_schema_limits():
    reactor = _flow()
    limits = resolve_limits(reactor.translate_limits(["T_set_K=380:420", "cs_flow_ml_min=:0.3"]),
                            reactor.capabilities())
    assert limits.bounds["temperature_c"] == pytest.approx((106.85, 146.85))
    assert limits.bounds["cs_flow_ml_min"] == (None, 0.3)
    inner_limits = as_contract(CsPbBr3FlowReactor(safety_limits={"T_set_K": [380, 420]})).safety_limits
    assert inner_limits.bounds["temperature_c"] == pytest.approx((106.85, 146.85))


def test_raw_spectra_are_fitted_with_the_curated_data_fitting_code():
    reactor = _flow()
    params = {"temperature_c": 120.0, "cs_flow_ml_min": 0.1, "pb_flow_ml_min": 0.12}
    truth = reactor.inner.truth(reactor.to_reactor(params))
    with reactor:
        result = reactor.run(ExperimentRequest(request_id="raw-1", parameters=params))
    assert result.outcomes["pl_peak_nm"] == pytest.approx(1239.84 / truth["pl_ev"], abs=1.0)
    assert result.outcomes["pl_fwhm_mev"] == pytest.approx(1000 * truth["fwhm_ev"], abs=5.0)
    assert result.outcomes["plqy"] == pytest.approx(truth["plqy"], abs=0.03)
    assert "size_nm" not in result.outcomes  # the CdSe sizing curve is not applied to CsPbBr3
    assert {sp.kind for sp in result.spectra} == {"absorption", "pl"}
    assert result.raw["fit_status"]["pl"].startswith("ok") and "pl_peak_nm" in result.raw["fit"]


def test_cdse_twin_passes_through_the_identity_contract():
    reactor = as_contract(SimulatedReactor(seed=1))
    assert reactor.capabilities().parameter_names == SimulatedReactor().capabilities().parameter_names
    assert reactor.to_reactor({"temperature_c": 250.0, "cd_mm": 5.0, "se_mm": 5.0, "oa_cd_ratio": 10.0,
                               "time_s": 60.0})["temperature_c"] == 250.0
    assert as_contract(reactor) is reactor
