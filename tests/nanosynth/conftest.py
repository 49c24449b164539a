from tests.db.conftest import gu_file, hte_files, lit_file  # noqa: F401  (shared dataset fixtures)
