"""CLI conventions (issue 16, point 6): every command has working --help; every listing and evaluation command
accepts --json and prints valid JSON; one meaning per option name (old spellings hidden, still accepted with a
warning); ``nanosynth config show`` names each value's source."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from nanosynth.cli import apps
from nanosynth.cli.main import app
from nanosynth.db.migrate import upgrade

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "miner"))
#: Commands that list or evaluate something: each must accept --json.
LISTING_AND_EVAL = {"list", "show", "stats", "status", "query", "cv", "eval", "eval-classifier", "eval-ner",
                    "eval-aunp", "capabilities", "report", "classify", "extract", "run"}


def _commands(command=None, path=()):
    command = command or typer.main.get_command(app)
    if hasattr(command, "commands"):
        yield path, command
        for name, sub in command.commands.items():
            yield from _commands(sub, (*path, name))
    else:
        yield path, command


COMMANDS = list(_commands())


def invoke(*args: str, env: dict | None = None):
    apps._state.clear()
    return CliRunner().invoke(app, list(args), env=env)


@pytest.mark.parametrize("path", [p for p, _ in COMMANDS], ids=lambda p: " ".join(p) or "nanosynth")
def test_every_command_has_help(path):
    result = invoke(*path, "--help")
    assert result.exit_code == 0 and "Usage:" in result.output, result.output


def _options(command) -> dict[str, object]:
    return {name: p for p in command.params if p.param_type_name == "option" for name in (*p.opts, *p.secondary_opts)}


def test_listing_and_evaluation_commands_accept_json():
    leaves = [(path, cmd) for path, cmd in COMMANDS if not hasattr(cmd, "commands")]
    missing = [" ".join(path) for path, cmd in leaves if path[-1] in LISTING_AND_EVAL and "--json" not in
               _options(cmd)]
    assert not missing, f"add --json to: {missing}"
    assert {" ".join(p) for p, _ in leaves} >= {"db stats", "db query", "models list", "models cv", "models eval",
                                                "lab list", "ingest status", "config show"}


def test_each_visible_option_name_means_one_thing():
    """A visible option name has one meaning: -o is always an output location, --limit always a row count,
    --model always a model directory or shipped model name, --format always a dataset format."""
    meanings = {"-o": "--out", "--limit": "db query", "--format": {"db import", "models predict", "models eval"}}
    for path, cmd in COMMANDS:
        if hasattr(cmd, "commands"):
            continue
        visible = {n: p for n, p in _options(cmd).items() if not p.hidden}
        where = " ".join(path)
        if "-o" in visible:
            assert "--out" in visible["-o"].opts, where
        if "--out" in visible and where != "lab campaign":  # there -o is the hidden old --adapter-option
            assert "-o" in visible["--out"].opts, where
        if "--limit" in visible:
            assert where == meanings["--limit"], where
        if "--format" in visible:
            assert where in meanings["--format"], where
        if "--model" in visible and path[0] == "models":
            assert path[-1] in ("predict", "eval"), where  # models cv/train choose an estimator with --kind
        assert "--no-seed" not in visible, where  # --seed is a random seed; the literature prior is --no-prior


@pytest.fixture()
def url(tmp_path, lit_file):
    url = f"sqlite:///{tmp_path / 'conv.db'}"
    upgrade(url)
    assert invoke("--database-url", url, "db", "import", str(lit_file), "--format", "cdse-literature").exit_code == 0
    return url


def _fake_model_results(monkeypatch):
    """Stand-ins for fitting: the JSON rendering is what is tested here, not the models."""
    import pandas as pd

    import numpy as np

    import nanosynth.property_models as pm

    monkeypatch.setattr(pm, "selected_frames", lambda engine, request, data_dir: [1, 2, 3])

    class FakeCV:
        predictions = pd.DataFrame()

        def overall(self):
            return {"mae": np.float64(0.5), "coverage": 0.9, "n": np.int64(4)}

    def fake_cv(frames, request, folds, min_count=None, progress=None):
        for k in range(folds):
            progress(k, {"fold": k, "mae": 0.5 + k, "coverage": 0.9, "n": np.int64(2)})
        return FakeCV()

    class Evaluated:
        predictions = pd.DataFrame({"y": [1.0, 2.0]})
        n_out_of_domain, n_warnings, metrics = 0, 0, {"mae": 0.25, "coverage": 0.95}

    monkeypatch.setattr(pm, "cross_validate_request", fake_cv)
    monkeypatch.setattr(pm, "evaluate_file", lambda model, data, fmt: (Evaluated(), {"name": "m", "version": "1",
                                                                                       "unit": "nm"}, 0))
    monkeypatch.setattr(pm, "verified_manifest", lambda factory, ref: (Path(ref), {"name": "m", "version": "1"}))


def test_json_output_is_valid_json(url, tmp_path, monkeypatch):
    from _classify_data import write_jsonl

    from nanosynth.miner.scoring.entities import EntityScores
    import nanosynth.miner.scoring.ner as ner_scoring

    _fake_model_results(monkeypatch)
    scores = EntityScores()
    scores.add([(0, 4, "SIZ")], [(0, 4, "SIZ")])
    monkeypatch.setattr(ner_scoring, "evaluate_aunp", lambda model, data, split: scores)
    monkeypatch.setattr(ner_scoring, "evaluate_brat", lambda model, brat, split_file: scores)
    data = write_jsonl(tmp_path / "d.jsonl")
    db = ("--database-url", url)
    commands = {
        "db stats": (*db, "db", "stats", "--json"),
        "db query": (*db, "db", "query", "-c", "CdSe", "--json"),
        "ingest status": (*db, "ingest", "status", "--json"),
        "models list": (*db, "models", "list", "--json"),
        "models show": (*db, "models", "show", str(tmp_path), "--json"),
        "models cv": (*db, "models", "cv", "--source", "cdse-literature", "--target", "size_nm", "--folds", "2",
                      "--json"),
        "models eval": (*db, "models", "eval", "--model", str(tmp_path), "--data", "x.csv", "--format",
                        "cdse-hte", "--json"),
        "lab list": (*db, "lab", "list", "--json"),
        "lab capabilities": ("lab", "capabilities", "--json"),
        "miner eval-classifier": ("miner", "eval-classifier", "--data", str(data), "--json"),
        "miner eval-ner": ("miner", "eval-ner", "--brat", str(FIXTURES / "brat"), "--json"),
        "miner eval-aunp": ("miner", "eval-aunp", "--data", "x.jsonl", "--json"),
        "config show": (*db, "config", "show", "--json"),
    }
    for name, args in commands.items():
        result = invoke(*args)
        assert result.exit_code == 0, (name, result.output)
        parsed = json.loads(result.stdout)
        assert parsed or parsed == [], name
    query = json.loads(invoke(*commands["db query"]).stdout)
    assert query and all(row["target_composition"] == "CdSe" for row in query)
    cv = json.loads(invoke(*commands["models cv"]).stdout)
    assert len(cv["splits"]) == 2 and cv["overall"]["mae"] == pytest.approx(0.5)
    plain = invoke(*commands["models eval"][:-1])  # without --json the lines scripts read stay
    assert "mae=0.25" in plain.stdout and plain.stdout.strip().splitlines()[-1] == "mae=0.2500"


def test_old_option_spellings_still_work_with_a_warning(url, tmp_path, monkeypatch):
    _fake_model_results(monkeypatch)
    cv = invoke("--database-url", url, "models", "cv", "--source", "cdse-literature", "--target", "size_nm",
                "--model", "xgb", "--folds", "2")
    assert cv.exit_code == 0 and "--model is deprecated here, use --kind" in cv.output
    out = tmp_path / "e.parquet"
    export = invoke("--database-url", url, "db", "export", "-o", str(out), "-f", "parquet")
    assert export.exit_code == 0 and out.is_file() and "use --file-format" in export.output
    caps = invoke("lab", "capabilities", "-o", "run_time_s=0.1", "--json")
    assert caps.exit_code == 0 and "use --adapter-option" in caps.stderr


def test_config_show_names_each_source(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "nanosynth.toml").write_text('[nanosynth]\nartifacts_dir = "arts"\n')
    env = {"NANOSYNTH_CACHE_DIR": str(tmp_path / "c"), "NANOSYNTH_ELSEVIER_API_KEY": "key-123",
           "NANOSYNTH_DATABASE_URL": None, "NANOSYNTH_CONFIG": None}
    result = invoke("--database-url", "postgresql+psycopg://u:pw-999@h/db", "config", "show", "--json", env=env)
    assert result.exit_code == 0, result.output
    rows = {r["name"]: r for r in json.loads(result.stdout)}
    assert rows["database_url"]["source"] == "option --database-url" and "pw-999" not in result.output
    assert rows["artifacts_dir"] == {"name": "artifacts_dir", "value": "arts", "source": "file nanosynth.toml"}
    assert rows["cache_dir"]["source"] == "environment NANOSYNTH_CACHE_DIR"
    assert rows["elsevier_api_key"]["value"] == "***" and "key-123" not in result.output
    assert rows["data_dir"]["source"] == "default"
    table = invoke("config", "show", env=env)
    assert table.exit_code == 0 and "file nanosynth.toml" in " ".join(table.output.split())
    (tmp_path / "nanosynth.toml").write_text('[nanosynth]\nartifact_dir = "arts"\n')
    bad = invoke("config", "show", env=env)
    assert bad.exit_code == 1 and "did you mean 'artifacts_dir'" in bad.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["nanosynth.toml"]  # no database, no cache created


def test_eval_aunp_reads_the_shipped_models_corpus_from_the_data_dir_by_default(tmp_path, monkeypatch):
    import nanosynth.miner.scoring.ner as ner_scoring
    from nanosynth.miner.scoring.entities import EntityScores

    seen = []
    monkeypatch.setattr(ner_scoring, "evaluate_aunp", lambda model, data, split: seen.append(data) or EntityScores())
    result = invoke("miner", "eval-aunp", "--model", "default", env={"NANOSYNTH_DATA_DIR": str(tmp_path)})
    assert result.exit_code == 0 and result.output.strip().splitlines()[-1] == "micro_f1=0.0000", result.output
    assert seen == [tmp_path / "aunp_ner" / "aunp_6lab.jsonl"]


def test_models_list_refuses_an_unknown_target(url):
    result = invoke("--database-url", url, "models", "list", "--target", "sise_nm")
    assert result.exit_code == 1 and "unknown target 'sise_nm'" in result.output and "size_nm" in result.output
