"""Typer apps shared by the command modules, global options, and the error handler."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.markup import escape
from typer.core import TyperGroup

from nanosynth import __version__
from nanosynth.config import Settings, load_settings
from nanosynth.schema.errors import NanosynthError

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

console = Console(soft_wrap=True)
err_console = Console(stderr=True, soft_wrap=True)


class _RootGroup(TyperGroup):
    """The root command: the one place where errors of every command are turned into one line for a person."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except (typer.Exit, typer.Abort, typer.TyperException, KeyboardInterrupt):  # usage errors: typer's own
            raise
        except BrokenPipeError:  # the reader of stdout went away (`... | head`): nothing to say to anyone
            _silence_stdout()
            raise typer.Exit(code=1) from None
        except Exception as exc:  # noqa: BLE001  (every error ends here: one line, traceback behind --debug)
            fail(exc)


def _silence_stdout() -> None:
    """Point stdout at /dev/null so that the interpreter's final flush does not fail on the closed pipe."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # stdout without a file descriptor (tests)
        pass


app = typer.Typer(cls=_RootGroup, no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False,
                  help="nanosynth: literature → synthesis database → property models → automated reactors.")
db_app = typer.Typer(no_args_is_help=True, help="Database: migrations, curated imports, stats, queries, export.")
miner_app = typer.Typer(no_args_is_help=True, help="Text mining: readers, paragraph classifier, NER, extraction.")
models_app = typer.Typer(no_args_is_help=True, help="Property models: cross-validation, training, prediction.")
lab_app = typer.Typer(no_args_is_help=True, help="Lab: reactor adapters, campaigns, reconciliation.")
app.add_typer(db_app, name="db")
app.add_typer(miner_app, name="miner")
app.add_typer(models_app, name="models")
app.add_typer(lab_app, name="lab")

_state: dict[str, object] = {}


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"nanosynth {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    config: Path | None = typer.Option(None, "--config", help="TOML settings file (default ./nanosynth.toml)."),
    database_url: str | None = typer.Option(None, "--database-url", help="SQLAlchemy URL (overrides "
                                            "NANOSYNTH_DATABASE_URL)."),
    verbose: int = typer.Option(0, "--verbose", "-v", count=True, help="More log output (-v info, -vv debug)."),
    version: bool = typer.Option(False, "--version", is_eager=True, callback=_print_version,
                                 help="Print the version and exit."),
    debug: bool = typer.Option(False, "--debug", help="On an error, print the full traceback after the "
                               "one-line message."),
) -> None:
    _state.clear()  # one invocation, one settings object (tests invoke the app many times in one process)
    _state["config"] = config
    _state["database_url"] = database_url
    _state["debug"] = debug
    level = logging.WARNING - 10 * min(verbose, 2)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")


def settings() -> Settings:
    """The settings of this invocation (loaded once)."""
    if "settings" not in _state:
        _state["settings"] = load_settings(_state.get("config"), database_url=_state.get("database_url"))
    return _state["settings"]  # type: ignore[return-value]


def open_db() -> Engine:
    """The configured database, migrated to head (every command but ``db upgrade`` opens it this way).

    Raises
    ------
    DatabaseError
        When it does not exist or its schema is missing or outdated (the message says to run
        ``nanosynth db upgrade``); nothing is created.
    """
    from nanosynth.db.engine import open_database

    return open_database(settings().database_url)


def fail(exc: Exception) -> None:
    """Print an error for a person and exit with status 1.

    One line that says what is wrong and how to fix it (no password, rich markup in it is shown as is); the full
    traceback follows only with the global ``--debug`` option.
    """
    from nanosynth.cli.errors import describe

    url = (_state.get("database_url") or getattr(_state.get("settings"), "database_url", None)
           or os.environ.get("NANOSYNTH_DATABASE_URL"))
    err_console.print(f"[bold red]error:[/] {escape(describe(exc, url))}", highlight=False)
    if _state.get("debug"):
        import traceback

        err_console.print(escape(describe_traceback(traceback.format_exception(exc), url)), highlight=False)
    raise typer.Exit(code=1)


def describe_traceback(lines: list[str], url: str | None) -> str:
    """A traceback with any database password hidden."""
    from nanosynth.db.engine import redact

    return redact("".join(lines), url)


def run_guarded(func, *args, **kwargs):
    """Call ``func``; turn a :class:`NanosynthError` into a clean message and exit status 1."""
    try:
        return func(*args, **kwargs)
    except NanosynthError as exc:
        fail(exc)


def stdout_is_terminal() -> bool:
    return sys.stdout.isatty()


def deprecated_alias(old: str, new: str, old_value, new_value):
    """The value given under a deprecated option spelling (with a warning on stderr), else the current one.

    Old spellings stay accepted (hidden from ``--help``) so that scripts keep working while every visible option
    name means one thing across commands.
    """
    if old_value in (None, False, [], ()):
        return new_value
    err_console.print(f"[yellow]warning:[/] {old} is deprecated here, use {new}", highlight=False)
    if isinstance(old_value, list):
        return [*(new_value or []), *old_value]
    return old_value
