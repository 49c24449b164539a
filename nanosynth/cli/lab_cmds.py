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


def _targets(items: list[str]) -> dict[str, float]:
    out = {}
    for item in items:
        key, sep, value = item.partition("=")
        try:
            out[key.strip()] = float(value)
        except ValueError as exc:
            raise ConfigError(f"--target {item!r} must look like abs_peak_nm=560") from exc
        if not sep:
            raise ConfigError(f"--target {item!r} must look like abs_peak_nm=560")
    return out


def _limits(items: list[str]) -> dict[str, list[float | None]]:
    out: dict[str, list[float | None]] = {}
    for item in items:
        key, sep, rng = item.partition("=")
        lo, colon, hi = rng.partition(":")
        if not sep or not colon:
            raise ConfigError(f"--limit {item!r} must look like temperature_c=150:280 (either end may be empty)")
        try:
            out[key.strip()] = [float(lo) if lo.strip() else None, float(hi) if hi.strip() else None]
        except ValueError as exc:
            raise ConfigError(f"--limit {item!r}: bounds must be numbers") from exc
    return out


def _engine():
    from nanosynth.db.engine import make_engine

    return make_engine(apps.settings().database_url)


@lab_app.command("capabilities")
def capabilities_cmd(
    adapter: str = typer.Option("simulated", "--adapter", help="package.module:Class or simulated|file-exchange|sila2"),
    adapter_option: list[str] = typer.Option([], "--adapter-option", "-o", help="key=value option (repeatable)"),
) -> None:
    """Show what a reactor adapter can set and measure."""
    from nanosynth.lab.adapters.loader import load_adapter, parse_options

    def _run():
        caps = load_adapter(adapter, parse_options(adapter_option)).capabilities()
        t = Table(title=caps.reactor)
        for c in ("parameter", "unit", "min", "max", "resolution"):
            t.add_column(c)
        for p in caps.parameters:
            t.add_row(p.name, p.unit, f"{p.min:g}", f"{p.max:g}", f"{p.resolution:g}")
        console.print(t)
        console.print("measures: " + ", ".join(caps.output_names))

    apps.run_guarded(_run)


@lab_app.command("campaign")
def campaign_cmd(
    target: list[str] = typer.Option([], "--target", help="outcome=value, e.g. abs_peak_nm=560 (repeatable)"),
    tolerance: float = typer.Option(3.0, "--tolerance", help="± tolerance of every target (its unit)"),
    minimize: list[str] = typer.Option([], "--minimize", help="outcome to minimize, e.g. fwhm (repeatable)"),
    budget: int | None = typer.Option(None, "--budget", help="maximum number of experiments [default 20]"),
    adapter: str = typer.Option("simulated", "--adapter", help="package.module:Class or simulated|file-exchange|sila2"),
    adapter_option: list[str] = typer.Option([], "--adapter-option", "-o", help="key=value (JSON values ok)"),
    limit: list[str] = typer.Option([], "--limit", help="safety limit name=min:max (repeatable)"),
    no_seed: bool = typer.Option(False, "--no-seed", help="start from a space-filling design, no literature prior"),
    resume: int | None = typer.Option(None, "--resume", help="continue campaign CAMPAIGN_ID"),
    out: Path | None = typer.Option(None, "--out", help="write the campaign report (JSON) here"),
    seed: int = typer.Option(0, "--seed", help="random seed of the planner"),
    batch_size: int = typer.Option(1, "--batch-size", help="experiments planned per optimization step"),
    initial: int | None = typer.Option(None, "--initial", help="size of the first batch [2 seeded, 5 --no-seed]"),
    on_fault: str = typer.Option("continue", "--on-fault", help="continue|stop after a hardware fault"),
    prior_dataset: str = typer.Option("cdse-hte", "--prior-dataset",
                                      help="dataset to fit a prior on when no registered model exists"),
    raw_dir: Path | None = typer.Option(None, "--raw-dir", help="folder for raw spectra [artifacts/campaigns]"),
    name: str | None = typer.Option(None, "--name", help="campaign name"),
) -> None:
    """Run a closed-loop campaign toward target outcomes (seeded from the database's models by default)."""
    from nanosynth.db.engine import session_scope
    from nanosynth.lab.adapters.loader import load_adapter, parse_options
    from nanosynth.lab.campaign import CampaignRunner, CampaignSettings, campaign_report, load_settings, resolve_minimize
    from nanosynth.lab.prior import database_priors

    def _run():
        engine = _engine()
        if resume is not None:
            stored = load_settings(engine, resume)
            options = {**stored.adapter_options, **parse_options(adapter_option)}
            if limit:
                options["safety_limits"] = _limits(limit)
            reactor = load_adapter(adapter if adapter != "simulated" or not stored.adapter else stored.adapter, options)
            settings = stored
        else:
            targets = _targets(target)
            if not targets:
                raise ConfigError("give at least one --target, e.g. --target abs_peak_nm=560")
            options = parse_options(adapter_option)
            if limit:
                options["safety_limits"] = _limits(limit)
            reactor = load_adapter(adapter, options)
            settings = CampaignSettings(
                targets=targets, tolerance=tolerance, minimize=resolve_minimize(minimize, targets),
                budget=budget or 20, batch_size=batch_size, initial_size=initial or (5 if no_seed else 2),
                seeded=not no_seed, seed=seed,
                on_fault=on_fault, adapter=adapter if ":" in adapter else None, adapter_options=options)
        priors = {}
        artifact_id = None
        if settings.seeded:
            with session_scope(engine) as s:
                priors, info = database_priors(s, settings.objective().outputs, dataset=prior_dataset,
                                               random_state=settings.seed)
            settings = settings.model_copy(update={"prior": info})
            artifact_id = next((v.get("model_artifact_id") for v in info.values() if isinstance(v, dict)
                                and v.get("model_artifact_id")), None)

        def event(kind: str, exp: dict) -> None:
            if kind == "finished":
                meas = (exp.get("result") or {}).get("outcomes") or {}
                shown = ", ".join(f"{k}={meas[k]:.1f}" for k in settings.objective().outputs if meas.get(k) is not None)
                console.print(escape(f"  exp {exp['seq']:>3} [{exp['status']}] {shown} {exp.get('error') or ''}"))

        runner = CampaignRunner(engine, reactor, priors, raw_dir=raw_dir or apps.settings().artifacts_dir / "campaigns",
                                on_event=event)
        cid = resume if resume is not None else runner.create(settings, name=name, model_artifact_id=artifact_id)
        console.print(f"campaign {cid}: {'resuming' if resume is not None else 'starting'} on {type(reactor).__name__}")
        result = runner.run(cid, budget=budget if resume is not None else None)
        report = campaign_report(engine, cid)
        if out:
            out.write_text(json.dumps(report, indent=1, default=str))
        console.print(f"campaign {cid} {result.status}: {result.experiments_run} experiments, "
                      f"experiments_to_target={result.experiments_to_target}")
        if result.best:
            console.print(f"best: {result.best['parameters']} → {result.best['measured']}")

    apps.run_guarded(_run)


@lab_app.command("list")
def list_cmd() -> None:
    """List campaigns."""
    from sqlmodel import select

    from nanosynth.db.engine import session_scope
    from nanosynth.schema.tables import Campaign, Experiment

    def _run():
        with session_scope(_engine()) as s:
            t = Table()
            for c in ("id", "name", "status", "adapter", "experiments", "created"):
                t.add_column(c)
            for c in s.exec(select(Campaign).order_by(Campaign.id)).all():
                n = len(s.exec(select(Experiment.id).where(Experiment.campaign_id == c.id)).all())
                t.add_row(str(c.id), c.name, c.status, c.adapter or "", str(n), c.created_at.isoformat(timespec="seconds"))
        console.print(t)

    apps.run_guarded(_run)


@lab_app.command("report")
def report_cmd(campaign_id: int = typer.Argument(...), out: Path | None = typer.Option(None, "--out")) -> None:
    """Print (or write) a campaign's JSON report."""
    from nanosynth.lab.campaign import campaign_report

    def _run():
        text = json.dumps(campaign_report(_engine(), campaign_id), indent=1, default=str)
        if out:
            out.write_text(text)
        else:
            console.print_json(text)

    apps.run_guarded(_run)


@lab_app.command("reconcile")
def reconcile_cmd(
    campaign_id: int = typer.Argument(..., help="campaign to reconcile"),
    out_dir: Path | None = typer.Option(None, "--out-dir", help="report folder [artifacts/lab]"),
    prior_dataset: str = typer.Option("cdse-hte", "--prior-dataset", help="dataset of the literature prior"),
    adapter_option: list[str] = typer.Option([], "--adapter-option", "-o", help="override stored adapter options"),
) -> None:
    """Lab vs literature: residuals, temperature offset, recalibrated model (registered), flagged records, plots."""
    from nanosynth.db.engine import session_scope
    from nanosynth.lab.adapters.loader import load_adapter, parse_options
    from nanosynth.lab.campaign import load_settings
    from nanosynth.lab.prior import database_priors, database_table
    from nanosynth.lab.reconcile import reconcile_campaign

    def _run():
        engine = _engine()
        settings = load_settings(engine, campaign_id)
        reactor = load_adapter(settings.adapter or "simulated",
                               {**settings.adapter_options, **parse_options(adapter_option)})
        outputs = [o for o in settings.objective().outputs]
        with session_scope(engine) as s:
            priors, info = database_priors(s, outputs, dataset=prior_dataset, random_state=settings.seed)
            literature = database_table(s, prior_dataset)
        report = reconcile_campaign(engine, campaign_id, priors, reactor.capabilities(),
                                    out_dir or apps.settings().artifacts_dir / "lab",
                                    safety_limits=reactor.safety_limits, literature=literature, prior_info=info)
        for out, e in report["outputs"].items():
            console.print(f"{out}: n={e['n']} prior MAE {e['prior_mae']:.2f}, bias {e['prior_bias']:+.2f} "
                          f"(p={e['bias_p_value']:.2g}); fitted temperature offset {e['temperature_offset_c']:+.1f} °C "
                          f"({'significant' if e['temperature_offset_significant'] else 'not significant'}); "
                          f"recalibrated LOO MAE {e['recalibrated_loo_mae']:.2f}; "
                          f"{e.get('n_contradicted', 0)} literature records contradicted; "
                          f"model_artifact_id={e.get('model_artifact_id')}")
        console.print(f"report: {report['report_path']}")

    apps.run_guarded(_run)


@lab_app.command("serve-sila")
def serve_sila_cmd(
    port: int = typer.Option(50052, "--port"),
    host: str = typer.Option("127.0.0.1", "--host", help="loopback only without --tls"),
    tls: bool = typer.Option(False, "--tls", help="self-signed TLS generated at start"),
    adapter: str = typer.Option("simulated", "--adapter", help="adapter served over SiLA 2"),
    adapter_option: list[str] = typer.Option([], "--adapter-option", "-o"),
) -> None:
    """Serve a reactor adapter (the twin by default) as a SiLA 2 server until Ctrl-C."""
    import time

    from nanosynth.lab.adapters.loader import load_adapter, parse_options
    from nanosynth.lab.sila.server import ReactorSilaServer, check_loopback

    def _run():
        check_loopback(host)
        server = ReactorSilaServer(load_adapter(adapter, parse_options(adapter_option)))
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
