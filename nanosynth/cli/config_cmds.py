"""``nanosynth config show``: every setting with its value and its source (default, file, environment, option)."""

from __future__ import annotations

import json

import typer
from rich.markup import escape
from rich.table import Table

from nanosynth.cli import apps
from nanosynth.cli.apps import app, console

config_app = typer.Typer(no_args_is_help=True, help="Settings: what is in effect and where each value comes from.")
app.add_typer(config_app, name="config")


@config_app.command("show")
def show(as_json: bool = typer.Option(False, "--json", help="Print a JSON array instead of a table.")) -> None:
    """Each setting with its value and source (default, settings file, NANOSYNTH_* variable or option);
    secrets are masked."""
    from nanosynth.config import describe_settings

    rows = apps.run_guarded(describe_settings, apps._state.get("config"),
                            database_url=apps._state.get("database_url"))
    if as_json:
        typer.echo(json.dumps(rows, indent=1))
        return
    table = Table(title="nanosynth settings")
    for column in ("setting", "value", "source"):
        table.add_column(column, overflow="fold")
    for row in rows:
        value = json.dumps(row["value"]) if isinstance(row["value"], (dict, list)) else str(row["value"])
        table.add_row(row["name"], escape(value), escape(row["source"]))
    console.print(table)
