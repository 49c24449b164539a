"""Paragraph-classifier commands: ``nanosynth miner train-classifier``, ``eval-classifier`` and ``classify``."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import typer
from rich.table import Table

from nanosynth.cli import apps
from nanosynth.cli.apps import app, db_app, lab_app, miner_app, models_app  # noqa: F401
from nanosynth.schema.errors import ReaderError

_TASK = "paragraph_classifier"
_MODEL_HELP = ("Model directory, or a shipped model: 'default' (alias 'fast': TF-IDF, hundreds of paragraphs/s) or "
               "'minilm' (MiniLM head: slower, more accurate in cross-validation).")


def _set_threads(threads: int | None) -> None:
    if threads:
        import torch

        torch.set_num_threads(threads)


@miner_app.command("train-classifier")
def train_classifier_cmd(
    data: list[Path] = typer.Option(..., "--data", help="Labelled paragraphs, JSON lines with 'text' and 'label' "
                                    "(repeat for several files)."),
    out: Path = typer.Option(..., "--out", "-o", help="New model directory."),
    backend: str = typer.Option("tfidf", "--backend", help="tfidf (fast default) or minilm (transformer)."),
    msptc: Path | None = typer.Option(None, "--msptc", help="MSPTC folder: its train-split procedures are added "
                                      "as synthesis examples (weight chosen by cross-validation)."),
    eval_data: Path | None = typer.Option(None, "--eval-data", help="Evaluation JSON lines whose metrics are "
                                          "recorded in the manifest (never used for model selection)."),
    folds: int = typer.Option(5, "--folds", min=2, help="Cross-validation folds for model selection."),
    c_values: list[float] | None = typer.Option(None, "--C", help="Candidate regularisation values (repeat); "
                                                "default: a small per-backend grid."),
    seed: int = typer.Option(0, "--seed", help="Random seed (folds, solver)."),
    threads: int | None = typer.Option(None, "--threads", help="torch threads for the minilm backend."),
) -> None:
    """Train a paragraph classifier (synthesis / characterization / other) and save it with a manifest."""
    from nanosynth.miner.corpora.paragraphs import read_jsonl, read_msptc
    from nanosynth.miner.registry import backends, get_stage
    from nanosynth.miner.training.classifier import train_and_save

    if backend not in backends(_TASK):
        apps.fail(_config_error(f"unknown backend {backend!r}; choose {' or '.join(sorted(backends(_TASK)))}"))
    _set_threads(threads if backend == "minilm" else None)
    rows = []
    for path in data:
        rows.extend(apps.run_guarded(read_jsonl, path))
    aux = apps.run_guarded(read_msptc, msptc, split="train") if msptc else []
    dev = apps.run_guarded(read_jsonl, eval_data) if eval_data else None
    config = None
    if backend == "minilm" and threads:
        config = get_stage("minilm", _TASK).config_class(num_threads=threads, seed=seed)
    apps.console.print(f"training [bold]{backend}[/] on {len(rows)} paragraphs"
                       + (f" + {len(aux)} MSPTC procedures" if aux else ""))
    started = time.perf_counter()
    with apps.console.status("cross-validating ...") as status:
        report = apps.run_guarded(train_and_save, out, rows, backend=backend, config=config, aux_rows=aux,
                                  c_grid=c_values or None, folds=folds, seed=seed, eval_rows=dev,
                                  progress=lambda message: status.update(message))
    extra = "".join(f", {k}={v}" for k, v in report.selected.items() if k not in ("C", "aux_weight"))
    apps.console.print(f"selected C={report.selected['C']}, MSPTC weight={report.selected['aux_weight']}{extra}, "
                       f"temperature={report.temperature:.3f} ({time.perf_counter() - started:.0f} s)")
    if report.cv:
        apps.console.print(f"cross-validated synthesis F1 {report.cv['synthesis_f1']:.3f}, "
                           f"macro F1 {report.cv['macro_f1']:.3f}")
    if report.dev:
        apps.console.print(f"eval-data synthesis F1 {report.dev['synthesis_f1']:.3f}, "
                           f"macro F1 {report.dev['macro_f1']:.3f}")
    apps.console.print(f"model written to {out}")


@miner_app.command("eval-classifier")
def eval_classifier_cmd(
    model: str = typer.Option("default", "--model", help=_MODEL_HELP),
    data: Path = typer.Option(..., "--data", help="Labelled paragraphs, JSON lines with 'text' and 'label'."),
    as_json: bool = typer.Option(False, "--json", help="Print the scores as one JSON object."),
) -> None:
    """Per-class precision, recall and F1 of a classifier; the last line is ``synthesis_f1=<value>``."""
    from nanosynth.miner.classify import load_classifier
    from nanosynth.miner.corpora.paragraphs import read_jsonl
    from nanosynth.miner.scoring.classifier import evaluate

    rows = apps.run_guarded(read_jsonl, data)
    classifier = apps.run_guarded(load_classifier, model)
    report = apps.run_guarded(evaluate, classifier, rows)
    if as_json:
        typer.echo(json.dumps({"data": str(data), "model": model, "paragraphs": report.n, "per_class": {
            label: {"precision": m.precision, "recall": m.recall, "f1": m.f1, "support": m.support}
            for label, m in report.per_class.items()}, "macro_f1": report.macro_f1, "accuracy": report.accuracy,
            "synthesis_f1": report.synthesis_f1}, indent=1))
        return
    table = Table(title=f"{data.name}: {report.n} paragraphs, model {model}")
    for column in ("label", "precision", "recall", "F1", "support"):
        table.add_column(column, justify="left" if column == "label" else "right")
    for label, m in report.per_class.items():
        table.add_row(label, f"{m.precision:.4f}", f"{m.recall:.4f}", f"{m.f1:.4f}", str(m.support))
    table.add_row("macro avg", "", "", f"{report.macro_f1:.4f}", str(report.n))
    apps.console.print(table)
    apps.console.print(f"accuracy {report.accuracy:.4f}")
    typer.echo(f"synthesis_f1={report.synthesis_f1:.4f}")


@miner_app.command("classify")
def classify_cmd(
    file: Path = typer.Argument(..., help="A paper: .pdf, publisher .xml/.html, .txt or .md."),
    model: str = typer.Option("default", "--model", help=_MODEL_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print JSON lines instead of a table."),
    width: int = typer.Option(90, "--width", help="Characters of paragraph text shown in the table."),
) -> None:
    """Read a paper and print each paragraph's label (synthesis / characterization / other) and score."""
    from nanosynth.miner.classify import load_classifier
    from nanosynth.miner.readers import read_document

    try:
        data = file.read_bytes()
    except OSError as exc:
        apps.fail(ReaderError(f"cannot read {file}: {exc.strerror or exc}; check the path"))
    document = apps.run_guarded(read_document, data, os.path.basename(str(file)))
    classifier = apps.run_guarded(load_classifier, model)
    paragraphs = [p for p in document.paragraphs if p.kind != "heading"]
    predictions = apps.run_guarded(classifier.predict, [p.text for p in paragraphs])
    if as_json:
        for paragraph, prediction in zip(paragraphs, predictions, strict=True):
            typer.echo(json.dumps({"order": paragraph.order, "kind": paragraph.kind, "section": paragraph.section,
                                   "label": prediction.label, "score": round(prediction.score, 4),
                                   "char_start": paragraph.char_start, "char_end": paragraph.char_end,
                                   "text": paragraph.text}, ensure_ascii=False))
        return
    title = document.title if getattr(document, "title", None) else file.name
    table = Table(title=f"{title} — {len(paragraphs)} paragraphs")
    for column in ("#", "kind", "section", "label", "score", "text"):
        table.add_column(column, overflow="fold" if column == "text" else "ellipsis")
    colours = {"synthesis": "bold green", "characterization": "cyan", "other": "dim"}
    for paragraph, prediction in zip(paragraphs, predictions, strict=True):
        text = paragraph.text if len(paragraph.text) <= width else paragraph.text[: width - 1] + "…"
        table.add_row(str(paragraph.order), paragraph.kind, (paragraph.section or "")[:30],
                      f"[{colours[prediction.label]}]{prediction.label}[/]", f"{prediction.score:.2f}", text)
    apps.console.print(table)
    counts = {label: sum(p.label == label for p in predictions) for label in colours}
    apps.console.print(", ".join(f"{n} {label}" for label, n in counts.items()))


def _config_error(message: str):
    from nanosynth.schema.errors import ConfigError

    return ConfigError(message)
