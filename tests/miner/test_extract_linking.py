"""Linking heuristics: amount → material, condition → operation, material → operation; MSPTC gold scoring."""

from __future__ import annotations

from nanosynth.miner.extract.linking import Mention, link_amounts, link_conditions, link_participants, sentence_spans


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


def test_condition_that_contains_its_operation_word_links_to_it() -> None:
    """"under reflux" is both the condition and the operation: no crash, the condition links to it."""
    from nanosynth.miner.extract.linking import Mention, link_conditions

    text = "The mixture was kept under reflux overnight."
    start = text.find("under reflux")
    op = Mention(start + 6, start + 12, "Operation", "reflux")
    links = link_conditions(text, [Mention(start, start + 12, "Condition-Misc", "under reflux")], [op])
    assert [(link.target, link.rule) for link in links] == [(op, "operation-at-condition")]
