"""``nanosynth miner`` NER commands: train/evaluate the MSPTC and AuNP entity models, tag a text.

* ``train-ner`` / ``eval-ner``: MSPTC synthesis-procedure entities (BRAT standoff corpus).
* ``train-aunp`` / ``eval-aunp``: gold-nanoparticle outcome entities (JSON-lines corpus, DOI-level split).
* ``tag``: print the entities the shipped (or a given) model finds in a text.

The evaluation commands print a per-type table and, as their last line, ``micro_f1=<value>`` (exact span match
over every entity type present in gold or predictions).
"""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.table import Table

from nanosynth.cli import apps
from nanosynth.cli.apps import miner_app


def _print_scores(scores, title: str, as_json: bool = False) -> None:
    if as_json:
        typer.echo(json.dumps({"title": title, **scores.as_dict(), "micro_f1": round(scores.micro_f1, 4)},
                              indent=1))
        return
    table = Table(title=title)
    for column in ("type", "P", "R", "F1", "support"):
        table.add_column(column, justify="left" if column == "type" else "right")
    for label, p, r, f1, support in scores.rows():
        table.add_row(label, f"{p:.3f}", f"{r:.3f}", f"{f1:.3f}", str(support))
    micro = scores.micro
    table.add_row("[bold]micro[/]", f"{micro.precision:.3f}", f"{micro.recall:.3f}", f"{micro.f1:.3f}",
                  str(micro.support))
    apps.console.print(table)
    typer.echo(f"micro_f1={scores.micro_f1:.4f}")


def _progress(row: dict) -> None:
    key = "dev_micro_f1" if "dev_micro_f1" in row else "validation_micro_f1"
    value = row.get(key)
    apps.err_console.print(f"epoch {row['epoch']:>3}  loss {row['loss']:>10.1f}  "
                           f"{key.split('_')[0]} micro-F1 {value if value is not None else '-'}  "
                           f"({row['seconds']:.0f}s)")


@miner_app.command("train-ner")
def train_ner(
    brat: Path = typer.Option(..., "--brat", help="Folder of MSPTC .txt/.ann pairs."),
    split_file: Path = typer.Option(..., "--split-file", help="Training document names (ner-train-fnames.txt)."),
    out: Path = typer.Option(..., "--out", "-o", help="Output model directory."),
    dev_split_file: Path | None = typer.Option(None, "--dev-split-file", help="Dev document names for model "
                                               "selection (default: 10% of the training documents)."),
    seed: int = typer.Option(0, "--seed", help="Random seed."),
    max_epochs: int | None = typer.Option(None, "--max-epochs", help="Upper bound on epochs."),
    max_minutes: float | None = typer.Option(None, "--max-minutes", help="Training time budget in minutes."),
    contextual: bool | None = typer.Option(None, "--contextual/--no-contextual", help="spaCy backend: add frozen "
                                           "MiniLM token vectors to the CNN features (default: on)."),
    backend: str = typer.Option("spacy", "--backend", help="'spacy' (CNN NER, as shipped; epoch chosen on the dev "
                                "split) or "
                                "'transformer' (fine-tuned MiniLM token classifier; epoch chosen on 10% of the "
                                "training documents, dev scored once)."),
    trained_layers: int | None = typer.Option(None, "--trained-layers", help="Transformer backend: number of top "
                                              "MiniLM layers fine-tuned."),
    lexical_dim: int | None = typer.Option(None, "--lexical-dim", help="Transformer backend: width of the NORM/"
                                           "PREFIX/SUFFIX/SHAPE hash embeddings (0 = none)."),
) -> None:
    """Train the MSPTC entity recognizer with the chemistry tokenizer (spaCy CNN or fine-tuned MiniLM)."""
    from nanosynth.miner.training.ner import NERTrainingConfig, train_msptc
    from nanosynth.miner.training.transformer import TransformerTrainingConfig

    overrides: dict = {"seed": seed}
    if max_minutes is not None:
        overrides["max_minutes"] = max_minutes
    if backend == "transformer":
        if max_epochs is not None:
            overrides["epochs"] = max_epochs
        if trained_layers is not None:
            overrides["trained_layers"] = trained_layers
        if lexical_dim is not None:
            overrides["lexical_dim"] = lexical_dim
        config = TransformerTrainingConfig(**overrides)
    else:
        if contextual is not None:
            overrides["contextual"] = contextual
        if max_epochs is not None:
            overrides["max_epochs"] = max_epochs
        config = NERTrainingConfig(**overrides)
    path, report = apps.run_guarded(train_msptc, brat, split_file, out, dev_split_file, config, _progress, backend)
    _print_scores(report.best_dev, f"dev scores of epoch {report.best_epoch} (saved to {path})")


@miner_app.command("eval-ner")
def eval_ner(
    model: str = typer.Option("default", "--model", help="Model directory, or a shipped model: 'default' "
                              "(alias 'spacy', CNN + MiniLM features) or 'fast' (CNN only)."),
    brat: Path = typer.Option(..., "--brat", help="Folder of .txt/.ann pairs."),
    split_file: Path | None = typer.Option(None, "--split-file", help="Document names to evaluate (default: every "
                                           ".ann/.txt pair in --brat)."),
    as_json: bool = typer.Option(False, "--json", help="Print the scores as one JSON object."),
) -> None:
    """Evaluate an MSPTC NER model (exact span match); the last line is ``micro_f1=<value>``."""
    from nanosynth.miner.scoring.ner import evaluate_brat

    scores = apps.run_guarded(evaluate_brat, model, brat, split_file)
    _print_scores(scores, f"{scores.n_docs} documents", as_json)


@miner_app.command("train-aunp")
def train_aunp_cmd(
    data: Path = typer.Option(..., "--data", help="AuNP JSON-lines file (aunp_6lab.jsonl or aunp_11lab.jsonl)."),
    out: Path = typer.Option(..., "--out", "-o", help="Output model directory."),
    seed: int = typer.Option(0, "--seed", help="Seed of the DOI split and of training."),
    dev_fraction: float = typer.Option(0.2, "--dev-fraction", help="Share of DOIs held out as dev."),
    max_epochs: int | None = typer.Option(None, "--max-epochs", help="Upper bound on epochs."),
    contextual: bool | None = typer.Option(None, "--contextual/--no-contextual", help="spaCy backend: add frozen "
                                           "MiniLM token vectors to the CNN features (default: off)."),
    backend: str = typer.Option("spacy", "--backend", help="'spacy' (CNN NER; epoch chosen on the dev DOIs) or "
                                "'transformer' (fine-tuned MiniLM; epoch chosen on 15% of the training DOIs)."),
) -> None:
    """Train the nanoparticle-outcome recognizer (MOR, DES, SED, SIZ, UNT, MES) on a seeded DOI split."""
    from nanosynth.miner.training.aunp import AUNP_TRAINING_CONFIG, AUNP_TRANSFORMER_CONFIG, train_aunp

    overrides: dict = {"seed": seed}
    if backend == "transformer":
        if max_epochs is not None:
            overrides["epochs"] = max_epochs
        config = AUNP_TRANSFORMER_CONFIG.model_copy(update=overrides)
    else:
        if contextual is not None:
            overrides["contextual"] = contextual
        if max_epochs is not None:
            overrides["max_epochs"] = max_epochs
        config = AUNP_TRAINING_CONFIG.model_copy(update=overrides)
    path, report = apps.run_guarded(train_aunp, data, out, config, dev_fraction, _progress, backend)
    _print_scores(report.best_dev, f"dev scores of epoch {report.best_epoch} (saved to {path})")


@miner_app.command("eval-aunp")
def eval_aunp_cmd(
    model: str = typer.Option("default", "--model", help="Model directory, or 'default' for the shipped model."),
    data: Path | None = typer.Option(None, "--data", help="AuNP JSON-lines file (default: aunp_ner/aunp_6lab.jsonl "
                                     "under the data_dir setting, the corpus of the shipped model)."),
    split: str = typer.Option("dev", "--split", help="'dev' (the DOIs held out when the model was trained, "
                              "listed in its manifest) or 'all'."),
    as_json: bool = typer.Option(False, "--json", help="Print the scores as one JSON object."),
) -> None:
    """Evaluate an AuNP outcome model (exact span match); the last line is ``micro_f1=<value>``."""
    from nanosynth.miner.scoring.ner import evaluate_aunp

    data = data or Path(apps.settings().data_dir) / "aunp_ner" / "aunp_6lab.jsonl"
    scores = apps.run_guarded(evaluate_aunp, model, data, split)
    _print_scores(scores, f"{scores.n_docs} paragraphs ({split})", as_json)


@miner_app.command("tag")
def tag(
    text: str = typer.Argument(..., help="Text to tag ('-' reads standard input)."),
    model: str = typer.Option("default", "--model", help="Model directory, 'default', 'spacy' or 'fast' "
                         "(the last two MSPTC only)."),
    aunp: bool = typer.Option(False, "--aunp", help="Use the nanoparticle-outcome model instead of MSPTC."),
) -> None:
    """Print the entities found in a text, one per line: start, end, label, text."""
    import sys

    from nanosynth.miner.extract.aunp import load_aunp
    from nanosynth.miner.extract.ner import load_ner, predict_spans

    if text == "-":
        text = sys.stdin.read()
    nlp = apps.run_guarded(load_aunp if aunp else load_ner, model)
    (entities,) = apps.run_guarded(predict_spans, nlp, [text])
    for start, end, label in entities:
        typer.echo(f"{start}\t{end}\t{label}\t{text[start:end]}")
