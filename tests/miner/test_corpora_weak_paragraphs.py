"""Weak paragraph-sized examples from sentence-level corpora (PcMSP, SOFC-Exp), on fixtures written here."""

from pathlib import Path

import pytest

from nanosynth.miner.corpora.weak_paragraphs import read_pcmsp, read_sofc_exp
from nanosynth.schema.errors import ImportFormatError

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"

SYNTHESIS = [
    "Zinc acetate dihydrate (2.0 mmol) was dissolved in 40 mL of ethanol under stirring at room temperature.",
    "A solution of sodium hydroxide in ethanol was then added dropwise until the pH reached nine.",
    "The mixture was transferred to a Teflon-lined autoclave and heated at 180 °C for 12 h.",
    "The white precipitate was collected by centrifugation and washed three times with water.",
]
METHODS = [
    "Powder X-ray diffraction patterns were recorded on a diffractometer with Cu K-alpha radiation at 40 kV.",
    "Transmission electron micrographs were taken at an accelerating voltage of 200 kV on carbon grids.",
]


def _tsv(sentences: list[tuple[str, bool]]) -> str:
    lines = ["#FORMAT=WebAnno TSV 3.3", ""]
    offset = 0
    for n, (text, annotated) in enumerate(sentences, 1):
        lines.append(f"#Text={text}")
        for k, word in enumerate(text.split(), 1):
            label = "Operation" if annotated and k == 1 else "_"
            lines.append(f"{n}-{k}\t{offset}-{offset + len(word)}\t{word}\t{label}\t_\t_\t")
            offset += len(word) + 1
        lines.append("")
    return "\n".join(lines)


@pytest.fixture()
def pcmsp(tmp_path):
    folder = tmp_path / "pcmsp" / "original" / "train"
    folder.mkdir(parents=True)
    paper = [(s, True) for s in SYNTHESIS] + [(s, False) for s in METHODS]
    (folder / "paper-a.tsv").write_text(_tsv(paper), encoding="utf-8")
    (folder / "paper-b-copy.tsv").write_text(_tsv(paper), encoding="utf-8")  # upstream duplicates: read once
    return tmp_path / "pcmsp"


def test_pcmsp_runs_of_annotated_sentences_become_synthesis_paragraphs(pcmsp):
    rows = read_pcmsp(pcmsp, weight=0.2)
    assert len(rows) == 1
    row = rows[0]
    assert row.label == "synthesis" and row.weight == 0.2 and row.source == "pcmsp"
    assert row.doc == "pcmsp:paper-a"
    assert row.text.startswith("Zinc acetate") and "centrifugation" in row.text and "diffract" not in row.text


def test_pcmsp_unannotated_runs_on_request(pcmsp):
    rows = read_pcmsp(pcmsp, characterization=True)
    assert [r.label for r in rows] == ["synthesis", "characterization"]
    assert rows[1].text.startswith("Powder X-ray") and rows[1].text.count(". ") == 1


def test_pcmsp_missing_split_says_what_to_pass(tmp_path):
    with pytest.raises(ImportFormatError, match="pcmsp folder"):
        read_pcmsp(tmp_path)


def _sofc(tmp_path: Path, n_sentences: int = 12) -> Path:
    root = tmp_path / "sofc_exp"
    (root / "texts").mkdir(parents=True)
    (root / "annotations" / "sentences").mkdir(parents=True)
    sentences = [f"The area-specific resistance of cell {i} decreased with temperature as discussed in the text "
                 f"and compared with earlier reports on similar perovskite cathodes." for i in range(n_sentences)]
    text, table, offset = "", [], 0
    for i, sentence in enumerate(sentences, 1):
        text += sentence + " "
        table.append(f"{i}\t{1 if i in (6, 7) else 0}\t{offset}\t{offset + len(sentence)}")
        offset += len(sentence) + 1
    (root / "texts" / "PMC1.txt").write_text(text, encoding="utf-8")
    (root / "annotations" / "sentences" / "PMC1.csv").write_text("\n".join(table) + "\n", encoding="utf-8")
    return root


def test_sofc_non_experiment_runs_become_other_examples(tmp_path):
    rows = read_sofc_exp(_sofc(tmp_path), weight=0.1)
    assert [r.label for r in rows] == ["other", "other"]  # sentences 1-5 and 8-12; 6-7 are experiment sentences
    assert all(r.weight == 0.1 and r.doc == "sofc:PMC1" for r in rows)
    assert rows[0].text.startswith("The area-specific resistance of cell 0 ") and "cell 5 " not in rows[0].text


def test_sofc_per_doc_cap(tmp_path):
    assert len(read_sofc_exp(_sofc(tmp_path), per_doc=1)) == 1


def test_sofc_missing_annotations(tmp_path):
    with pytest.raises(ImportFormatError, match="sofc_exp folder"):
        read_sofc_exp(tmp_path)


@pytest.mark.skipif(not (SHARED / "pcmsp").is_dir() or not (SHARED / "sofc_exp").is_dir(),
                    reason="../shared/data/pcmsp or sofc_exp is absent")
def test_shared_corpora_yield_hundreds_of_examples():
    assert len(read_pcmsp(SHARED / "pcmsp")) > 200
    assert len(read_sofc_exp(SHARED / "sofc_exp")) > 300
