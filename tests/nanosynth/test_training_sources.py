"""The unified database trains the models (issue 14, point 6): mined literature, lab results and curated
datasets as one selection, narrowed by composition, method and extraction confidence, one source per paper."""

from __future__ import annotations

import json
import math

import pytest
from typer.testing import CliRunner

from nanosynth.cli.main import app
from nanosynth.db.engine import make_engine
from nanosynth.db.migrate import upgrade
from nanosynth.db.queries import frames_from_records
from nanosynth.ingest import run_ingest
from nanosynth.models.sources import DATABASE_SPEC, SOURCES, one_per_paper, parse_selection
from nanosynth.property_models import ModelRequest, predict_file, source_frames, train_and_register
from nanosynth.schema.errors import ModelError
from nanosynth.schema.records import PaperCreate, RecipeCreate

PAPER = ("Size-tunable CdSe nanocrystals grown at {T} degrees\n\ndoi:10.9999/nanosynth.test.{k}\n\n"
         "Synthesis of CdSe nanocrystals. CdO (0.2 mmol), oleic acid (2 mL) and 1-octadecene (10 mL) were heated "
         "to 300 °C under argon. A solution of Se (0.2 mmol) in trioctylphosphine (1 mL) was swiftly injected and "
         "the nanocrystals were grown at {T} °C for {t} min. The resulting CdSe nanocrystals had a diameter of "
         "{size} nm.\n")
RUNS = [(220, 2), (240, 5), (260, 10), (280, 3), (300, 8), (250, 4), (270, 6), (230, 12)]


def _size(temperature: float, minutes: float) -> float:
    return round(1.5 + 0.015 * (temperature - 220) + 0.8 * math.log10(minutes * 60), 2)


@pytest.fixture(scope="module")
def mined_db(tmp_path_factory):
    """Eight short papers written here, ingested by the real pipeline into a SQLite database."""
    root = tmp_path_factory.mktemp("mined")
    papers = root / "papers"
    papers.mkdir()
    for k, (t, minutes) in enumerate(RUNS):
        (papers / f"paper{k}.txt").write_text(PAPER.format(T=t, t=minutes, size=_size(t, minutes), k=k))
    url = f"sqlite:///{root / 'mined.db'}"
    upgrade(url)
    engine = make_engine(url)
    summary = run_ingest(engine, [papers], job="mined")
    assert (summary.done, summary.failed) == (len(RUNS), 0)
    yield engine, url
    engine.dispose()


def test_selection_parts_and_defaults():
    sel = parse_selection("cdse-literature+mined+lab", composition="CdSe", min_confidence=0.5)
    assert sel.datasets == ("cdse-literature",) and sel.sources == ("mined", "lab")
    assert sel.composition == ("CdSe",) and sel.spec() is SOURCES["cdse-literature"]
    assert parse_selection("mined").spec() is DATABASE_SPEC and DATABASE_SPEC.group_by == "doi"
    with pytest.raises(ModelError, match="'minde'.*gu2024.*mined.*lab.*simulated"):
        parse_selection("gu2024+minde")
    with pytest.raises(ModelError, match="between 0 and 1"):
        parse_selection("mined", min_confidence=1.5)


def test_a_paper_reported_by_several_sources_counts_once():
    def rec(key, kind, doi):
        return RecipeCreate(source_key=key, source_kind=kind, target_composition="CdSe",
                            paper=PaperCreate(key=doi or key, title="t", doi=doi))

    frames = frames_from_records([rec("curated-1", "curated_dataset", "10.1000/a"), rec("mined-1", "literature", "10.1000/A"),
                                  rec("lab-1", "campaign", "10.1000/b"), rec("mined-2", "literature", "10.1000/b"),
                                  rec("mined-3", "literature", "10.1000/c"), rec("mined-4", "literature", None)])
    kept = set(one_per_paper(frames).recipes["source_key"])
    assert kept == {"curated-1", "lab-1", "mined-3", "mined-4"}


def test_models_train_and_predict_from_mined_recipes(mined_db, tmp_path):
    engine, _ = mined_db
    frames = source_frames(engine, "mined", tmp_path, composition="CdSe")
    assert len(frames.recipes) == len(RUNS) and set(frames.recipes["source_kind"]) == {"literature"}
    assert sorted(frames.outcomes["value"]) == sorted(_size(t, m) for t, m in RUNS)
    request = ModelRequest("mined", "size_nm", "xgb", params=("n_members=2", "n_estimators=80"),
                           composition=("CdSe",))
    assert request.grouping() == "doi"
    trained = train_and_register(engine, request, tmp_path / "mined-size", tmp_path)
    assert trained.n_train == len(RUNS) and trained.registry_id is not None
    assert trained.manifest["source"] == "mined"
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps([{"id": "hot", "composition": "CdSe",
                                 "chemicals": [{"name": "CdO", "role": "cation_precursor", "amount": "0.2 mmol"},
                                               {"name": "oleic acid", "role": "ligand", "amount": "2 mL"},
                                               {"name": "1-octadecene", "role": "solvent", "amount": "10 mL"},
                                               {"name": "Se", "role": "anion_precursor", "amount": "0.2 mmol"},
                                               {"name": "trioctylphosphine", "role": "ligand", "amount": "1 mL"}],
                                 "conditions": {"injection_temperature_c": 300, "temperature_c": 290,
                                                "time_min": 8}}]))
    pred = predict_file(tmp_path / "mined-size", plan, None).predictions
    low, high = min(_size(t, m) for t, m in RUNS), max(_size(t, m) for t, m in RUNS)
    assert low <= pred["mean"].iloc[0] <= high and pred["lower"].iloc[0] < pred["upper"].iloc[0]


def test_selection_filters_refuse_an_empty_selection(mined_db, tmp_path):
    engine, _ = mined_db
    with pytest.raises(ModelError, match="no recipe.*composition PbS"):
        source_frames(engine, "mined", tmp_path, composition="PbS")
    with pytest.raises(ModelError, match="no recipe.*confidence"):
        source_frames(engine, "mined", tmp_path, min_confidence=1.0)
    assert len(source_frames(engine, "mined", tmp_path, min_confidence=0.1).recipes) == len(RUNS)
    with pytest.raises(ModelError, match="no recipe"):
        source_frames(engine, "lab", tmp_path)
    with pytest.raises(ModelError, match="no gu2024 recipes.*db import"):
        source_frames(engine, "gu2024+mined", tmp_path)


def test_curated_and_mined_train_together(mined_db, lit_file, tmp_path):
    from nanosynth.db.engine import session_scope
    from nanosynth.db.importers import import_file

    engine, _ = mined_db
    with session_scope(engine) as session:
        import_file(session, "cdse-literature", lit_file)
    curated = source_frames(engine, "cdse-literature", tmp_path)
    both = source_frames(engine, "cdse-literature+mined", tmp_path)
    assert len(both.recipes) == len(curated.recipes) + len(RUNS)
    assert set(both.recipes["source_kind"]) == {"curated_dataset", "literature"}


def test_cli_trains_on_a_mixed_selection_with_filters(mined_db, tmp_path):
    _, url = mined_db
    out = tmp_path / "cli-size"
    result = CliRunner().invoke(app, ["--database-url", url, "models", "train", "--source", "mined", "--target",
                                      "size_nm", "--kind", "xgb", "--param", "n_members=2", "--composition",
                                      "CdSe", "--min-confidence", "0.1", "--out", str(out), "--no-register"])
    assert result.exit_code == 0, result.output
    assert "saved mined-size_nm-xgb" in result.output and (out / "manifest.json").is_file()
    bad = CliRunner().invoke(app, ["--database-url", url, "models", "cv", "--source", "mined+labs", "--target",
                                   "size_nm"])
    assert bad.exit_code != 0 and "'labs'" in bad.output and "\n" not in bad.output.strip()
