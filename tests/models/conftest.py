"""Small synthetic recipe frames for the models tests (no database, no shared data)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from nanosynth.models.features import Frames, frames_for_conditions

FAST = {"n_members": 3, "n_estimators": 40, "max_depth": 3}
FAST_NN = {"n_members": 2, "epochs": 10, "hidden": 16}


def synthetic_hte(n_expt: int = 12, times=(10, 30, 60, 120, 240, 480), seed: int = 0) -> Frames:
    """CdSe-like aliquots: peak red-shifts with temperature, time and Se/Cd; FWHM narrows with time."""
    rng = np.random.default_rng(seed)
    rows = []
    for e in range(n_expt):
        t_c = float(rng.choice([210, 240, 270, 300]))
        cd, se, oa = float(rng.choice([5, 10, 20])), float(rng.choice([5, 10, 20])), float(rng.choice([3, 10, 40]))
        for t in times:
            rows.append({"temperature_c": t_c, "cd_mm": cd, "se_mm": se, "oa_cd_ratio": oa, "time_s": float(t),
                         "expt": e})
    cond = pd.DataFrame(rows)
    frames = frames_for_conditions(cond)
    frames.recipes["series_key"] = [f"expt{e}" for e in cond["expt"]]
    frames.recipes["dataset"] = "cdse-hte"
    peak = 430 + 0.3 * (cond["temperature_c"] - 210) + 12 * np.log10(cond["time_s"]) + 0.5 * cond["se_mm"] \
        + rng.normal(0, 1.0, len(cond))
    pl = peak + 12
    fwhm = 180 - 15 * np.log10(cond["time_s"]) + rng.normal(0, 2, len(cond))
    out = []
    for rid in range(len(cond)):
        out += [(rid, "abs_peak_nm", float(peak[rid]), None, "absorption", "UV-vis"),
                (rid, "pl_peak_nm", float(pl[rid]), None, "pl", "PL"),
                (rid, "fwhm_mev", float(fwhm[rid]), None, "absorption", "UV-vis"),
                (rid, "fwhm_mev", float(fwhm[rid] - 20), None, "pl", "PL")]
    frames.outcomes = pd.DataFrame(out, columns=["recipe_id", "property", "value", "value_text", "spectrum",
                                                 "method"])
    return frames


def synthetic_recipes(n: int = 60, seed: int = 0) -> Frames:
    """Gu-like recipes of two compositions with mmol amounts, sizes and shapes."""
    rng = np.random.default_rng(seed)
    recipes, chems, steps, outs = [], [], [], []
    for rid in range(n):
        comp = "PbSe" if rid % 2 else "CdSe"
        cat = "PbO" if comp == "PbSe" else "CdO"
        t = float(rng.uniform(120, 300))
        oa = float(rng.uniform(1, 20))
        recipes.append({"recipe_id": rid, "source_key": f"syn:{rid}", "source_kind": "curated_dataset",
                        "dataset": "gu2024", "series_key": None, "method": "hot_injection",
                        "target_composition": comp, "target_phase": None, "success": True, "paper_id": None,
                        "doi": f"10.1/p{rid // 4}", "citation": None})
        for name, formula, role, mmol in ((cat.lower(), cat, "cation_precursor", 1.0),
                                          ("Se", "Se", "anion_precursor", 1.0),
                                          ("oleic acid", "C18H34O2", "ligand", oa),
                                          ("1-octadecene", "C18H36", "solvent", 30.0)):
            chems.append({"recipe_id": rid, "name_raw": name, "name": name, "formula": formula, "role": role,
                          "amount_mmol": mmol, "amount_ml": None, "amount_g": None, "concentration_mm": None,
                          "ratio": None, "amount_raw": f"{mmol} mmol"})
        steps += [{"recipe_id": rid, "order": 0, "action": "inject", "temperature_c": t, "temperature_k": t + 273.15,
                   "time_s": None, "heating_rate_k_min": None, "atmosphere": None, "injection_volume_ml": None},
                  {"recipe_id": rid, "order": 1, "action": "grow", "temperature_c": t, "temperature_k": t + 273.15,
                   "time_s": 300.0, "heating_rate_k_min": None, "atmosphere": None, "injection_volume_ml": None}]
        size = 2 + (t - 120) / 30 + (3 if comp == "PbSe" else 0) + rng.normal(0, 0.3)
        outs += [{"recipe_id": rid, "property": "size_nm", "value": size, "value_text": None, "spectrum": None,
                  "method": "TEM"},
                 {"recipe_id": rid, "property": "shape", "value": None,
                  "value_text": "cube" if oa > 10 else "sphere", "spectrum": None, "method": "TEM"}]
    return Frames(pd.DataFrame(recipes), pd.DataFrame(chems), pd.DataFrame(steps), pd.DataFrame(outs))


@pytest.fixture()
def hte_frames() -> Frames:
    return synthetic_hte()


@pytest.fixture()
def recipe_frames_small() -> Frames:
    return synthetic_recipes()


@pytest.fixture(scope="module")
def grid_frames() -> Frames:
    """A larger microreactor-like grid (24 experiments × 4 aliquots) for the level-out protocols."""
    return synthetic_hte(n_expt=24, times=(10, 30, 90, 270))
