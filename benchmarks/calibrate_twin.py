"""Calibrate the digital twin against ../shared/data/cdse_hte and write lab/twin_params.json.

Usage::

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/calibrate_twin.py [--data-dir ../shared/data/cdse_hte]
        [--cv-folds 5] [--out lab/twin_params.json]

Prints the twin's error (MAE, meV and nm) against the calibration data, in-sample and leave-experiments-out CV.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from nanosynth.lab.calibrate import calibrate

REPO = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data-dir", type=Path, default=REPO.parent / "shared" / "data" / "cdse_hte")
    ap.add_argument("--cv-folds", type=int, default=5)
    ap.add_argument("--out", type=Path, default=REPO / "lab" / "twin_params.json")
    args = ap.parse_args()
    t0 = time.perf_counter()
    cal = calibrate(args.data_dir, cv_folds=args.cv_folds)
    cal.metrics["wall_s"] = round(time.perf_counter() - t0, 1)
    args.out.write_text(json.dumps(cal.model_dump(mode="json"), indent=1) + "\n")
    print(f"wrote {args.out}")
    print(json.dumps(cal.metrics, indent=1))
    print("noise 1σ (meV) at", cal.noise_temperatures_c, "°C:")
    print("  abs peak", [round(v, 2) for v in cal.noise_abs_peak_mev])
    print("  abs FWHM", [round(v, 2) for v in cal.noise_abs_fwhm_mev])
    print("  PL peak ", [round(v, 2) for v in cal.noise_pl_peak_mev])
    print("  PL FWHM ", [round(v, 2) for v in cal.noise_pl_fwhm_mev])
    print(f"exciton absorbance = {cal.absorbance_scale:.3f} · converted_mM^{cal.absorbance_exponent:.3f}")


if __name__ == "__main__":
    main()
