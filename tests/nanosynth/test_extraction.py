"""``nanosynth.extraction``: per-document recipes in the ``extract --json`` shape, evidence offsets, errors."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from nanosynth.extraction import (
    CONDITIONS,
    OUTCOMES,
    ROLES,
    chemical_amounts,
    extract_paths,
    iter_extract,
    sentence_at,
)
from nanosynth.miner.pipeline import Pipeline, PipelineConfig
from nanosynth.schema.records import ChemicalUseCreate

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "extract"
CDSE = FIXTURES / "cdse_hot_injection.txt"
MARKDOWN = FIXTURES / "pbs_abstract.md"
BROKEN = FIXTURES / "broken.pdf"
RULES = PipelineConfig(classifier_model="heuristic", ner_model=None)  # no model: fast


@pytest.fixture(scope="module")
def cdse():
    (doc,) = extract_paths([CDSE], config=RULES)
    return doc


def _value_at(text: str, evidence: dict) -> str:
    assert 0 <= evidence["start"] < evidence["end"] <= len(text)
    value = text[evidence["start"]:evidence["end"]]
    assert value in evidence["text"]  # the sentence holds the value
    return value


def test_json_shape(cdse):
    out = cdse.to_json()
    assert set(out) == {"source", "synthesis", "reason", "recipes"}
    assert out["synthesis"] is True and out["reason"] is None and out["source"] == str(CDSE)
    recipe = out["recipes"][0]
    assert set(recipe) == {"target", "morphology", "method", "chemicals", "conditions", "outcomes", "steps",
                           "partial", "evidence"}
    assert set(recipe["conditions"]) == set(CONDITIONS) and set(recipe["outcomes"]) == set(OUTCOMES)
    assert recipe["target"] == "CdSe" and recipe["method"] == "hot_injection" and recipe["partial"] is False
    for chem in recipe["chemicals"]:
        assert set(chem) == {"name", "name_raw", "formula", "role", "amounts"} and chem["role"] in ROLES
        for amount in chem["amounts"]:
            assert set(amount) == {"value", "unit", "raw"} and isinstance(amount["value"], float)
    assert all(set(step) == {"action", "temperature_c", "time_s"} for step in recipe["steps"])


def test_conditions_and_outcomes(cdse):
    recipe = cdse.recipes[0]
    assert recipe["conditions"]["injection_temperature_c"] == 270.0
    assert recipe["conditions"]["growth_temperature_c"] == 250.0
    assert recipe["conditions"]["growth_time_s"] == 180.0
    outcomes = recipe["outcomes"]
    assert outcomes["size_nm"] == pytest.approx(3.1) and outcomes["abs_peak_nm"] == 540.0
    assert outcomes["plqy_pct"] == 62.0 and outcomes["shape"] == "sphere"


def test_evidence_offsets_point_at_the_values(cdse):
    recipe = cdse.recipes[0]
    ev = recipe["evidence"]
    assert _value_at(cdse.text, ev["target"]) == "CdSe"
    assert re.fullmatch(r"270\s*°C", _value_at(cdse.text, ev["conditions.injection_temperature_c"]))
    assert re.fullmatch(r"250\s*°C", _value_at(cdse.text, ev["conditions.growth_temperature_c"]))
    assert _value_at(cdse.text, ev["conditions.growth_time_s"]) == "3 min"
    assert "540 nm" in _value_at(cdse.text, ev["outcomes.abs_peak_nm"])
    assert "62%" in _value_at(cdse.text, ev["outcomes.plqy_pct"])
    for i, chem in enumerate(recipe["chemicals"]):
        assert chem["name_raw"].lower() in _value_at(cdse.text, ev[f"chemicals[{i}]"]).lower()
        for j, amount in enumerate(chem["amounts"]):
            assert amount["raw"] in _value_at(cdse.text, ev[f"chemicals[{i}].amounts[{j}]"])
    # the document text is the file's paragraphs: every evidence sentence is in the file
    original = CDSE.read_text(encoding="utf-8")
    assert all(item["text"] in original for item in ev.values())


def test_broken_file_is_an_error_and_the_others_continue():
    docs = extract_paths([BROKEN, FIXTURES / "missing.txt", CDSE], config=RULES)
    assert [d.ok for d in docs] == [False, False, True]
    assert docs[0].error.startswith("ReaderError") and "missing.txt" in docs[1].error
    assert docs[0].to_json()["error"] == docs[0].error and docs[0].to_json()["recipes"] == []
    assert docs[2].synthesis


def test_markdown_is_read():
    (doc,) = extract_paths([MARKDOWN], config=RULES)
    assert doc.ok and "PbS" in doc.text
    assert doc.synthesis == bool(doc.recipes) and (doc.reason is None) == doc.synthesis
    for recipe in doc.recipes:
        for item in recipe["evidence"].values():
            _value_at(doc.text, item)


def test_models_loaded_once_for_several_files(monkeypatch):
    loads = []
    original = Pipeline.initialize

    def counting(self):
        if not self.initialized:
            loads.append(1)
        return original(self)

    monkeypatch.setattr(Pipeline, "initialize", counting)
    docs = list(iter_extract([CDSE, MARKDOWN, CDSE], config=RULES))
    assert len(docs) == 3 and loads == [1]


def test_loading_errors_raise_before_any_file(tmp_path):
    from nanosynth.schema.errors import NanosynthError

    with pytest.raises(NanosynthError):
        iter_extract([CDSE], config=PipelineConfig(classifier_model=str(tmp_path / "no-model"), ner_model=None))


def test_amounts_split_from_raw_text():
    chem = ChemicalUseCreate(name_raw="CdO", amount_raw="0.2 mmol; 25.7 mg", amount_value=0.2, amount_unit="mmol")
    assert chemical_amounts(chem) == [{"value": 0.2, "unit": "mmol", "raw": "0.2 mmol"},
                                      {"value": 25.7, "unit": "mg", "raw": "25.7 mg"}]
    assert chemical_amounts(ChemicalUseCreate(name_raw="ODE")) == []


def test_sentence_at_keeps_abbreviations():
    text = "Spheres formed (Fig. 2). They measure ca. 4 nm across. Done."
    pos = text.index("4 nm")
    assert sentence_at(text, pos, pos + 4) == "They measure ca. 4 nm across."
    assert sentence_at(text, 0, 3) == "Spheres formed (Fig. 2)."


def test_ingestion_records_no_synthesis_reason(tmp_path):
    """A processed document without recipes and with a relevance-gate reason is done, with the reason recorded."""
    from _ingest_fakes import FakePipeline

    from nanosynth.db.engine import create_all, make_engine
    from nanosynth.ingest import job_status, run_ingest

    class GatedPipeline(FakePipeline):
        def process(self, data: bytes, source: str):
            result = super().process(data, source)
            result.no_synthesis_reason = "organic chemistry: no nanomaterial named"
            return result

    corpus = tmp_path / "papers"
    corpus.mkdir()
    (corpus / "organic.txt").write_text("Coupling of aryl halides\n\nThe ester was stirred in THF.\n")
    engine = make_engine(f"sqlite:///{tmp_path / 'ingest.db'}")
    create_all(engine)
    try:
        run_ingest(engine, [corpus], pipeline=GatedPipeline, job="j")
        status = job_status(engine, "j")
    finally:
        engine.dispose()
    assert status.counts["done"] == 1 and not status.failures
    assert status.no_synthesis == [(str(corpus / "organic.txt"),
                                    "no nanomaterial synthesis: organic chemistry: no nanomaterial named")]
    assert status.to_dict()["no_synthesis"][0]["reason"].startswith("no nanomaterial synthesis")


def test_ingest_status_lists_documents_without_synthesis(capsys):
    from nanosynth.cli.ingest_cmds import _print_no_synthesis

    _print_no_synthesis([("papers/organic[1].txt", "no nanomaterial synthesis: organic [/] chemistry")], limit=5)
    out = capsys.readouterr().out
    assert "no nanomaterial synthesis" in out and "organic[1].txt" in out and "[/]" in out
