"""``nanosynth miner train-classifier`` / ``eval-classifier`` / ``classify``."""

import json

import pytest
from typer.testing import CliRunner

from _classify_data import write_jsonl
from nanosynth.cli.main import app

runner = CliRunner()


def _invoke(*args):
    return runner.invoke(app, ["miner", *args], catch_exceptions=False)


def test_train_then_eval_prints_synthesis_f1_last(tmp_path):
    data = write_jsonl(tmp_path / "train.jsonl")
    result = _invoke("train-classifier", "--data", str(data), "--backend", "tfidf", "--out", str(tmp_path / "m"),
                     "--folds", "3", "--C", "3", "--eval-data", str(data))
    assert result.exit_code == 0, result.output
    assert (tmp_path / "m" / "manifest.json").is_file()
    assert json.loads((tmp_path / "m" / "manifest.json").read_text())["metrics"]["dev"]["n"] == 18
    result = _invoke("eval-classifier", "--model", str(tmp_path / "m"), "--data", str(data))
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert lines[-1].startswith("synthesis_f1=")
    assert 0.0 <= float(lines[-1].split("=", 1)[1]) <= 1.0
    for word in ("synthesis", "characterization", "other", "precision", "recall", "F1"):
        assert word in result.output


def test_eval_default_model(tmp_path):
    result = _invoke("eval-classifier", "--model", "default", "--data", str(write_jsonl(tmp_path / "d.jsonl")))
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines()[-1].startswith("synthesis_f1=")


def test_malformed_data_is_a_clean_error(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "CdO was heated.", "label": "synthesis"}\n{"text": "x", "label": 3}\n')
    result = runner.invoke(app, ["miner", "eval-classifier", "--data", str(bad)])
    assert result.exit_code == 1
    assert "line 2" in result.output and "Traceback" not in result.output


def test_missing_model_is_a_clean_error(tmp_path):
    result = runner.invoke(app, ["miner", "eval-classifier", "--model", str(tmp_path / "none"),
                                 "--data", str(write_jsonl(tmp_path / "d.jsonl"))])
    assert result.exit_code == 1
    assert "train-classifier" in result.output


def test_unknown_backend_is_refused(tmp_path):
    result = runner.invoke(app, ["miner", "train-classifier", "--data", str(write_jsonl(tmp_path / "d.jsonl")),
                                 "--backend", "bert", "--out", str(tmp_path / "m")])
    assert result.exit_code == 1 and "unknown backend" in result.output


def test_classify_a_text_paper(tmp_path):
    paper = tmp_path / "paper.md"
    paper.write_text(
        "# CdSe quantum dots\n\n## Experimental\n\n"
        "CdO (0.2 mmol), oleic acid (0.8 mmol) and 1-octadecene (10 mL) were degassed at 100 °C for 30 min and "
        "heated to 280 °C under Ar. TOP-Se (1 M, 1 mL) was swiftly injected and the mixture was kept at 260 °C "
        "for 3 min, then cooled and purified by precipitation with ethanol.\n\n"
        "Absorption spectra were recorded on a Cary 5000 UV-vis spectrophotometer and TEM images were taken on "
        "a JEOL 2100 microscope operating at 200 kV.\n\n## Results\n\n"
        "The first excitonic peak shifts to the red as the particles grow, as shown in Fig. 2, indicating "
        "quantum confinement.\n", encoding="utf-8")
    result = _invoke("classify", str(paper), "--json")
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.output.strip().splitlines()]
    assert [r["label"] for r in rows] == ["synthesis", "characterization", "other"]
    assert all(0 <= r["score"] <= 1 and r["kind"] == "body" for r in rows)
    table = _invoke("classify", str(paper))
    assert table.exit_code == 0 and "synthesis" in table.output and "1 synthesis" in table.output


@pytest.mark.parametrize("name, content", [("empty.pdf", b""), ("broken.pdf", b"%PDF-1.7\n1 0 obj <<")])
def test_classify_unreadable_file_is_a_clean_error(tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content)
    result = runner.invoke(app, ["miner", "classify", str(path)])
    assert result.exit_code == 1
    assert "error" in result.output.lower() and "Traceback" not in result.output


def test_classify_missing_file(tmp_path):
    result = runner.invoke(app, ["miner", "classify", str(tmp_path / "absent.pdf")])
    assert result.exit_code == 1 and "cannot read" in result.output
