"""``nanosynth demo``: the main job end to end on the configured database (SQLite by default)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from nanosynth.cli.apps import app, console, fail, settings
from nanosynth.schema.errors import NanosynthError


@app.command("demo")
def demo(out_dir: Path = typer.Option(Path("demo-out"), help="Folder for the demo's outputs.")) -> None:
    """Create the database, import the curated datasets, run the later stages, and print a summary."""
    from nanosynth.cli.db_cmds import render_stats
    from nanosynth.demo import run_demo

    try:
        with console.status("starting") as status:
            ctx = run_demo(settings(), out_dir, on_stage=lambda name: status.update(f"demo: {name}"))
    except NanosynthError as exc:
        fail(exc)
    imports = ctx.results.get("import curated datasets", {})
    table = Table(title="curated imports")
    for col in ("file", "rows", "added", "already present", "rejected"):
        table.add_column(col, justify="right" if col != "file" else "left")
    for name, r in imports.items():
        table.add_row(name, str(r["rows"]), str(r["added"]), str(r["already_present"]), str(r["rejected"]))
    console.print(table)
    for result in ctx.results.values():  # later stages may hand the CLI a renderer for their own summary
        render = result.get("_render") if isinstance(result, dict) else None
        if callable(render):
            render(console)
    summary = ctx.results["summary"]
    render_stats(summary["stats"])
    console.print(f"CdSe recipes with a size or absorption outcome, curated, mined and lab (simulated left out): "
                  f"[bold]{summary['cdse_with_size_or_abs']}[/] {summary['cdse_by_dataset']} → {summary['cdse_csv']}")
    console.print(f"database: {settings().database_url}")
