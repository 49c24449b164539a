"""Exact-span NER scoring: entity counts, evaluation on BRAT fixtures, the eval-ner CLI and its last line."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from nanosynth.miner.extract.ner import load_ner
from nanosynth.miner.scoring.entities import EntityScores
from nanosynth.miner.scoring.ner import evaluate_brat


@pytest.fixture(scope="module")
def nlp():
    return load_ner("default")


def _cli():
    from nanosynth.cli.main import app

    return app


def test_scores_exact_span() -> None:
    scores = EntityScores()
    scores.add([(0, 3, "Material"), (5, 8, "Number")], [(0, 3, "Material"), (5, 9, "Number"), (10, 12, "Operation")])
    assert scores.per_type["Material"].f1 == 1.0
    assert scores.per_type["Number"].tp == 0 and scores.per_type["Number"].fn == 1
    assert scores.per_type["Operation"].fp == 1
    assert scores.micro.tp == 1 and scores.micro.fp == 2 and scores.micro.fn == 1
    assert scores.micro_f1 == pytest.approx(2 * (1 / 3) * (1 / 2) / (1 / 3 + 1 / 2))


def test_evaluate_fixture(nlp, fixtures_dir) -> None:
    scores = evaluate_brat("default", fixtures_dir / "brat", nlp=nlp)
    assert scores.n_docs == 2
    assert scores.micro.support == 50
    assert scores.per_type["Material"].f1 > 0.6


def test_eval_cli_prints_micro_f1_last(fixtures_dir) -> None:
    result = CliRunner().invoke(_cli(), ["miner", "eval-ner", "--model", "default",
                                         "--brat", str(fixtures_dir / "brat")])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert lines[-1].startswith("micro_f1=")
    assert 0.0 < float(lines[-1].split("=", 1)[1]) <= 1.0
    assert "Material" in result.output

    result = CliRunner().invoke(_cli(), ["miner", "eval-ner", "--model", "default",
                                         "--brat", str(fixtures_dir / "brat"),
                                         "--split-file", str(fixtures_dir / "brat" / "split.txt")])
    assert result.exit_code == 0, result.output
    assert "1 documents" in result.output
    assert result.output.strip().splitlines()[-1].startswith("micro_f1=")


def test_eval_cli_missing_model_fails_cleanly(fixtures_dir, tmp_path) -> None:
    result = CliRunner().invoke(_cli(), ["miner", "eval-ner", "--model", str(tmp_path / "none"),
                                         "--brat", str(fixtures_dir / "brat")])
    assert result.exit_code == 1
    assert "train-ner" in result.output
