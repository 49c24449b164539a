"""Quantities and conditions: a table of real-style phrases, each with its normalized value."""

from __future__ import annotations

import pytest

from nanosynth.miner.extract.quantities import QuantityKind as K
from nanosynth.miner.extract.quantities import find_quantities, parse_quantity
from nanosynth.schema.errors import ExtractionError

# phrase, kind, normalized value on the canonical unit (K, s, mmol, mL, g, mM, mg/mL, %, K/min, nm, meV, Pa)
TABLE = [
    ("heated to 300 °C", K.TEMPERATURE, 573.15),
    ("at 300°C", K.TEMPERATURE, 573.15),
    ("at 240 ºC", K.TEMPERATURE, 513.15),
    ("at 240 ˚C", K.TEMPERATURE, 513.15),
    ("at 180 ℃", K.TEMPERATURE, 453.15),
    ("at 150 ° C", K.TEMPERATURE, 423.15),
    ("at 120 oC under vacuum", K.TEMPERATURE, 393.15),
    ("at 100 degC", K.TEMPERATURE, 373.15),
    ("annealed at 573 K", K.TEMPERATURE, 573.0),
    ("at 240–300 °C", K.TEMPERATURE, (513.15 + 573.15) / 2),
    ("from 240 °C to 300 °C", K.TEMPERATURE, (513.15 + 573.15) / 2),
    ("cooled to −78 °C", K.TEMPERATURE, 195.15),
    ("stirred at room temperature", K.TEMPERATURE, 298.15),
    ("kept at RT for 1 h", K.TEMPERATURE, 298.15),
    ("quenched in an ice bath", K.TEMPERATURE, 273.15),
    ("for 5 min", K.TIME, 300.0),
    ("for 5-10 min", K.TIME, 450.0),
    ("for 5 to 10 min", K.TIME, 450.0),
    ("between 5 and 10 min", K.TIME, 450.0),
    ("for 30 s", K.TIME, 30.0),
    ("for 2 h", K.TIME, 7200.0),
    ("for 1.5 hours", K.TIME, 5400.0),
    ("for 12 hrs", K.TIME, 43200.0),
    ("for 3 days", K.TIME, 259200.0),
    ("dried overnight", K.TIME, 43200.0),
    ("0.2 mmol of CdO", K.AMOUNT, 0.2),
    ("CdO (0.2 mmol)", K.AMOUNT, 0.2),
    ("0.5mmol Se", K.AMOUNT, 0.5),
    ("50 μmol InCl3", K.AMOUNT, 0.05),
    ("50 µmol InCl3", K.AMOUNT, 0.05),
    ("1.2 mol", K.AMOUNT, 1200.0),
    ("10 mL ODE", K.VOLUME, 10.0),
    ("5mL of OA", K.VOLUME, 5.0),
    ("200 μL of (TMS)2S", K.VOLUME, 0.2),
    ("200 uL TOP", K.VOLUME, 0.2),
    ("0.5 L water", K.VOLUME, 500.0),
    ("25.6 mg CdO", K.MASS, 0.0256),
    ("0.814 g Cs2CO3", K.MASS, 0.814),
    ("2 kg", K.MASS, 2000.0),
    ("a 0.1 M solution", K.CONCENTRATION, 100.0),
    ("10 mM HAuCl4", K.CONCENTRATION, 10.0),
    ("0.01 mol/L", K.CONCENTRATION, 10.0),
    ("0.25 mol L−1", K.CONCENTRATION, 250.0),
    ("1.5 × 10^-3 M", K.CONCENTRATION, 1.5),
    ("1.5 × 10−3 M", K.CONCENTRATION, 1.5),
    ("1.5×10⁻³ M", K.CONCENTRATION, 1.5),
    ("1e-3 M", K.CONCENTRATION, 1.0),
    ("10−3 M", K.CONCENTRATION, 1.0),
    ("500 μM", K.CONCENTRATION, 0.5),
    ("2 mg/mL in hexane", K.MASS_CONCENTRATION, 2.0),
    ("5 wt%", K.PERCENT, 5.0),
    ("10 vol %", K.PERCENT, 10.0),
    ("a PLQY of 65%", K.PERCENT, 65.0),
    ("heated at 10 °C/min", K.RATE, 10.0),
    ("a rate of 5 K min−1", K.RATE, 5.0),
    ("ramped at 20 °C min-1", K.RATE, 20.0),
    ("3.2 ± 0.3 nm", K.LENGTH, 3.2),
    ("3.2 nm ± 0.3 nm", K.LENGTH, 3.2),
    ("rods 25 × 5 nm", K.LENGTH, 5.0),
    ("peak at 550 nm", K.LENGTH, 550.0),
    ("0.5 μm", K.LENGTH, 500.0),
    ("2.25 eV", K.ENERGY, 2250.0),
    ("FWHM of 95 meV", K.ENERGY, 95.0),
    ("under vacuum (100 mTorr)", K.PRESSURE, 13.3322),
    ("centrifuged at 8000 rpm", K.SPEED, 8000.0),
    ("1:40", K.RATIO, 0.025),
    ("OA/Cd = 40", K.RATIO, 40.0),
    ("a Cd:Se molar ratio of 1:2", K.RATIO, 0.5),
    ("at 1,000 rpm", K.SPEED, 1000.0),
]


@pytest.mark.parametrize(("phrase", "kind", "expected"), TABLE, ids=[t[0] for t in TABLE])
def test_quantity_table(phrase: str, kind: K, expected: float) -> None:
    of_kind = [q for q in find_quantities(phrase) if q.kind is kind]
    assert of_kind, f"no {kind} quantity in {phrase!r}: {find_quantities(phrase)}"
    q = of_kind[-1]
    assert q.normalized == pytest.approx(expected, rel=1e-4)
    assert phrase[q.char_start:q.char_end] == q.raw


def test_table_has_at_least_sixty_phrases() -> None:
    assert len(TABLE) >= 60


def test_range_keeps_low_high_and_raw() -> None:
    q = parse_quantity("the growth temperature was 240–300 °C")
    assert (q.low, q.high) == (240.0, 300.0)
    assert q.normalized_low == pytest.approx(513.15) and q.normalized_high == pytest.approx(573.15)
    assert q.raw == "240–300 °C" and q.raw_unit == "°C"


def test_plus_minus_error_absolute_and_percent() -> None:
    q = parse_quantity("3.2 ± 0.3 nm")
    assert q.error == pytest.approx(0.3) and q.normalized_error == pytest.approx(0.3)
    q = parse_quantity("4.5 nm ± 8%")
    assert q.error_pct == pytest.approx(8.0) and q.normalized_error == pytest.approx(0.36)
    q = parse_quantity("250 ± 5 °C")
    assert q.normalized_error == pytest.approx(5.0)  # a temperature difference: no offset


def test_ratio_parts_and_species() -> None:
    q = parse_quantity("a molar ratio of 1:2:4")
    assert q.parts == (1.0, 2.0, 4.0) and q.value is None
    q = parse_quantity("OA/Cd = 40")
    assert q.species == ("OA", "Cd") and q.value == 40.0


def test_reflux_is_a_qualifier_without_value() -> None:
    q = parse_quantity("heated under reflux")
    assert q.kind is K.TEMPERATURE and q.qualifier == "reflux" and q.normalized is None


def test_paragraph_scan_finds_all_in_order_with_offsets() -> None:
    text = ("CdO (0.2 mmol), OA (0.8 mmol) and ODE (10 mL) were degassed at 120 °C for 30 min, then heated "
            "to 300 °C under N2 at 10 °C/min.")
    found = find_quantities(text)
    assert [q.kind for q in found] == [K.AMOUNT, K.AMOUNT, K.VOLUME, K.TEMPERATURE, K.TIME, K.TEMPERATURE, K.RATE]
    for q in found:
        assert text[q.char_start:q.char_end] == q.raw


def test_formula_digits_are_not_quantities() -> None:
    assert find_quantities("CsPbBr3 NCs and Zn(OAc)2·2H2O in H2O") == []


def test_list_of_two_volumes_is_not_a_range() -> None:
    found = find_quantities("2 mL and 3 mL")
    assert [q.normalized for q in found] == [2.0, 3.0]


def test_no_quantity_raises_extraction_error() -> None:
    with pytest.raises(ExtractionError, match="no quantity"):
        parse_quantity("the solution turned red")


def test_empty_and_long_text() -> None:
    assert find_quantities("") == []
    found = find_quantities("0.2 mmol CdO, " * 2000)
    assert len(found) == 2000
