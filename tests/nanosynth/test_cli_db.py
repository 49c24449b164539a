"""The db command group end to end on a SQLite file: upgrade, import, stats --json, query, export."""

from __future__ import annotations

import json

import pandas as pd
from typer.testing import CliRunner

from nanosynth.cli.main import app

runner = CliRunner()


def _run(args, url):
    return runner.invoke(app, ["--database-url", url, *args], catch_exceptions=False)


def test_db_commands(tmp_path, lit_file, hte_files):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    assert "at revision" in _run(["db", "upgrade"], url).output
    result = _run(["db", "import", str(lit_file), "--format", "cdse-literature"], url)
    assert result.exit_code == 0 and "2" in result.output
    result = _run(["db", "import", str(hte_files[0]), "--format", "cdse-hte"], url)
    assert result.exit_code == 0
    again = _run(["db", "import", str(lit_file), "--format", "cdse-literature"], url)
    assert again.exit_code == 0
    stats = json.loads(_run(["db", "stats", "--json"], url).output)
    assert stats["recipes"] == 5 and stats["papers"] == 2 and stats["outcomes"] > 0
    assert {"papers", "recipes", "chemical_uses", "outcomes", "experiments"} <= set(stats)
    out = tmp_path / "cdse.csv"
    result = _run(["db", "query", "-c", "CdSe", "--has", "abs_peak_nm", "--range", "abs_peak_nm=400:480",
                   "-o", str(out)], url)
    assert result.exit_code == 0
    frame = pd.read_csv(out)
    assert len(frame) == 4 and frame["abs_peak_nm"].between(400, 480).all()
    printed = _run(["db", "query", "--ligand", "oleic acid", "--rows", "5"], url)
    assert "recipes" in printed.output and "CdSe" in printed.output
    result = _run(["db", "export", "-o", str(tmp_path / "exp"), "--layout", "tables", "-f", "parquet"], url)
    assert result.exit_code == 0 and (tmp_path / "exp" / "outcomes.parquet").is_file()




def test_errors_are_clean(tmp_path, lit_file):
    url = f"sqlite:///{tmp_path / 'x.db'}"
    result = runner.invoke(app, ["--database-url", url, "db", "stats"])
    assert result.exit_code == 1 and "nanosynth db upgrade" in result.output
    _run(["db", "upgrade"], url)
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n")
    result = runner.invoke(app, ["--database-url", url, "db", "import", str(bad), "--format", "cdse-literature"])
    assert result.exit_code == 1 and "missing column" in result.output
    result = runner.invoke(app, ["--database-url", url, "db", "import", str(lit_file), "--format", "xyz"])
    assert result.exit_code == 1 and "unknown --format" in result.output
    result = runner.invoke(app, ["--database-url", url, "db", "query", "--range", "size_nm"])
    assert result.exit_code == 1 and "PROPERTY=LOW:HIGH" in result.output


def test_db_show_and_query_with_provenance(explorer_db, tmp_path):
    from explorer_data import DOI, MINED_TEMPERATURE

    url, ids = explorer_db
    shown = _run(["db", "show", str(ids["mined"])], url)
    assert shown.exit_code == 0 and f"https://doi.org/{DOI}" in shown.output
    assert "260 °C" in shown.output and "Experimental, chars" in " ".join(shown.output.split())
    card = json.loads(_run(["db", "show", str(ids["mined"]), "--json"], url).output)
    temp = next(v for v in card["values"] if v["field"] == "step 0 grow: temperature_c")
    assert temp["sentence"][temp["span_start"]:temp["span_end"]] == MINED_TEMPERATURE
    missing = runner.invoke(app, ["--database-url", url, "db", "show", "999999"])
    assert missing.exit_code == 1 and "does not exist" in missing.output
    out = tmp_path / "prov.csv"
    result = _run(["db", "query", "-c", "CdSe", "--with-provenance", "-o", str(out)], url)
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(out)
    assert {"doi", "section", "sentence", "extractor", "confidence"} <= set(frame.columns)
    assert set(frame["recipe_id"]) == {ids["mined"], ids["curated"]}  # simulated left out by default
    with_sim = pd.read_csv(_export(url, tmp_path, "--include", "simulated", "--with-provenance"))
    assert ids["simulated"] in set(with_sim["recipe_id"]) and "sentence" in with_sim.columns
    only_sim = pd.read_csv(_export(url, tmp_path, "--source", "simulated"))
    assert list(only_sim["recipe_id"]) == [ids["simulated"]] and list(only_sim["source"]) == ["simulated"]
    bad = runner.invoke(app, ["--database-url", url, "db", "query", "--source", "mind"])
    assert bad.exit_code == 1 and "unknown source" in bad.output


def _export(url, tmp_path, *args):
    out = tmp_path / f"export{len(list(tmp_path.iterdir()))}.csv"
    result = _run(["db", "export", "-o", str(out), *args], url)
    assert result.exit_code == 0, result.output
    return out


def test_db_agreement(explorer_db):
    url, _ = explorer_db
    report = json.loads(_run(["db", "agreement", "--json"], url).output)
    assert report["papers"] == 1 and report["fields"]["size_nm"]["agree"] == 1
    printed = _run(["db", "agreement"], url)
    assert printed.exit_code == 0 and "1 papers both curated and mined" in printed.output
    assert "growth_temperature_c" in printed.output and "100%" in printed.output


def test_query_refuses_filters_that_can_only_match_by_accident(tmp_path, lit_file):
    url = f"sqlite:///{tmp_path / 'q.db'}"
    _run(["db", "upgrade"], url)
    _run(["db", "import", str(lit_file), "--format", "cdse-literature"], url)
    refused = {
        ("--range", "size_nm=5:2"): "reversed (5 > 2)",
        ("--range", "sise_nm=2:5"): "did you mean 'size_nm'",
        ("--range", "size_nm=nan:5"): "finite",
        ("--range", "size_nm=2-5"): "PROPERTY=LOW:HIGH",
        ("--range", "shape=1:2"): "no numeric value",
        ("--has", "abs_peak"): "did you mean 'abs_peak_nm'",
        ("--limit", "-5"): "positive",
        ("--limit", "0"): "positive",
        ("--method", "hot-injection"): "did you mean 'hot_injection'",
        ("--source-kind", "literatur"): "did you mean 'literature'",
        ("--chemical", "oleic", "--role", "ligant"): "did you mean 'ligand'",
        ("-c", "CdSee"): "did you mean 'CdSe'",
        ("--dataset", "cdse-literatur"): "did you mean 'cdse-literature'",
        ("--layout", "wdie"): "did you mean 'wide'",
    }
    for args, message in refused.items():
        result = runner.invoke(app, ["--database-url", url, "db", "query", *args])
        flat = " ".join(result.output.split())
        assert result.exit_code == 1 and message in flat, (args, result.output)
        assert len(result.output.strip().splitlines()) == 1, result.output
    twice = runner.invoke(app, ["--database-url", url, "db", "query", "--range", "size_nm=1:3", "--range",
                                "size_nm=2:4"])
    assert twice.exit_code == 1 and "twice" in twice.output
    ok = _run(["db", "query", "-c", "CdSe", "--range", "size_nm=:100", "--limit", "1"], url)
    assert ok.exit_code == 0 and "1 recipes" in ok.output
    export = runner.invoke(app, ["--database-url", url, "db", "export", "-o", str(tmp_path / "e.csv"), "-c", "CdS3"])
    assert export.exit_code == 1 and "unknown composition" in export.output
