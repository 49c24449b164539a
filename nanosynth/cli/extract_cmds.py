"""``nanosynth extract FILE... [--json]``: recipes of papers with the evidence of every value, no database.

With ``--json`` stdout carries exactly one JSON object per document, one per line (logs go to stderr); the shape
is documented in the README ("Extracting recipes from papers") and in :mod:`nanosynth.extraction`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import typer
from rich.markup import escape

from nanosynth.cli import apps
from nanosynth.cli.apps import app, console, err_console

_CONDITION_LABELS = {"injection_temperature_c": ("injection temperature", "°C"),
                     "growth_temperature_c": ("growth temperature", "°C"), "growth_time_s": ("growth time", "s"),
                     "heating_rate_c_per_min": ("heating rate", "°C/min"), "atmosphere": ("atmosphere", "")}
_OUTCOME_LABELS = {"size_nm": ("size", "nm"), "size_sd_nm": ("size SD", "nm"), "shape": ("shape", ""),
                   "abs_peak_nm": ("absorption peak", "nm"), "pl_peak_nm": ("PL peak", "nm"),
                   "fwhm_nm": ("FWHM", "nm"), "plqy_pct": ("PLQY", "%")}
_EVIDENCE_CHARS = 110


@app.command("extract")
def extract_cmd(
    files: list[Path] = typer.Argument(..., help="Paper files: PDF, publisher HTML/XML, plain text or Markdown."),
    as_json: bool = typer.Option(False, "--json", help="One JSON object per document per line on stdout "
                                 "(shape in the README: 'Extracting recipes from papers')."),
    classifier_model: str = typer.Option("default", "--classifier-model", help="Paragraph classifier: 'default', "
                                         "a model directory, or 'heuristic' (keyword rules, no model)."),
    ner_model: str = typer.Option("fast", "--ner-model", help="NER model: 'fast' (the pipeline's default), "
                                  "'default' (+ MiniLM features), a model directory, or 'none' (dictionary and "
                                  "rule mentions only)."),
) -> None:
    """Extract recipes from papers with the evidence of every value (models loaded once; no database)."""
    from nanosynth.extraction import iter_extract
    from nanosynth.miner.pipeline import PipelineConfig

    config = PipelineConfig(classifier_model=classifier_model,
                            ner_model=None if ner_model.lower() == "none" else ner_model)
    failed = 0
    for doc in apps.run_guarded(iter_extract, files, config=config):
        failed += 0 if doc.ok else 1
        if as_json:
            sys.stdout.write(json.dumps(doc.to_json(), ensure_ascii=False) + "\n")
            sys.stdout.flush()
        else:
            _render(doc)
    if failed and failed == len(files):
        raise typer.Exit(code=1)


def _render(doc) -> None:
    """A readable summary of one document: recipes, chemicals, conditions, outcomes, each with evidence."""
    if not doc.ok:
        err_console.print(f"[bold red]{escape(doc.source)}[/]: {escape(doc.error)}")
        return
    if not doc.recipes:
        console.print(f"[bold]{escape(doc.source)}[/]: {escape(doc.reason or 'no recipe')}")
        return
    count = len(doc.recipes)
    console.print(f"[bold]{escape(doc.source)}[/]: {count} recipe{'s' if count != 1 else ''} "
                  f"({doc.seconds:.1f} s)")
    for number, recipe in enumerate(doc.recipes, 1):
        _render_recipe(number, recipe)
    for warning in doc.warnings:
        err_console.print(f"[yellow]warning[/]: {escape(warning)}")


def _render_recipe(number: int, recipe: dict[str, Any]) -> None:
    evidence = recipe["evidence"]
    head = [recipe["target"] or "target not stated"]
    head += [f"method {recipe['method']}"] if recipe["method"] else []
    head += [recipe["morphology"]] if recipe["morphology"] else []
    head += ["partial"] if recipe["partial"] else []
    console.print(f"\n  [bold cyan]recipe {number}[/]: {escape(' · '.join(head))}")
    _line("target", recipe["target"] or "", evidence.get("target"))
    if recipe["chemicals"]:
        console.print("  [bold]chemicals[/]")
    for i, chem in enumerate(recipe["chemicals"]):
        name = chem["name"] + (f" ({chem['name_raw']})" if chem["name_raw"] and chem["name_raw"] != chem["name"]
                               else "")
        amounts = ", ".join(f"{a['value']:.4g} {a['unit']}" for a in chem["amounts"])
        _line(chem["role"], f"{name}{'  ' + amounts if amounts else ''}", evidence.get(f"chemicals[{i}]"))
        name_sentence = (evidence.get(f"chemicals[{i}]") or {}).get("text")
        for j, amount in enumerate(chem["amounts"]):
            where = evidence.get(f"chemicals[{i}].amounts[{j}]")
            if where and where["text"] == name_sentence:  # same sentence: the offsets are enough
                console.print(f"    {'':<20} [dim]{escape(amount['raw'])} @{where['start']}–{where['end']}[/]")
            else:
                _line("  amount", amount["raw"], where)
    _section("conditions", recipe["conditions"], _CONDITION_LABELS, evidence)
    _section("outcomes", recipe["outcomes"], _OUTCOME_LABELS, evidence)


def _section(title: str, values: dict[str, Any], labels: dict[str, tuple[str, str]],
             evidence: dict[str, Any]) -> None:
    present = {k: v for k, v in values.items() if v is not None and v != []}
    if not present:
        return
    console.print(f"  [bold]{title}[/]")
    for key, value in present.items():
        label, unit = labels.get(key, (key, ""))
        items = value if isinstance(value, list) else [value]
        for i, item in enumerate(items):
            where = f"{title}.{key}" if not isinstance(value, list) else f"{title}.{key}[{i}]"
            _line(label, _format(item, unit), evidence.get(where))


def _format(value: Any, unit: str) -> str:
    if isinstance(value, str):
        return value
    if unit == "s":
        for size, name in ((86400, "d"), (3600, "h"), (60, "min")):
            if value >= size and value % (size / 4) == 0:
                return f"{value / size:g} {name}"
        return f"{value:g} s"
    return f"{value:g}{'' if unit == '%' else ' '}{unit}".strip()


def _line(label: str, value: str, evidence: dict[str, Any] | None) -> None:
    console.print(f"    {escape(label):<20} {escape(value)}")
    if evidence:
        sentence = evidence["text"]
        if len(sentence) > _EVIDENCE_CHARS:
            sentence = sentence[:_EVIDENCE_CHARS - 1] + "…"
        console.print(f"    {'':<20} [dim]@{evidence['start']}–{evidence['end']} “{escape(sentence)}”[/]")
