"""Linking heuristics: amount → material, condition → operation, material → operation; MSPTC gold scoring."""

from __future__ import annotations

from nanosynth.miner.extract.linking import Mention, link_amounts, link_conditions, link_participants, sentence_spans
from nanosynth.miner.extract.linking_eval import evaluate_linking, read_brat, split_names


def _m(text: str, phrase: str, label: str, nth: int = 0) -> Mention:
    start = -1
    for _ in range(nth + 1):
        start = text.index(phrase, start + 1)
    return Mention(start, start + len(phrase), label, phrase)


def test_parenthesis_after_material_and_amount_before_material() -> None:
    text = "CdO (0.2 mmol, 25.7 mg) and 10 mL of ODE were mixed with Se powder (2 mmol) in TOP (2 mL)."
    mats = [_m(text, n, "Material") for n in ("CdO", "ODE", "Se powder", "TOP")]
    amounts = [_m(text, a, "Amount-Unit") for a in ("0.2 mmol", "25.7 mg", "10 mL", "2 mL")]
    amounts.append(_m(text, "2 mmol", "Amount-Unit", nth=1))  # the first "2 mmol" is inside "0.2 mmol"
    got = {lk.source.text: lk.target.text for lk in link_amounts(text, amounts, mats)}
    assert got == {"0.2 mmol": "CdO", "25.7 mg": "CdO", "10 mL": "ODE", "2 mmol": "Se powder", "2 mL": "TOP"}


def test_nested_parenthesis_owner() -> None:
    text = "Cr2O3 (Alfa Aesar (99%)) and the Cs-oleate solution (0.4 mL, 0.125 M in ODE) were used."
    mats = [_m(text, n, "Material") for n in ("Cr2O3", "Cs-oleate", "ODE")]
    amounts = [_m(text, a, "Amount-Unit") for a in ("%", "0.4 mL", "0.125 M")]
    got = {lk.source.text: lk.target.text for lk in link_amounts(text, amounts, mats)}
    assert got == {"%": "Cr2O3", "0.4 mL": "Cs-oleate", "0.125 M": "Cs-oleate"}


def test_amounts_never_cross_sentences() -> None:
    text = "The flask was cleaned. 5 mL was then used."
    links = link_amounts(text, [_m(text, "5 mL", "Amount-Unit")], [_m(text, "flask", "Material")])
    assert links == []


def test_conditions_to_operations() -> None:
    text = ("The mixture was degassed at 120 °C for 30 min. At 280 °C, TOP-Se was swiftly injected, and the "
            "temperature was set to 260 °C for growth. After 5 min of growth, it was cooled.")
    ops = [_m(text, o, "Operation") for o in ("degassed", "injected", "growth", "cooled")]
    ops.append(_m(text, "growth", "Operation", nth=1))
    conds = [_m(text, c, "Condition-Unit") for c in ("120 °C", "30 min", "280 °C", "260 °C", "5 min")]
    got = {lk.source.text: (lk.target.text, lk.target.start) for lk in link_conditions(text, conds, ops)}
    assert got["120 °C"][0] == "degassed" and got["30 min"][0] == "degassed"
    assert got["280 °C"][0] == "injected"
    assert got["260 °C"][0] == "growth"
    assert got["5 min"] == ("growth", text.index("growth", text.index("5 min")))


def test_participants_passive_subject() -> None:
    text = "CdO and OA were heated to 300 °C. The product was dissolved in hexane."
    mats = [_m(text, n, "Material") for n in ("CdO", "OA", "hexane")]
    ops = [_m(text, o, "Operation") for o in ("heated", "dissolved")]
    got = {lk.source.text: lk.target.text for lk in link_participants(text, mats, ops)}
    assert got == {"CdO": "heated", "OA": "heated", "hexane": "dissolved"}


def test_sentence_spans_keep_abbreviations_and_decimals() -> None:
    text = "As shown in Fig. 2, the size is ca. 3.5 nm. Then it was cooled."
    spans = sentence_spans(text)
    assert [text[s:e] for s, e in spans] == ["As shown in Fig. 2, the size is ca. 3.5 nm.", "Then it was cooled."]


def test_read_brat_gold_links(tmp_path) -> None:
    text = "CdO (0.2 mmol) was heated at 300 degC."
    (tmp_path / "d.txt").write_text(text, encoding="utf-8")
    (tmp_path / "d.ann").write_text(
        "T1\tMaterial 0 3\tCdO\nT2\tNumber 5 8\t0.2\nT3\tAmount-Unit 9 13\tmmol\nT4\tOperation 19 25\theated\n"
        "T5\tNumber 29 32\t300\nT6\tCondition-Unit 33 37\tdegC\nE1\tOperation:T4 Recipe_Precursor:T1\n"
        "R1\tAmount_Of Arg1:T3 Arg2:T1\nR2\tCondition_Of Arg1:T6 Arg2:E1\n", encoding="utf-8")
    doc = read_brat(tmp_path / "d.txt")
    assert doc.gold["amount-material"] == {((9, 13), (0, 3))}
    assert doc.gold["condition-operation"] == {((33, 37), (19, 25))}
    assert doc.gold["material-operation"] == {((0, 3), (19, 25))}
    scores = evaluate_linking(tmp_path)
    assert scores["all"].precision == 1.0 and scores["all"].recall == 1.0


def test_msptc_dev_linking_floor(shared_data) -> None:
    msptc = shared_data / "msptc"
    scores = evaluate_linking(msptc / "brat", split_names(msptc / "ner-dev-fnames.txt"))
    assert scores["amount-material"].f1 >= 0.65
    assert scores["condition-operation"].f1 >= 0.80
    assert scores["all"].precision >= 0.65 and scores["all"].recall >= 0.80
