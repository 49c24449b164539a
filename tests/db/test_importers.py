"""Curated importers: mapping, idempotency, rejections, malformed files (on SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from nanosynth.db.engine import make_engine, session_scope
from nanosynth.db.importers import import_file, parse_file
from nanosynth.db.migrate import upgrade
from nanosynth.schema.errors import ImportFormatError
from nanosynth.schema.tables import ChemicalUse, DatasetImport, Outcome, Paper, Recipe, Step
from tests.db.conftest import LIT_HEADER, LIT_ROWS, gu_row, write_gu


def _count(session, table) -> int:
    return session.execute(select(func.count()).select_from(table)).scalar_one()


def _counts(engine) -> dict:
    with session_scope(engine) as s:
        return {t.__name__: _count(s, t) for t in (Paper, Recipe, ChemicalUse, Step, Outcome)}


@pytest.fixture()
def migrated(any_db_url):
    upgrade(any_db_url)
    engine = make_engine(any_db_url)
    yield engine
    engine.dispose()


def test_gu2024_rows_map_onto_schema(gu_file):
    result = parse_file("gu2024", gu_file)
    assert result.rows == 3 and len(result.records) == 3 and not result.rejections
    pbse, cdse, au = result.records
    roles = {c.name_raw: c.role for c in pbse.chemicals}
    assert roles == {"PbO": "cation_precursor", "Se": "anion_precursor", "ODE": "solvent", "OLA": "ligand",
                     "TOP": "ligand", "OA": "ligand"}
    assert {c.name for c in pbse.chemicals} >= {"lead(II) oxide", "1-octadecene", "oleylamine"}
    assert pbse.paper_key == "doi:10.1021/test.0001" and pbse.provenance.row_number == 1
    assert pbse.provenance.dataset == "gu2024"
    grow = pbse.steps[-1]
    assert grow.action == "grow" and grow.temperature_k == pytest.approx(413.15) and grow.time_s == 300
    assert cdse.target_composition == "CdSe" and cdse.target_phase == "variant 1"
    assert cdse.method == "heat_up"
    assert {o.property: (o.value or o.value_text) for o in cdse.outcomes}["shape"] == "sphere"
    au_roles = {c.name_raw: c.role for c in au.chemicals}
    assert au_roles["NaBH4"] == "reducing_agent" and au_roles["AgNO3"] == "additive"
    assert au.paper_key is None and "self-synthesis" in au.notes
    # '?' sizes are left out with a warning naming the row, never silently
    assert {o.property for o in au.outcomes} == {"shape"}
    assert any(w.row == 3 and "left out" in w.reason for w in result.warnings)


def test_negative_amount_rejected_with_row_and_reason(tmp_path):
    path = write_gu(tmp_path / "neg.xlsx", [gu_row(), gu_row(reactants=(("PbO", -1.0), ("Se", 5.0)))])
    result = parse_file("gu2024", path)
    assert len(result.records) == 1
    assert result.rejections[0].row == 2 and "negative" in result.rejections[0].reason


def test_unphysical_temperature_and_unknown_shape_rejected(tmp_path):
    path = write_gu(tmp_path / "bad.xlsx", [gu_row(t_rxn=5000.0), gu_row(shape="blob")])
    result = parse_file("gu2024", path)
    assert not result.records
    reasons = {r.row: r.reason for r in result.rejections}
    assert "physical range" in reasons[1] and "unknown shape 'blob'" in reasons[2]


def test_cdse_literature_mapping(lit_file):
    result = parse_file("cdse-literature", lit_file)
    first, second = result.records
    roles = {c.name: c.role for c in first.chemicals}
    assert roles["cadmium stearate"] == "cation_precursor" and roles["selenium"] == "anion_precursor"
    assert roles["1-octadecene"] == "solvent" and roles["octadecylamine"] == "ligand"
    cd = next(c for c in first.chemicals if c.role == "cation_precursor")
    assert cd.amount_g == pytest.approx(0.13) and cd.amount_mmol == pytest.approx(0.2)
    odes = [c for c in first.chemicals if c.name == "1-octadecene"]
    assert odes[0].amount_mmol == pytest.approx(10 / 252.48 * 1000, rel=1e-3)  # from grams via molar mass
    outcomes = {o.property: o for o in first.outcomes}
    assert outcomes["size_nm"].method == "TEM" and outcomes["abs_peak_nm"].value == 566
    assert {o.property: o.method for o in second.outcomes}["size_nm"] == "UV-vis sizing curve"
    assert first.paper.year == 2012 and first.paper.journal == "J. Phys. Chem. C"


def test_cdse_hte_uv_and_pl_merge_into_one_recipe_per_aliquot(engine, hte_files):
    uv, pl = hte_files
    with session_scope(engine) as s:
        first = import_file(s, "cdse-hte", uv)
    with session_scope(engine) as s:
        second = import_file(s, "cdse-hte", pl)
    assert first.write.added == 3
    assert second.write.added == 1 and second.write.skipped == 1 and second.write.merged_outcomes == 3
    with session_scope(engine) as s:
        recipe = s.execute(select(Recipe).where(Recipe.source_key == "cdse-hte:expt17:t21")).scalars().one()
        props = {(o.property, o.spectrum) for o in s.execute(
            select(Outcome).where(Outcome.recipe_id == recipe.id)).scalars()}
        assert ("abs_peak_nm", "absorption") in props and ("pl_peak_nm", "pl") in props
        assert ("fwhm_mev", "pl") in props and ("fwhm_mev", "absorption") in props
        assert recipe.series_key == "cdse-hte:expt17"
        conc = {c.role: c.concentration_mm for c in s.execute(
            select(ChemicalUse).where(ChemicalUse.recipe_id == recipe.id)).scalars()}
        assert conc["cation_precursor"] == 5 and conc["anion_precursor"] == 5


def test_reimport_adds_nothing(migrated, gu_file, lit_file, hte_files):
    for fmt, path in (("gu2024", gu_file), ("cdse-literature", lit_file), ("cdse-hte", hte_files[0])):
        with session_scope(migrated) as s:
            import_file(s, fmt, path)
    before = _counts(migrated)
    for fmt, path in (("gu2024", gu_file), ("cdse-literature", lit_file), ("cdse-hte", hte_files[0])):
        with session_scope(migrated) as s:
            report = import_file(s, fmt, path)
        assert report.write.added == 0 and report.write.merged_outcomes == 0
    assert _counts(migrated) == before
    assert before["Recipe"] == 3 + 2 + 3
    with session_scope(migrated) as s:
        assert _count(s, DatasetImport) == 6


@pytest.mark.parametrize("fmt,name,content,message", [
    ("cdse-literature", "lit.csv", "a,b,c\n1,2,3\n", "missing column"),
    ("cdse-hte", "cdse_uv.csv", "x,y\n1,2\n", "missing column"),
    ("cdse-literature", "lit.txt", "whatever", "does not look like"),
    ("gu2024", "gu.xlsx", "this is not a workbook", "cannot be read as an Excel workbook"),
    ("cdse-hte", "cdse_uv.csv", "", "is empty"),
])
def test_malformed_files_fail_clearly(tmp_path, fmt, name, content, message):
    path = tmp_path / name
    path.write_text(content)
    with pytest.raises(ImportFormatError, match=message):
        parse_file(fmt, path)


def test_truncated_file_writes_nothing(engine, tmp_path):
    path = tmp_path / "lit.csv"
    path.write_text("\n".join([LIT_HEADER, *LIT_ROWS]) + "\n" + LIT_ROWS[0][:40])
    with pytest.raises(ImportFormatError, match="truncated"):
        with session_scope(engine) as s:
            import_file(s, "cdse-literature", path)
    with session_scope(engine) as s:
        assert _count(s, Recipe) == 0 and _count(s, Paper) == 0


def test_wrong_type_column_refused(tmp_path):
    rows = [r.replace("300,300,", "hot,hot,", 1) for r in LIT_ROWS]
    rows = [rows[0], rows[0].replace("hot,hot", "warm,warm")]
    path = tmp_path / "lit.csv"
    path.write_text("\n".join([LIT_HEADER, *rows]) + "\n")
    with pytest.raises(ImportFormatError, match="should hold numbers"):
        parse_file("cdse-literature", path)


def test_wrong_format_for_file(lit_file):
    with pytest.raises(ImportFormatError, match="not a cdse-hte file"):
        parse_file("cdse-hte", lit_file.rename(lit_file.with_name("cdse_uv_lit.csv")))


def test_unknown_format():
    with pytest.raises(ImportFormatError, match="unknown format"):
        parse_file("nope", "x.csv")


@pytest.mark.slow
def test_shared_datasets_import_in_full(shared_data, tmp_path):
    """The real datasets: ≥ 3,400 Gu recipes, all 233+ CdSe literature rows, the microreactor aliquots."""
    gu = parse_file("gu2024", shared_data / "nanocrystal_recipes" / "raw_recipe_dataset.xlsx")
    assert len(gu.records) >= 3400 and len(gu.rejections) + len(gu.records) == gu.rows
    lit = parse_file("cdse-literature", shared_data / "cdse_literature" / "cdse_hot_injection_literature.csv")
    assert len(lit.records) >= 233
    uv = parse_file("cdse-hte", shared_data / "cdse_hte" / "cdse_uv_train_val.csv")
    assert len(uv.records) == uv.rows > 4000
