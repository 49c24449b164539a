"""Writes notebooks/02_ingest_papers.ipynb (kept as a script so the notebook's source is reviewable)."""

from pathlib import Path

import nbformat as nbf

cells = [
    nbf.v4.new_markdown_cell(
        "# Ingest papers as a job and inspect its failures\n\n"
        "An ingestion job records every document (content hash, source, status, error, timings, pipeline "
        "version) in the `ingestion_record` table. This notebook ingests the sample papers (`samples/papers`: "
        "five syntheses as text, HTML and PDF) plus two deliberately broken files into a fresh database, looks "
        "at the failures table, and shows that a rerun skips what is done. The same job runs from the shell as "
        "`nanosynth ingest samples/papers --job samples` (add `--workers 2` for a local Dask cluster) and "
        "`nanosynth ingest status --job samples --json`."),
    nbf.v4.new_code_cell(
        "import shutil, tempfile\n"
        "from pathlib import Path\n"
        "import pandas as pd\n"
        "from nanosynth.db.engine import make_engine, session_scope\n"
        "from nanosynth.db.migrate import upgrade\n"
        "from nanosynth.miner.samples import sample_paper_paths\n"
        "from nanosynth.ingest import job_status, run_ingest\n"
        "from nanosynth.ingest.protocol import default_pipeline, rules_pipeline\n"
        "from nanosynth.schema.errors import NanosynthError\n\n"
        "scratch = tempfile.TemporaryDirectory(prefix='nanosynth-nb02-')  # removed in the last cell\n"
        "work = Path(scratch.name)\n"
        "papers = work / 'papers'\n"
        "papers.mkdir()\n"
        "for path in sample_paper_paths():\n"
        "    shutil.copy(path, papers / path.name)\n"
        "# two broken documents: a PDF cut in the middle of a download, and an empty text file\n"
        "pdf = (papers / 'cdse_hot_injection.pdf').read_bytes()\n"
        "(papers / 'truncated_download.pdf').write_bytes(pdf[: len(pdf) // 3])\n"
        "(papers / 'empty.txt').write_bytes(b'')\n"
        "url = f'sqlite:///{work / \"ingest.db\"}'\n"
        "upgrade(url)\n"
        "engine = make_engine(url)\n"
        "sorted(p.name for p in papers.iterdir())"),
    nbf.v4.new_markdown_cell(
        "The shipped pipeline needs the trained paragraph classifier and NER model; when they are not installed "
        "the rule-based pipeline (`--pipeline rules`) is used instead."),
    nbf.v4.new_code_cell(
        "try:\n"
        "    pipeline = default_pipeline().initialize()\n"
        "    factory = lambda: pipeline   # reuse the loaded models (one process)\n"
        "except NanosynthError as exc:\n"
        "    print(f'shipped models unavailable ({type(exc).__name__}); using the rule-based pipeline')\n"
        "    factory = rules_pipeline\n"
        "summary = run_ingest(engine, [papers], pipeline=factory, job='samples')\n"
        "pd.Series({k: getattr(summary, k) for k in ('inputs', 'done', 'failed', 'skipped', 'recipes', "
        "'recipes_existing')} | {'docs/s': round(summary.docs_per_s, 2)})"),
    nbf.v4.new_markdown_cell(
        "## The failures table\n\n"
        "Every failed document keeps its reason; `reason` groups similar errors (paths and numbers masked)."),
    nbf.v4.new_code_cell(
        "status = job_status(engine, 'samples')\n"
        "failures = pd.DataFrame([{'file': Path(f.source).name, 'reason': f.reason, 'error': f.error}\n"
        "                         for f in status.failures])\n"
        "failures"),
    nbf.v4.new_code_cell(
        "pd.Series(status.reasons, name='documents').rename_axis('reason').to_frame()"),
    nbf.v4.new_markdown_cell("## The ingestion table itself"),
    nbf.v4.new_code_cell(
        "with session_scope(engine) as session:\n"
        "    records = pd.read_sql(\n"
        "        'SELECT source, status, recipes, duration_s, pipeline_version, error FROM ingestion_record '\n"
        "        'ORDER BY status, source', session.connection())\n"
        "records['source'] = records['source'].map(lambda s: Path(s).name)\n"
        "records"),
    nbf.v4.new_markdown_cell(
        "## What was extracted\n\n"
        "The text, HTML and PDF versions of a paper carry the same DOI, so they become one paper and their "
        "recipes are written once."),
    nbf.v4.new_code_cell(
        "from nanosynth.db.queries import recipes_wide\n"
        "with session_scope(engine) as session:\n"
        "    wide = recipes_wide(session)\n"
        "wide[[c for c in ('doi', 'target_composition', 'method') if c in wide.columns]]"),
    nbf.v4.new_markdown_cell(
        "## Rerun: nothing is processed twice\n\n"
        "Done documents are skipped (same content hash and pipeline version); failed ones are left alone unless "
        "`retry_failed=True` (`--retry-failed`)."),
    nbf.v4.new_code_cell(
        "again = run_ingest(engine, [papers], pipeline=factory, job='samples')\n"
        "print('processed again:', again.processed)\n"
        "print('skipped:', again.skipped_reasons)\n"
        "print('failed earlier, not retried:', again.not_retried)\n"
        "job_status(engine, 'samples').to_dict() | {'failures': '...'}"),
    nbf.v4.new_code_cell(
        "engine.dispose()\n"
        "scratch.cleanup()"),
]

nb = nbf.v4.new_notebook(cells=cells, metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                                "language": "python"}})
nbf.write(nb, Path(__file__).resolve().parent / "02_ingest_papers.ipynb")
