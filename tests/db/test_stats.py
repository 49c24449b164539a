from nanosynth.db.engine import session_scope
from nanosynth.db.importers import import_file
from nanosynth.db.stats import stats


def test_stats_counts(engine, lit_file, hte_files):
    with session_scope(engine) as s:
        import_file(s, "cdse-literature", lit_file)
        import_file(s, "cdse-hte", hte_files[0])
    with session_scope(engine) as s:
        result = stats(s)
    assert result["recipes"] == 5 and result["papers"] == 2 and result["experiments"] == 0
    assert result["recipes_by_dataset"] == {"cdse-hte": 3, "cdse-literature": 2}
    assert result["recipes_by_composition"] == {"CdSe": 5}
    assert result["outcomes_by_property"]["abs_peak_nm"] == 5
