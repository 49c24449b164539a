"""``nanosynth.open`` / ``nanosynth.extract``: the database as DataFrames, papers as extract records."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from explorer_data import DOI, MINED_TEMPERATURE
from typer.testing import CliRunner

import nanosynth
from nanosynth.cli.main import app
from nanosynth.schema.errors import DatabaseError, NanosynthError

CDSE = Path(__file__).resolve().parents[1] / "fixtures" / "extract" / "cdse_hot_injection.txt"


def test_import_is_light():
    code = "import sys, nanosynth; assert 'sqlalchemy' not in sys.modules and 'pandas' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_open_resolves_the_url_as_the_cli_and_queries(explorer_db, monkeypatch, tmp_path):
    url, ids = explorer_db
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NANOSYNTH_DATABASE_URL", url)
    with nanosynth.open() as db:
        cdse = db.recipes(composition="CdSe", size_nm=(3, 5), source="literature")
        assert set(cdse["recipe_id"]) == {ids["mined"], ids["curated"]}
        assert {"growth_temperature_c", "growth_time_s", "size_nm", "source"} <= set(cdse.columns)
        assert ids["simulated"] not in set(db.recipes(composition="CdSe")["recipe_id"])
        assert ids["simulated"] in set(db.recipes(composition="CdSe", include=("simulated",))["recipe_id"])
        prov = db.provenance(ids["mined"])
        with pytest.raises(NanosynthError, match="unknown range"):
            db.recipes(size=(3, 5))
    temp = prov[prov["field"].str.endswith("temperature_c")].iloc[0]
    assert temp["sentence"][temp["span_start"]:temp["span_end"]] == MINED_TEMPERATURE and temp["doi"] == DOI
    assert {"field", "value", "unit", "doi", "section", "sentence", "span_start", "span_end", "extractor",
            "confidence"} <= set(prov.columns)


def test_open_creates_no_stray_database(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NANOSYNTH_DATABASE_URL", raising=False)
    monkeypatch.delenv("NANOSYNTH_CONFIG", raising=False)
    with pytest.raises(DatabaseError, match="does not exist.*nanosynth db upgrade"):
        nanosynth.open()
    (tmp_path / "nanosynth.toml").write_text(f'database_url = "sqlite:///{tmp_path / "configured.db"}"\n')
    with pytest.raises(DatabaseError, match="configured.db does not exist"):
        nanosynth.open()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["nanosynth.toml"]


def test_extract_gives_the_records_of_the_cli(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    rules = {"classifier_model": "heuristic", "ner_model": None}
    record = nanosynth.extract(CDSE, **rules)
    cli = CliRunner().invoke(app, ["extract", str(CDSE), "--json", "--classifier-model", "heuristic",
                                   "--ner-model", "none"])
    assert cli.exit_code == 0, cli.output
    assert record == json.loads(cli.stdout.splitlines()[0])
    assert record["recipes"][0]["target"] == "CdSe"
    assert nanosynth.extract([CDSE, CDSE], **rules) == [record, record]
