"""Linking heuristics scored against the MSPTC gold links."""

from __future__ import annotations

from nanosynth.miner.scoring.linking import evaluate_linking, read_brat, split_names


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
