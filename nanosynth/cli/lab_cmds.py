"""``nanosynth lab ...``: adapters, campaigns (seeded or not, resumable), reconciliation, SiLA 2 server."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from nanosynth.cli import apps
from nanosynth.cli.apps import console, lab_app
from nanosynth.schema.errors import ConfigError

log = logging.getLogger(__name__)
ADAPTER_OPTION_HELP = "key=value option of the adapter (repeatable; JSON values ok)"


@lab_app.command("capabilities")
def capabilities_cmd(
    adapter: str = typer.Option("simulated", "--adapter", help="package.module:Class or simulated|file-exchange|sila2"),
    adapter_option: list[str] = typer.Option([], "--adapter-option", help=ADAPTER_OPTION_HELP),
    old_option: list[str] = typer.Option([], "-o", hidden=True, help="Deprecated spelling of --adapter-option."),
    as_json: bool = typer.Option(False, "--json", help="Print the capabilities as a JSON object."),
    mapping: Path | None = typer.Option(None, "--mapping", help="the reactor's TOML mapping file"),
) -> None:
    """Show what a reactor adapter can set and measure, in the schema's names and units (through its mapping)."""
    from nanosynth.lab.adapters.contract import as_contract
    from nanosynth.lab.adapters.loader import load_adapter, parse_options

    def _run():
        options = apps.deprecated_alias("-o", "--adapter-option", old_option, adapter_option)
        caps = as_contract(load_adapter(adapter, parse_options(options)), mapping).capabilities()
        if as_json:
            typer.echo(json.dumps(caps.model_dump(mode="json"), indent=1))
            return
        t = Table(title=caps.reactor)
        for c in ("parameter", "unit", "min", "max", "resolution"):
            t.add_column(c)
        for p in caps.parameters:
            t.add_row(p.name, p.unit, f"{p.min:g}", f"{p.max:g}", f"{p.resolution:g}")
        console.print(t)
        console.print("measures: " + ", ".join(caps.output_names))
        for c in caps.constraints:
            console.print(escape(f"constraint: {c.expression} ({c.description})"))
        if caps.product:
            console.print(f"product: {caps.product.composition} ({caps.product.method or 'any method'})")

    apps.run_guarded(_run)


@lab_app.command("campaign")
def campaign_cmd(
    target: list[str] = typer.Option([], "--target", help="abs_peak_nm=560, abs_peak_nm=550±3 (own tolerance), "
                                     "fwhm_mev<=110 or plqy>=0.5 (bounds) (repeatable)"),
    tolerance: float = typer.Option(3.0, "--tolerance", help="± tolerance of targets without their own (its unit)"),
    minimize: list[str] = typer.Option([], "--minimize", help="outcome to minimize, e.g. fwhm (repeatable)"),
    maximize: list[str] = typer.Option([], "--maximize", help="outcome to maximize, e.g. plqy (repeatable)"),
    mapping: Path | None = typer.Option(None, "--mapping", help="TOML file mapping the reactor's names to the "
                                        "schema's (default: the adapter's own; see docs/adapters.md)"),
    budget: int | None = typer.Option(None, "--budget", help="maximum number of experiments [default 20]"),
    adapter: str = typer.Option("simulated", "--adapter", help="package.module:Class or simulated|file-exchange|sila2"),
    adapter_option: list[str] = typer.Option([], "--adapter-option", help=ADAPTER_OPTION_HELP),
    old_option: list[str] = typer.Option([], "-o", hidden=True, help="Deprecated spelling of --adapter-option."),
    limit: list[str] = typer.Option([], "--safety-limit", help="name=min:max, e.g. temperature_c=150:280 or "
                                    "'temperature_c=150:280 degC' (repeatable; added to [lab] safety_limits of "
                                    "nanosynth.toml; stored with the campaign and kept on --resume)"),
    old_limit: list[str] = typer.Option([], "--limit", hidden=True, help="Deprecated spelling of --safety-limit."),
    prior: bool = typer.Option(True, "--prior/--no-prior", help="seed the planner with the literature prior "
                               "(default) or start from a space-filling design"),
    no_seed: bool = typer.Option(False, "--no-seed", hidden=True, help="Deprecated spelling of --no-prior."),
    resume: int | None = typer.Option(None, "--resume", help="continue campaign CAMPAIGN_ID"),
    out: Path | None = typer.Option(None, "--out", help="write the campaign report (JSON) here"),
    seed: int = typer.Option(0, "--seed", help="random seed of the planner"),
    batch_size: int = typer.Option(1, "--batch-size", help="experiments planned per optimization step"),
    initial: int | None = typer.Option(None, "--initial", help="size of the first batch [2 seeded, 5 --no-prior]"),
    on_fault: str = typer.Option("continue", "--on-fault", help="continue|stop after a hardware fault"),
    prior_dataset: str = typer.Option("cdse-hte", "--prior-dataset",
                                      help="dataset to fit a prior on when no registered model exists"),
    raw_dir: Path | None = typer.Option(None, "--raw-dir", help="folder for raw spectra [artifacts/campaigns]"),
    name: str | None = typer.Option(None, "--name", help="campaign name"),
) -> None:
    """Run a closed-loop campaign toward target outcomes (seeded from the database's models by default)."""
    from nanosynth.lab.adapters.loader import parse_options
    from nanosynth.lab.campaign import CampaignSettings, launch_campaign, parse_targets, resolve_minimize

    def _run():
        seeded = not apps.deprecated_alias("--no-seed", "--no-prior", no_seed, not prior)
        limits = apps.deprecated_alias("--limit", "--safety-limit", old_limit, limit)
        options = parse_options(apps.deprecated_alias("-o", "--adapter-option", old_option, adapter_option))
        settings = None
        if resume is None:
            parsed = parse_targets(target)
            if not parsed["targets"] and not parsed["bounds"]:
                raise ConfigError("give at least one --target, e.g. --target abs_peak_nm=560")
            settings = CampaignSettings(
                **parsed, tolerance=tolerance, minimize=resolve_minimize(minimize, parsed["targets"]),
                maximize=resolve_minimize(maximize, parsed["targets"]),
                budget=budget or 20, batch_size=batch_size, initial_size=initial or (2 if seeded else 5),
                seeded=seeded, seed=seed, on_fault=on_fault)
        engine = apps.open_db()
        try:
            result = launch_campaign(engine, settings, resume=resume, adapter=adapter, adapter_options=options,
                                     safety_limits=[*apps.settings().lab.safety_limits, *limits] or None,
                                     budget=budget, prior_dataset=prior_dataset,
                                     name=name, raw_dir=raw_dir or apps.settings().artifacts_dir / "campaigns",
                                     on_event=_event_printer(), mapping=mapping)
        finally:
            engine.dispose()
        _print_outcome(result, out)

    apps.run_guarded(_run)


def _print_outcome(result, out: Path | None) -> None:
    """The end of a campaign: summary line, best experiment, Pareto front (and the JSON report to ``out``)."""
    if out:
        out.write_text(json.dumps(result.report, indent=1, default=str))
    console.print(f"campaign {result.campaign_id} {result.status}: {result.experiments_run} experiments, "
                  f"experiments_to_target={result.experiments_to_target}")
    if result.best:
        console.print(escape(f"best: {result.best['parameters']} → {result.best['measured']}"))
    if result.report and (result.report["maximize"] or result.report["minimize"]):
        console.print(f"Pareto front ({len(result.report['pareto_front'])} experiments):")
        for row in result.report["pareto_front"]:
            console.print(escape(f"  exp {row['seq']}: {row['parameters']} → {row['measured']}"))


def _event_printer():
    """Progress lines: one when the campaign starts, one per finished experiment (its objective outcomes)."""
    outputs: list[str] = []

    def show(kind: str, info: dict) -> None:
        if kind == "started":
            outputs[:] = info["outputs"]
            console.print(f"campaign {info['campaign_id']}: {'resuming' if info['resumed'] else 'starting'} on "
                          f"{info['adapter']}")
            if info.get("unseeded"):
                console.print(escape(f"running unseeded: {info['unseeded']}"))
        elif kind == "finished":
            meas = (info.get("result") or {}).get("outcomes") or {}
            shown = ", ".join(f"{k}={meas[k]:.1f}" for k in outputs if meas.get(k) is not None)
            console.print(escape(f"  exp {info['seq']:>3} [{info['status']}] {shown} {info.get('error') or ''}"))

    return show


@lab_app.command("list")
def list_cmd(as_json: bool = typer.Option(False, "--json", help="Print a JSON array instead of a table.")) -> None:
    """List campaigns."""
    from nanosynth.db.campaigns import list_campaigns
    from nanosynth.db.engine import session_scope

    def _run():
        engine = apps.open_db()
        with session_scope(engine) as s:
            rows = list_campaigns(s)
        engine.dispose()
        if as_json:
            typer.echo(json.dumps([{"id": c.id, "name": c.name, "status": c.status, "adapter": c.adapter,
                                    "experiments": n, "created": c.created_at.isoformat(timespec="seconds")}
                                   for c, n in rows], indent=1))
            return
        t = Table()
        for c in ("id", "name", "status", "adapter", "experiments", "created"):
            t.add_column(c)
        for c, n in rows:
            t.add_row(str(c.id), escape(c.name), c.status, escape(c.adapter or ""), str(n),
                      c.created_at.isoformat(timespec="seconds"))
        console.print(t)

    apps.run_guarded(_run)


@lab_app.command("report")
def report_cmd(campaign_id: int = typer.Argument(...),
               out: Path | None = typer.Option(None, "--out", "-o", help="Write the report here, not to stdout."),
               as_json: bool = typer.Option(True, "--json", hidden=True, help="The report is always JSON.")) -> None:
    """Print (or write) a campaign's JSON report."""
    from nanosynth.lab.campaign import campaign_report

    def _run():
        engine = apps.open_db()
        try:
            text = json.dumps(campaign_report(engine, campaign_id), indent=1, default=str)
        finally:
            engine.dispose()
        if out:
            out.write_text(text)
        else:
            typer.echo(text)

    apps.run_guarded(_run)


@lab_app.command("reconcile")
def reconcile_cmd(
    campaign_id: int = typer.Argument(..., help="campaign to reconcile"),
    out_dir: Path | None = typer.Option(None, "--out-dir", help="report folder [artifacts/lab]"),
    prior_dataset: str = typer.Option("cdse-hte", "--prior-dataset", help="dataset of the literature prior"),
    adapter_option: list[str] = typer.Option([], "--adapter-option", help="key=value overriding a stored adapter "
                                             "option (repeatable)"),
    old_option: list[str] = typer.Option([], "-o", hidden=True, help="Deprecated spelling of --adapter-option."),
) -> None:
    """Lab vs literature: residuals, temperature offset, recalibrated model (registered), flagged records, plots."""
    from nanosynth.lab.adapters.loader import parse_options
    from nanosynth.lab.reconcile import reconcile_stored_campaign

    def _run():
        options = parse_options(apps.deprecated_alias("-o", "--adapter-option", old_option, adapter_option))
        engine = apps.open_db()
        try:
            report = reconcile_stored_campaign(engine, campaign_id, out_dir or apps.settings().artifacts_dir / "lab",
                                               prior_dataset=prior_dataset, adapter_options=options)
        finally:
            engine.dispose()
        for output, e in report["outputs"].items():
            console.print(f"{output}: n={e['n']} prior MAE {e['prior_mae']:.2f}, bias {e['prior_bias']:+.2f} "
                          f"(p={e['bias_p_value']:.2g}); fitted temperature offset {e['temperature_offset_c']:+.1f} °C "
                          f"({'significant' if e['temperature_offset_significant'] else 'not significant'}); "
                          f"recalibrated LOO MAE {e['recalibrated_loo_mae']:.2f}; "
                          f"{e.get('n_contradicted', 0)} literature records contradicted; "
                          f"model_artifact_id={e.get('model_artifact_id')}")
            console.print(f"  temperature offset: {e['temperature_offset_reason']}")
            if e.get("experiments_to_identify_offset"):
                console.print(f"  experiments that would identify it (run 'nanosynth lab calibrate --budget "
                              f"{len(e['experiments_to_identify_offset'])}'):")
                for d in e["experiments_to_identify_offset"]:
                    console.print(escape(f"    {d}"))
        console.print(f"report: {report['report_path']}")

    apps.run_guarded(_run)


@lab_app.command("calibrate")
def calibrate_cmd(
    adapter: str = typer.Option("simulated", "--adapter", help="package.module:Class or a built-in adapter name"),
    adapter_option: list[str] = typer.Option([], "--adapter-option", help=ADAPTER_OPTION_HELP),
    old_option: list[str] = typer.Option([], "-o", hidden=True, help="Deprecated spelling of --adapter-option."),
    budget: int = typer.Option(6, "--budget", help="number of calibration experiments"),
    output: str | None = typer.Option(None, "--output", help="outcome to calibrate on [abs_peak_nm or pl_peak_nm]"),
    mapping: Path | None = typer.Option(None, "--mapping", help="the reactor's TOML mapping file"),
    limit: list[str] = typer.Option([], "--safety-limit", help="safety limit name=min:max (repeatable)"),
    old_limit: list[str] = typer.Option([], "--limit", hidden=True, help="Deprecated spelling of --safety-limit."),
    prior_dataset: str = typer.Option("cdse-hte", "--prior-dataset", help="dataset of the literature prior"),
    seed: int = typer.Option(0, "--seed", help="seed of the design's candidate set"),
    raw_dir: Path | None = typer.Option(None, "--raw-dir", help="folder for raw spectra [artifacts/campaigns]"),
) -> None:
    """Plan and run the experiments that identify the reactor's temperature offset; fit it (a campaign)."""
    from nanosynth.lab.adapters.loader import parse_options
    from nanosynth.lab.temperature_offset import calibrate_adapter

    def _run():
        options = parse_options(apps.deprecated_alias("-o", "--adapter-option", old_option, adapter_option))
        limits = apps.deprecated_alias("--limit", "--safety-limit", old_limit, limit)
        engine = apps.open_db()
        try:
            cid, fit = calibrate_adapter(
                engine, adapter, options, budget=budget, output=output, mapping=mapping,
                safety_limits=[*apps.settings().lab.safety_limits, *limits] or None, prior_dataset=prior_dataset,
                seed=seed, raw_dir=raw_dir or apps.settings().artifacts_dir / "campaigns", on_event=_event_printer())
        finally:
            engine.dispose()
        console.print(f"calibration campaign {cid}: {fit.reason}; prior offset (bias) {fit.bias:+.2f}")
        console.print(fit.line())

    apps.run_guarded(_run)


@lab_app.command("serve-sila")
def serve_sila_cmd(
    port: int = typer.Option(50052, "--port"),
    host: str = typer.Option("127.0.0.1", "--host", help="loopback only without --tls"),
    tls: bool = typer.Option(False, "--tls", help="self-signed TLS generated at start"),
    adapter: str = typer.Option("simulated", "--adapter", help="adapter served over SiLA 2"),
    adapter_option: list[str] = typer.Option([], "--adapter-option", help=ADAPTER_OPTION_HELP),
    old_option: list[str] = typer.Option([], "-o", hidden=True, help="Deprecated spelling of --adapter-option."),
) -> None:
    """Serve a reactor adapter (the twin by default) as a SiLA 2 server until Ctrl-C."""
    import time

    from nanosynth.lab.adapters.loader import load_adapter, parse_options
    from nanosynth.lab.sila.server import ReactorSilaServer, check_loopback

    def _run():
        check_loopback(host)
        options = apps.deprecated_alias("-o", "--adapter-option", old_option, adapter_option)
        server = ReactorSilaServer(load_adapter(adapter, parse_options(options)))
        server.start_loopback(port, tls=tls)
        console.print(f"SiLA 2 ReactorController on {host}:{port} ({'TLS' if tls else 'no TLS'}); Ctrl-C to stop")
        try:
            while True:
                time.sleep(1)
        except KeyboardInterrupt:
            pass
        finally:
            server.stop()

    apps.run_guarded(_run)
