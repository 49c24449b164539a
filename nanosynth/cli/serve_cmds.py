"""``nanosynth serve``: the web explorer on the configured database."""

from __future__ import annotations

import typer

from nanosynth.cli.apps import app, console, run_guarded, settings


@app.command("serve")
def serve_cmd(
    port: int = typer.Option(8765, "--port", "-p", help="Port to listen on."),
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on (loopback by default; 0.0.0.0 "
                             "lets other machines connect)."),
) -> None:
    """Web explorer: search and facets, recipes with the evidence of every value, plots, campaigns, export, JSON API."""
    from nanosynth.web.server import serve

    def ready(base: str) -> None:
        console.print(f"nanosynth explorer on [bold]{base}[/] (Ctrl-C stops it)")

    run_guarded(serve, settings().database_url, host=host, port=port, on_ready=ready)
