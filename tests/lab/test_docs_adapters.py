"""docs/adapters.md: the minimal adapter (under 60 lines) and its mapping file run a campaign as documented."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from typer.testing import CliRunner

from nanosynth.cli.main import app
from nanosynth.lab.adapters.contract import as_contract
from nanosynth.lab.campaign import CampaignSettings, parse_targets, run_campaign

DOC = Path(__file__).resolve().parents[2] / "docs" / "adapters.md"


def _blocks(lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)


def _toy():
    code = next(b for b in _blocks("python") if b.startswith("# minimal adapter"))
    assert len(code.strip().splitlines()) < 60
    namespace: dict = {}
    exec(compile(code, str(DOC), "exec"), namespace)  # noqa: S102 - the documented example, on purpose
    return namespace["ToyReactor"], tomllib.loads(_blocks("toml")[0])


def test_minimal_adapter_runs_a_campaign_through_its_mapping(engine):
    toy, mapping = _toy()
    caps = as_contract(toy(), mapping).capabilities()
    assert caps.parameter_names == ["temperature_c", "precursor_flow_ml_min", "quench_flow_ml_min"]
    assert caps.parameters[0].unit == "degC" and caps.parameters[1].max == 0.8
    assert "pl_peak_nm" in caps.output_names
    settings = CampaignSettings(**parse_targets(["pl_peak_nm=500±3"]), budget=12, seeded=False, initial_size=4,
                                seed=2, n_candidates=512)
    out = run_campaign(engine, toy(), settings, mapping=mapping)
    assert out.status == "done" and out.experiments_to_target is not None
    for row in out.report["experiments"]:
        p = row["parameters"]
        assert 1000 * (p["precursor_flow_ml_min"] + p["quench_flow_ml_min"]) <= 1000 + 1e-6


def test_capabilities_command_shows_the_schema_view():
    res = CliRunner().invoke(app, ["lab", "capabilities", "--adapter", "cspbbr3-flow"])
    assert res.exit_code == 0, res.output
    assert "temperature_c" in res.output and "degC" in res.output and "mL/min" in res.output
    assert "constraint:" in res.output and "product: CsPbBr3" in res.output
