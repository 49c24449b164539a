"""Writes notebooks/01_query_database.ipynb (kept as a script so the notebook's source is reviewable)."""

from pathlib import Path

import nbformat as nbf

cells = [
    nbf.v4.new_markdown_cell(
        "# Query the nanosynth database\n\n"
        "All recipes — curated datasets, mined papers, lab runs — live in one schema. This notebook opens the "
        "database of `make demo` (or `$NANOSYNTH_DATABASE_URL`), pulls every CdSe recipe with a size or "
        "absorption outcome from any source into one DataFrame, and plots size against growth temperature per "
        "composition."),
    nbf.v4.new_code_cell(
        "%matplotlib inline\n"
        "import os\n"
        "import matplotlib.pyplot as plt\n"
        "from nanosynth.db.engine import open_database, session_scope\n"
        "from nanosynth.db.queries import RecipeFilter, recipes_wide, recipes_long\n"
        "from nanosynth.db.stats import stats\n\n"
        "url = os.environ.get('NANOSYNTH_DATABASE_URL', 'sqlite:///../nanosynth.db')\n"
        "engine = open_database(url)  # an existing database (make demo); creates nothing\n"
        "with session_scope(engine) as session:\n"
        "    counts = stats(session)\n"
        "{k: counts[k] for k in ('papers', 'recipes', 'chemical_uses', 'outcomes')}"),
    nbf.v4.new_markdown_cell("## All CdSe recipes with a size or absorption outcome, from any source"),
    nbf.v4.new_code_cell(
        "with session_scope(engine) as session:\n"
        "    cdse = recipes_wide(session, RecipeFilter(composition='CdSe'))\n"
        "cols = [c for c in ('size_nm', 'abs_peak_nm') if c in cdse]\n"
        "cdse = cdse[cdse[cols].notna().any(axis=1)]\n"
        "print(len(cdse), 'recipes'); cdse.groupby('dataset').size()"),
    nbf.v4.new_code_cell(
        "cdse[['dataset', 'growth_temperature_c', 'growth_time_s', 'cation_precursors', 'ligands'] + cols].head()"),
    nbf.v4.new_markdown_cell("## Size against growth temperature, per composition"),
    nbf.v4.new_code_cell(
        "with session_scope(engine) as session:\n"
        "    sized = recipes_wide(session, RecipeFilter(has_property=('size_nm',)))\n"
        "top = sized['target_composition'].value_counts().head(6).index\n"
        "fig, ax = plt.subplots(figsize=(7, 4.5))\n"
        "for comp in top:\n"
        "    sub = sized[sized['target_composition'] == comp]\n"
        "    ax.scatter(sub['growth_temperature_c'], sub['size_nm'], s=10, alpha=0.6, label=f'{comp} ({len(sub)})')\n"
        "ax.set_xlabel('growth temperature (°C)'); ax.set_ylabel('size (nm)'); ax.set_yscale('log')\n"
        "ax.legend(title='composition (recipes)', fontsize=8); fig.tight_layout()\n"
        "plt.show()\n"
        "sized.groupby('target_composition')['size_nm'].describe().loc[top]"),
    nbf.v4.new_markdown_cell("## One row per value (long form), e.g. for a single recipe"),
    nbf.v4.new_code_cell(
        "with session_scope(engine) as session:\n"
        "    first = int(cdse['recipe_id'].iloc[0])\n"
        "    long = recipes_long(session, RecipeFilter(recipe_ids=[first]))\n"
        "long[['kind', 'name', 'value', 'unit', 'text']]"),
    nbf.v4.new_code_cell("engine.dispose()"),
]
nb = nbf.v4.new_notebook(cells=cells, metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                                "language": "python"}})
nbf.write(nb, Path(__file__).with_name("01_query_database.ipynb"))
