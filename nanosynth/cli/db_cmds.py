"""``nanosynth db``: upgrade, import, stats, query, export."""

from __future__ import annotations

import json
import math
from pathlib import Path

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from nanosynth.cli.apps import console, db_app, fail, open_db, settings
from nanosynth.schema.errors import NanosynthError, QueryError, unknown_value

LAYOUTS = ("wide", "long")


@db_app.command("upgrade")
def upgrade(revision: str = typer.Argument("head", help="Alembic revision to migrate to.")) -> None:
    """Create or migrate the database schema (Alembic) to the newest revision."""
    from nanosynth.db.engine import safe_url
    from nanosynth.db.migrate import upgrade as do_upgrade

    url = settings().database_url
    try:
        reached = do_upgrade(url, revision)
    except NanosynthError as exc:
        fail(exc)
    console.print(f"database {safe_url(url)} is at revision [bold]{reached}[/]")


@db_app.command("import")
def import_(
    path: Path = typer.Argument(..., help="Dataset file (.xlsx for gu2024, .csv for the CdSe datasets)."),
    fmt: str = typer.Option(..., "--format", "-f", help="gu2024 | cdse-literature | cdse-hte"),
    show_rejections: int = typer.Option(20, help="How many rejected rows to list."),
) -> None:
    """Import a curated dataset; re-importing the same file adds nothing. A malformed file writes nothing."""
    from nanosynth.db.engine import session_scope
    from nanosynth.db.importers import FORMATS, import_file

    if fmt not in FORMATS:
        fail(NanosynthError(f"unknown --format {fmt!r}: use one of {', '.join(FORMATS)}"))
    try:
        engine = open_db()
        with Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                      TimeElapsedColumn(), console=console, transient=True) as progress:
            task = progress.add_task(f"reading {path.name} ({fmt})", total=None)

            def advance(done: int, total: int) -> None:
                progress.update(task, description=f"writing {path.name}", completed=done, total=total)

            with session_scope(engine) as session:
                report = import_file(session, fmt, path, progress=advance)
        engine.dispose()
    except NanosynthError as exc:
        fail(exc)
    parsed, write = report.parse, report.write
    table = Table(title=escape(f"{fmt}: {path.name}"))
    for col in ("rows", "added", "already present", "outcomes merged", "rejected", "warnings"):
        table.add_column(col, justify="right")
    table.add_row(str(parsed.rows), str(write.added), str(write.skipped), str(write.merged_outcomes),
                  str(len(parsed.rejections)), str(len(parsed.warnings)))
    console.print(table)
    for label, items in (("rejected", parsed.rejections), ("warning", parsed.warnings)):
        for item in items[:show_rejections]:
            console.print(escape(f"  {label} row {item.row}: {item.reason}"))
        if len(items) > show_rejections:
            console.print(f"  ... and {len(items) - show_rejections} more {label} rows")


@db_app.command("stats")
def stats(as_json: bool = typer.Option(False, "--json", help="Print a JSON object instead of tables.")) -> None:
    """Counts per table, per source and per composition."""
    from nanosynth.db.engine import session_scope
    from nanosynth.db.stats import stats as compute

    try:
        engine = open_db()
        with session_scope(engine) as session:
            result = compute(session)
        engine.dispose()
    except NanosynthError as exc:
        fail(exc)
    if as_json:
        typer.echo(json.dumps(result, indent=2, sort_keys=True))
        return
    render_stats(result)


def render_stats(result: dict) -> None:
    """Rich tables of :func:`nanosynth.db.stats.stats` output (also used by the demo summary)."""
    counts = Table(title="tables")
    counts.add_column("table")
    counts.add_column("rows", justify="right")
    for key, value in result.items():
        if isinstance(value, int) and key != "compositions":
            counts.add_row(key, str(value))
    console.print(counts)
    for key, title in (("recipes_by_source_kind", "recipes per source kind"),
                       ("recipes_by_dataset", "recipes per dataset"),
                       ("recipes_by_composition", f"recipes per composition (top; {result['compositions']} in all)"),
                       ("outcomes_by_property", "outcomes per property")):
        t = Table(title=title)
        t.add_column(key.split("_by_")[1])
        t.add_column("count", justify="right")
        for k, v in result[key].items():
            t.add_row(escape(str(k)), str(v))
        console.print(t)


def _parse_range(spec: str) -> tuple[str, tuple[float | None, float | None]]:
    """``size_nm=2:5`` → ("size_nm", (2, 5)); either bound may be empty."""
    try:
        prop, bounds = spec.split("=", 1)
        low, high = (float(b) if b.strip() else None for b in bounds.split(":", 1))
    except ValueError as exc:
        raise QueryError(f"--range {spec!r} must look like PROPERTY=LOW:HIGH (e.g. size_nm=2:5)") from exc
    if any(b is not None and not math.isfinite(b) for b in (low, high)):
        raise QueryError(f"--range {spec!r}: bounds must be finite numbers (leave one empty for no bound)")
    return prop.strip(), (low, high)


def _parse_ranges(specs: list[str] | None) -> dict[str, tuple[float | None, float | None]]:
    """Every ``--range``; a property given twice is refused (the second would silently replace the first)."""
    ranges: dict[str, tuple[float | None, float | None]] = {}
    for spec in specs or []:
        prop, bounds = _parse_range(spec)
        if prop in ranges:
            raise QueryError(f"--range {prop} is given twice: give one LOW:HIGH per property")
        ranges[prop] = bounds
    return ranges


@db_app.command("query")
def query(
    composition: list[str] = typer.Option(None, "--composition", "-c", help="Target composition (repeatable)."),
    dataset: list[str] = typer.Option(None, "--dataset", "-d", help="Dataset name (repeatable)."),
    source_kind: str | None = typer.Option(None, help="literature | curated_dataset | lab | campaign"),
    method: str | None = typer.Option(None, help="hot_injection | heat_up | seed_mediated | ..."),
    chemical: str | None = typer.Option(None, help="Chemical name (substring, raw or normalized)."),
    role: str | None = typer.Option(None, help="Role of --chemical: cation_precursor | ligand | ..."),
    precursor: str | None = typer.Option(None, help="Shorthand: a cation or anion precursor name."),
    ligand: str | None = typer.Option(None, help="Shorthand: a ligand name."),
    has: list[str] = typer.Option(None, "--has", help="Keep recipes that have this outcome (repeatable)."),
    ranges: list[str] = typer.Option(None, "--range", help="PROPERTY=LOW:HIGH, e.g. size_nm=2:5 (repeatable)."),
    source: list[str] = typer.Option(None, "--source", help="curated | mined | lab | simulated | literature "
                                     "(= curated + mined); repeatable."),
    include: list[str] = typer.Option(None, "--include", help="'simulated': keep the digital twin's recipes "
                                      "(left out by default)."),
    with_provenance: bool = typer.Option(False, "--with-provenance", help="One row per value with its DOI, "
                                         "section, sentence, span, extractor and confidence."),
    layout: str = typer.Option("wide", help="wide | long"),
    limit: int | None = typer.Option(None, help="At most this many recipes."),
    out: Path | None = typer.Option(None, "--out", "-o", help="Write CSV/Parquet (by suffix) instead of printing."),
    rows: int = typer.Option(20, help="Rows to print when not writing a file."),
    all_columns: bool = typer.Option(False, "--all-columns", help="Print every column (use --out for files)."),
    as_json: bool = typer.Option(False, "--json", help="Print every matching row as a JSON array of objects."),
) -> None:
    """Filter recipes by composition, method, precursor/ligand and property ranges; print or write them."""
    from dataclasses import replace

    from nanosynth.db.engine import session_scope
    from nanosynth.db.export import query_frame, write_frame
    from nanosynth.db.queries import check_known_values

    try:
        if layout not in LAYOUTS:
            raise QueryError(unknown_value("--layout", layout, LAYOUTS))
        flt = _recipe_filter(composition, dataset, source_kind, method, chemical, role, precursor, ligand, has,
                             ranges, limit)
        flt = replace(flt, source=source or None, include=tuple(include or ()))
        engine = open_db()
        with session_scope(engine) as session:
            check_known_values(session, flt)
            frame = query_frame(session, flt, layout, with_provenance)
        engine.dispose()
        if out is not None:
            path = write_frame(frame, out)
            console.print(f"wrote {len(frame)} rows to {path}")
            return
    except NanosynthError as exc:
        fail(exc)
    if as_json:
        typer.echo(frame.to_json(orient="records", date_format="iso", indent=1))
        return
    _print_recipes(frame, rows, all_columns)


def _recipe_filter(composition, dataset, source_kind, method, chemical, role, precursor, ligand, has, ranges, limit):
    """The :class:`~nanosynth.db.queries.RecipeFilter` of the ``db query`` options."""
    from nanosynth.db.queries import RecipeFilter

    if precursor and ligand:
        raise NanosynthError("give either --precursor or --ligand (or --chemical with --role), not both")
    chem, chem_role = chemical, role
    if precursor:  # cation or anion precursor: filter by name, then keep rows where it is a precursor
        chem, chem_role = precursor, "precursor"
    if ligand:
        chem, chem_role = ligand, "ligand"
    return RecipeFilter(dataset=dataset or None, source_kind=source_kind, composition=composition or None,
                        method=method, chemical=chem, role=chem_role, has_property=tuple(has or ()),
                        property_ranges=_parse_ranges(ranges), limit=limit)


def _print_recipes(frame, rows: int, all_columns: bool) -> None:
    """The number of recipes and a table of the first ``rows`` (preferred columns unless ``all_columns``)."""
    n = frame["recipe_id"].nunique() if "recipe_id" in frame else len(frame)
    console.print(f"{n} recipes")
    if frame.empty:
        return
    show = frame.head(rows)
    preferred = ["recipe_id", "dataset", "target_composition", "method", "growth_temperature_c", "growth_time_s",
                 "cation_precursors", "ligands", "size_nm", "shape", "abs_peak_nm", "pl_peak_nm",
                 "kind", "name", "field", "value", "unit", "sentence", "extractor", "confidence"]
    cols = [c for c in preferred if c in show.columns] if all_columns is False else list(show.columns)
    table = Table(show_lines=False)
    for col in cols:
        table.add_column(col, overflow="fold")
    for _, r in show[cols].iterrows():
        table.add_row(*["" if (v is None or (isinstance(v, float) and v != v)) else
                        (f"{v:.4g}" if isinstance(v, float) else escape(str(v))) for v in r])
    Console(width=max(console.width, 160)).print(table)


@db_app.command("export")
def export(
    out: Path = typer.Option(..., "--out", "-o", help="Output file (wide/long) or directory (tables)."),
    fmt: str = typer.Option("csv", "--file-format", help="csv | parquet"),
    old_fmt: str | None = typer.Option(None, "--format", "-f", hidden=True,
                                       help="Deprecated spelling of --file-format."),
    layout: str = typer.Option("wide", help="wide (one row per recipe) | long (one row per value) | tables"),
    dataset: list[str] = typer.Option(None, "--dataset", "-d"),
    composition: list[str] = typer.Option(None, "--composition", "-c"),
    source: list[str] = typer.Option(None, "--source", help="curated | mined | lab | simulated | literature"),
    include: list[str] = typer.Option(None, "--include", help="'simulated': keep the digital twin's recipes."),
    with_provenance: bool = typer.Option(False, "--with-provenance", help="One row per value with its evidence "
                                         "(tables layout: an extra provenance file)."),
) -> None:
    """Export recipes to CSV or Parquet."""
    from nanosynth.cli.apps import deprecated_alias
    from nanosynth.db.engine import session_scope
    from nanosynth.db.export import export as do_export
    from nanosynth.db.queries import RecipeFilter, check_known_values

    fmt = deprecated_alias("--format", "--file-format", old_fmt, fmt)
    try:
        engine = open_db()
        flt = RecipeFilter(dataset=dataset or None, composition=composition or None, source=source or None,
                           include=tuple(include or ()))
        with session_scope(engine) as session:
            check_known_values(session, flt)
            paths = do_export(session, out, fmt, layout, flt, with_provenance=with_provenance)
        engine.dispose()
    except NanosynthError as exc:
        fail(exc)
    for p in paths:
        console.print(f"wrote {p}")


def _read(func, *args):
    """``func(session, *args)`` in one session of the configured database; a NanosynthError exits with status 1."""
    from nanosynth.db.engine import session_scope

    try:
        engine = open_db()
        try:
            with session_scope(engine) as session:
                return func(session, *args)
        finally:
            engine.dispose()
    except NanosynthError as exc:
        fail(exc)


@db_app.command("show")
def show(
    recipe_id: int = typer.Argument(..., help="Recipe id (column recipe_id of 'nanosynth db query')."),
    as_json: bool = typer.Option(False, "--json", help="Print a JSON object instead of a table."),
) -> None:
    """Every value of one recipe with its evidence: sentence (value highlighted), span, extractor, confidence."""
    from nanosynth.db.provenance import recipe_card

    card = _read(recipe_card, recipe_id)
    if as_json:
        typer.echo(json.dumps(card, indent=2, ensure_ascii=False))
        return
    _print_card(card)


def _highlight(value: dict) -> str:
    """The value's sentence with the value in bold reverse (rich markup), or where a curated value came from."""
    from rich.markup import escape

    sentence, start, end = value.get("sentence"), value.get("span_start"), value.get("span_end")
    if sentence and start is not None and end is not None:
        return (f"{escape(sentence[:start])}[bold reverse]{escape(sentence[start:end])}[/]"
                f"{escape(sentence[end:])}  [dim]({value['section'] or 'paragraph'}, chars {value['char_start']}"
                f"-{value['char_end']})[/]")
    if value.get("curated_dataset"):
        return f"[dim]dataset {escape(value['curated_dataset'])}, row {value.get('row_number')}[/]"
    return ""


def _print_card(card: dict) -> None:
    rec = card["recipe"]
    console.print(f"[bold]recipe {rec['id']}[/] ({rec['source']}) {rec['target_composition'] or ''} "
                  f"{rec['method']}  key {rec['source_key']}")
    if rec["doi"]:
        console.print(f"paper: https://doi.org/{rec['doi']}  {rec['title'] or ''}")
    table = Table(show_lines=True)
    for col in ("field", "value", "evidence", "extractor", "confidence"):
        table.add_column(col, overflow="fold")
    for v in card["values"]:
        value = v["value"] if not isinstance(v["value"], float) else f"{v['value']:.4g}"
        table.add_row(v["field"], f"{value} {v['unit'] or ''}".strip(), _highlight(v), v["extractor"] or "",
                      "" if v["confidence"] is None else f"{v['confidence']:.2f}")
    Console(width=max(console.width, 160)).print(table)


@db_app.command("agreement")
def agreement_cmd(as_json: bool = typer.Option(False, "--json", help="Print a JSON object instead of tables.")) -> None:
    """Per-field agreement of mined with curated values, over every paper (by DOI) that is both."""
    from nanosynth.db.agreement import agreement

    report = _read(agreement)
    if as_json:
        typer.echo(json.dumps(report, indent=2, ensure_ascii=False, default=str))
        return
    console.print(f"{report['papers']} papers both curated and mined (linked by DOI)")
    table = Table(title="mined vs curated, per field")
    for col in ("field", "tolerance", "compared", "agree", "rate", "not mined"):
        table.add_column(col, justify="left" if col in ("field", "tolerance") else "right")
    for field, row in report["fields"].items():
        rate = "" if row["rate"] is None else f"{row['rate']:.0%}"
        table.add_row(field, report["tolerances"][field], str(row["compared"]), str(row["agree"]), rate,
                      str(row["missing"]))
    console.print(table)
