"""Chemistry-aware tokenizer: formulas and names stay whole, numbers split from units, serialization round trip."""

from __future__ import annotations

import pytest

from nanosynth.miner.extract.tokenizer import TOKENIZER_NAME, make_nlp, tokenize

CASES = [
    # formulas and chemical names stay whole
    ("Cd(OA)2", ["Cd(OA)2"]),
    ("TOP-Se", ["TOP-Se"]),
    ("1-octadecene", ["1-octadecene"]),
    ("CsPbBr3", ["CsPbBr3"]),
    ("Zn(OAc)2·2H2O", ["Zn(OAc)2·2H2O"]),
    ("(TMS)2S", ["(TMS)2S"]),
    ("HAuCl4·3H2O", ["HAuCl4·3H2O"]),
    ("Mn(CH3COO)2*4H2O", ["Mn(CH3COO)2*4H2O"]),
    ("(NH4)2SO4,", ["(NH4)2SO4", ","]),
    ("Li3V2(PO4)3", ["Li3V2(PO4)3"]),
    ("Ag2S", ["Ag2S"]),
    ("N,N-dimethylformamide", ["N,N-dimethylformamide"]),
    ("2,2'-bipyridine", ["2,2'-bipyridine"]),
    ("Cd(OA)2, TOP-Se and ODE", ["Cd(OA)2", ",", "TOP-Se", "and", "ODE"]),
    ("[Cd(OA)2]", ["[", "Cd(OA)2", "]"]),
    # numbers split from units
    ("300°C", ["300", "°C"]),
    ("300 °C", ["300", "°C"]),
    ("5mL", ["5", "mL"]),
    ("0.5 mmol", ["0.5", "mmol"]),
    ("0.429mmol", ["0.429", "mmol"]),
    ("10^-3 M", ["10^-3", "M"]),
    ("1e-3 M", ["1e-3", "M"]),
    ("~5 nm", ["~", "5", "nm"]),
    ("240–300 °C", ["240", "–", "300", "°C"]),
    ("240–300°C", ["240", "–", "300", "°C"]),
    ("5-10 min", ["5", "-", "10", "min"]),
    ("5-10min", ["5", "-", "10", "min"]),
    ("5 ± 0.3 nm", ["5", "±", "0.3", "nm"]),
    ("5±0.3 nm", ["5", "±", "0.3", "nm"]),
    ("−20 °C", ["−20", "°C"]),
    ("300degC.", ["300", "degC", "."]),
    ("10 wt% and 1wt.%", ["10", "wt%", "and", "1", "wt.%"]),
    ("70-80%", ["70", "-", "80", "%"]),
    ("0.1M", ["0.1", "M"]),
    ("2h.", ["2", "h", "."]),
    ("(10 mL)", ["(", "10", "mL", ")"]),
    # ratios stay one token, label:value splits
    ("1:40", ["1:40"]),
    ("OA/Cd = 40", ["OA", "/", "Cd", "=", "40"]),
    ("pH:1.0", ["pH", ":", "1.0"]),
    ("ethanol/water", ["ethanol", "/", "water"]),
    # sentence ends, abbreviations, citations
    ("in H2O.", ["in", "H2O", "."]),
    ("(see Fig. 3).", ["(", "see", "Fig.", "3", ")", "."]),
    ("Ga.", ["Ga", "."]),
    ("(Aldrich),", ["(", "Aldrich", ")", ","]),
    ("HNO3[24]", ["HNO3", "[24]"]),
    ("Fe-doped", ["Fe", "-", "doped"]),
    ("the 1st step", ["the", "1st", "step"]),
    ("3D", ["3D"]),
]


@pytest.mark.parametrize(("text", "expected"), CASES, ids=[c[0] for c in CASES])
def test_tokenizer_cases(text: str, expected: list[str]) -> None:
    assert tokenize(text) == expected


def test_tokens_cover_text_exactly() -> None:
    text = "CdO (0.2 mmol) and OA were heated to 300°C, then TOP-Se (1 mL) was injected.\nNext line."
    doc = make_nlp().make_doc(text)
    assert "".join(t.text_with_ws for t in doc) == text


def test_config_names_registered_tokenizer() -> None:
    nlp = make_nlp()
    assert nlp.config["nlp"]["tokenizer"]["@tokenizers"] == TOKENIZER_NAME


def test_to_disk_spacy_load_round_trip(tmp_path) -> None:
    import spacy

    nlp = make_nlp()
    nlp.to_disk(tmp_path / "pipe")
    loaded = spacy.load(tmp_path / "pipe")
    text = "Zn(OAc)2·2H2O (5mL) at 240–300°C in 1-octadecene"
    assert [t.text for t in loaded.make_doc(text)] == [t.text for t in nlp.make_doc(text)]
    assert [t.text for t in loaded.make_doc("300°C")] == ["300", "°C"]
