"""``nanosynth extract FILE... [--json]``: one JSON line per document, readable summary, no database."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from nanosynth.cli.main import app

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "extract"
CDSE = FIXTURES / "cdse_hot_injection.txt"
MARKDOWN = FIXTURES / "pbs_abstract.md"
BROKEN = FIXTURES / "broken.pdf"
RULES = ["--classifier-model", "heuristic", "--ner-model", "none"]


def _invoke(tmp_path, monkeypatch, *args: str):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NANOSYNTH_DATABASE_URL", f"sqlite:///{tmp_path / 'would-be.db'}")
    result = CliRunner().invoke(app, ["extract", *args])
    assert list(tmp_path.iterdir()) == []  # no database (nor anything else) was created
    return result


def test_json_one_line_per_document(tmp_path, monkeypatch):
    result = _invoke(tmp_path, monkeypatch, str(CDSE), str(BROKEN), str(MARKDOWN), "--json", *RULES)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == 3
    objects = [json.loads(line) for line in lines]
    assert [o["source"] for o in objects] == [str(CDSE), str(BROKEN), str(MARKDOWN)]
    assert objects[0]["synthesis"] and objects[0]["recipes"][0]["target"] == "CdSe"
    assert "error" in objects[1] and "error" not in objects[0]
    assert objects[0]["recipes"][0]["conditions"]["injection_temperature_c"] == 270.0


def test_exit_status_only_when_every_file_fails(tmp_path, monkeypatch):
    result = _invoke(tmp_path, monkeypatch, str(BROKEN), str(FIXTURES / "missing.pdf"), "--json", *RULES)
    assert result.exit_code == 1
    assert [json.loads(line)["error"] for line in result.stdout.splitlines()]


def test_human_summary(tmp_path, monkeypatch):
    result = _invoke(tmp_path, monkeypatch, str(CDSE), *RULES)
    assert result.exit_code == 0, result.output
    out = result.stdout
    for expected in ("CdSe", "hot_injection", "cation_precursor", "injection temperature", "270 °C",
                     "growth time", "3 min", "PLQY", "62%", "@"):
        assert expected in out, expected
    assert "nan" not in out.lower().replace("nanocrystal", "")


@pytest.mark.slow
def test_default_models_cdse_paragraph(tmp_path, monkeypatch):
    """The shipped models, loaded once for several files; the textbook CdSe paragraph is read right."""
    from nanosynth.miner import classify
    from nanosynth.miner.extract import ner

    loads = {"classifier": 0, "ner": 0}
    load_classifier, load_ner = classify.load_classifier, ner.load_ner

    def count(kind, func):
        def wrapper(*args, **kwargs):
            loads[kind] += 1
            return func(*args, **kwargs)
        return wrapper

    monkeypatch.setattr(classify, "load_classifier", count("classifier", load_classifier))
    monkeypatch.setattr(ner, "load_ner", count("ner", load_ner))
    result = _invoke(tmp_path, monkeypatch, str(CDSE), str(MARKDOWN), str(CDSE), "--json")
    assert result.exit_code == 0, result.output
    assert loads == {"classifier": 1, "ner": 1}
    first = json.loads(result.stdout.splitlines()[0])
    recipe = first["recipes"][0]
    assert recipe["target"] == "CdSe"
    assert recipe["conditions"]["injection_temperature_c"] == 270.0
    top = [c for c in recipe["chemicals"] if c["name"] == "trioctylphosphine"]
    assert top and top[0]["amounts"][0]["raw"] == "1.5 mL"
