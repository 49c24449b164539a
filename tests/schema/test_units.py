import pytest

from nanosynth.schema.errors import UnitError
from nanosynth.schema.units import (
    convert,
    ev_to_nm,
    fwhm_nm_to_mev,
    nm_to_ev,
    normalize_amount,
    parse_unit,
    split_value_unit,
    to_kelvin,
    to_seconds,
)


@pytest.mark.parametrize("value,unit,target,expected", [
    (300, "°C", "kelvin", 573.15), (300, "℃", "kelvin", 573.15), (573.15, "K", "°C", 300.0),
    (5, "min", "s", 300), (2, "h", "s", 7200), (1, "day", "h", 24), (500, "µL", "mL", 0.5),
    (0.1, "M", "mM", 100), (10, "°C/min", "K/min", 10),
])
def test_convert(value, unit, target, expected):
    assert convert(value, unit, target) == pytest.approx(expected)


def test_helpers():
    assert to_kelvin(25) == pytest.approx(298.15)
    assert to_seconds(1.5, "hrs") == 5400
    assert nm_to_ev(620) == pytest.approx(1.99974, rel=1e-4)
    assert ev_to_nm(nm_to_ev(512.3)) == pytest.approx(512.3)
    assert fwhm_nm_to_mev(30, 550) == pytest.approx(123.1, rel=0.01)


def test_normalize_amount_by_dimension():
    assert normalize_amount(0.5, "mmol").mmol == 0.5
    assert normalize_amount(250, "µmol").mmol == pytest.approx(0.25)
    assert normalize_amount(10, "mM").mm == pytest.approx(10)
    vol = normalize_amount(5, "mL", molar_mass=282.46, density_g_ml=0.895)
    assert vol.ml == 5 and vol.g == pytest.approx(4.475) and vol.mmol == pytest.approx(15.842, rel=1e-3)
    mass = normalize_amount(128.41, "mg", molar_mass=128.41)
    assert mass.g == pytest.approx(0.12841) and mass.mmol == pytest.approx(1.0)
    assert normalize_amount(40, None).ratio == 40


def test_bad_units_and_amounts():
    with pytest.raises(UnitError, match="unknown unit"):
        parse_unit("smidgens of glitter")
    with pytest.raises(UnitError, match="negative"):
        normalize_amount(-1, "mL")
    with pytest.raises(UnitError, match="not a unit of amount"):
        normalize_amount(3, "nm")
    with pytest.raises(UnitError, match="dimensions differ"):
        convert(1, "mL", "K")
    with pytest.raises(UnitError):
        nm_to_ev(0)


@pytest.mark.parametrize("text,expected", [
    ("0.2 mmol", (0.2, "mmol")), ("423.15 K", (423.15, "K")), ("1e-3M", (0.001, "M")), (" .5 mL ", (0.5, "mL")),
    ("12", (12.0, None)), ("K", (None, "K")), ("", (None, None)), ("-5 degC", (-5.0, "degC")),
])
def test_split_value_unit(text, expected):
    assert split_value_unit(text) == expected
