"""The ``nanosynth models`` commands end to end on a small SQLite database (CdSe literature subset)."""

import json

import pytest
from typer.testing import CliRunner

from nanosynth.cli.main import app


@pytest.fixture()
def small_literature(tmp_path, shared_data):
    src = shared_data / "cdse_literature" / "cdse_hot_injection_literature.csv"
    lines = src.read_text(encoding="utf-8").splitlines()
    path = tmp_path / "cdse_lit_small.csv"
    path.write_text("\n".join(lines[:121]) + "\n", encoding="utf-8")
    return path


@pytest.mark.shared_data
def test_models_cli_train_eval_predict_list_show(tmp_path, small_literature, monkeypatch):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    runner = CliRunner()
    base = ["--database-url", url]
    r = runner.invoke(app, base + ["db", "upgrade"])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, base + ["db", "import", str(small_literature), "--format", "cdse-literature"])
    assert r.exit_code == 0, r.output
    fast = ["--param", "n_members=3", "--param", "n_estimators=30"]
    r = runner.invoke(app, base + ["models", "cv", "--source", "cdse-literature", "--target", "size_nm",
                                   "--model", "xgb", "--folds", "3", "--seed", "0", *fast])
    assert r.exit_code == 0, r.output
    last = r.output.strip().splitlines()[-1]
    assert last.startswith("mae=") and float(last[4:]) > 0
    assert "fold 0:" in r.output and "mean:" in r.output
    out = tmp_path / "model"
    r = runner.invoke(app, base + ["models", "train", "--source", "cdse-literature", "--target", "size_nm",
                                   "--model", "xgb", "--out", str(out), *fast])
    assert r.exit_code == 0, r.output
    assert (out / "manifest.json").is_file()
    r = runner.invoke(app, base + ["models", "eval", "--model", str(out), "--data", str(small_literature),
                                   "--format", "cdse-literature"])
    assert r.exit_code == 0, r.output
    assert r.output.strip().splitlines()[-1].startswith("mae=")
    r = runner.invoke(app, base + ["models", "predict", "--model", str(out), "--data", str(small_literature),
                                   "--format", "cdse-literature"])
    assert r.exit_code == 0, r.output
    assert any(line.startswith("recipe_id,") and ",mean," in line for line in r.output.splitlines())
    r = runner.invoke(app, base + ["models", "list"])
    assert r.exit_code == 0 and "registered models" in r.output and "size_nm" in r.output
    r = runner.invoke(app, base + ["models", "show", "cdse-literature-size_nm-xgb"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["integrity"].startswith("ok")
    # a tampered artifact is refused with a clean error (exit 1, no traceback)
    (out / "model.json").write_text("{}")
    r = runner.invoke(app, base + ["models", "eval", "--model", str(out), "--data", str(small_literature),
                                   "--format", "cdse-literature"])
    assert r.exit_code == 1 and "manifest" in r.output
