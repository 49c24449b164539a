"""Temperature-offset calibration (issue 17 point 7) on the digital twin with the prior the CLI really uses.

Protocol: the cdse-hte CSV files are imported with ``nanosynth db import -f cdse-hte`` into a scratch SQLite
database; the prior is what ``nanosynth lab calibrate`` finds there (no registered model, so the fallback fitted on
the imported rows: the source's default model, a GP smooth in temperature); for each seed and each true offset
(+15, −15, 0 °C) a fresh twin (``SimulatedReactor(seed, temperature_offset_c)``, random faults off) is calibrated
with ``budget`` experiments (:func:`nanosynth.lab.temperature_offset.calibrate_adapter`, the CLI's function) and the
fitted offset, its standard error and the significance verdict are recorded. The twin's chemistry differs from the
prior by ~6–8 nm (SD) per condition, as a real reactor differs from the literature.

    .venv/bin/python benchmarks/bench_calibration.py --seeds 0 1 2 3
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from nanosynth.db.engine import make_engine
from nanosynth.lab.temperature_offset import calibrate_adapter

REPO = Path(__file__).resolve().parents[1]
FILES = ("cdse_uv_train_val.csv", "cdse_pl_train_val.csv")


def scratch_database(data_dir: Path, folder: Path) -> str:
    """A SQLite database with the cdse-hte files imported through the CLI; returns its URL."""
    url = f"sqlite:///{folder / 'calibration.db'}"
    env = {**os.environ, "NANOSYNTH_DATABASE_URL": url}
    cli = [str(Path(os.sys.executable).with_name("nanosynth"))]
    subprocess.run([*cli, "db", "upgrade"], env=env, check=True, capture_output=True)
    for name in FILES:
        subprocess.run([*cli, "db", "import", "-f", "cdse-hte", str(data_dir / name)], env=env, check=True,
                       capture_output=True)
    return url


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data-dir", type=Path, default=REPO.parent / "shared" / "data" / "cdse_hte")
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3])
    ap.add_argument("--offsets", type=float, nargs="+", default=[15.0, -15.0, 0.0])
    ap.add_argument("--budget", type=int, default=6)
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(scratch_database(args.data_dir, Path(tmp)))
        for offset in args.offsets:
            for seed in args.seeds:
                t = time.perf_counter()
                options = {"seed": seed, "temperature_offset_c": offset, "p_injection_failure": 0.0,
                           "p_spectrometer_timeout": 0.0}
                _, fit = calibrate_adapter(engine, "simulated", options, budget=args.budget, seed=seed)
                rows.append({"offset": offset, "seed": seed, "fitted": round(fit.offset_c, 2),
                             "error": round(fit.offset_c - offset, 2), "se": round(fit.standard_error_c, 2),
                             "significant": fit.significant, "reason": fit.reason,
                             "wall_s": round(time.perf_counter() - t, 1)})
                print(json.dumps(rows[-1]), flush=True)
        engine.dispose()
    for offset in args.offsets:
        sel = [r for r in rows if r["offset"] == offset]
        errs = [abs(r["error"]) for r in sel]
        print(f"offset {offset:+g}: fitted {[r['fitted'] for r in sel]} mean |error| {statistics.mean(errs):.2f} "
              f"max {max(errs):.2f} within ±4: {sum(e <= 4 for e in errs)}/{len(errs)} "
              f"significant {sum(r['significant'] for r in sel)}/{len(sel)}")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
