"""Small dataset files written by the tests (same layout as the curated datasets, a few rows each)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

GU_COLUMNS = ["cationic precursor", "anionic precursor", "Nanocrystal Composition", "injection temperature/℃",
              "reaction temperature/℃", "reaction time/min"]
for _i in range(10):
    _s = "" if _i == 0 else f".{_i}"
    GU_COLUMNS += [f"additive amount/mmol{_s}", f"reactants{_s}"]
GU_COLUMNS += ["D/nm", "Size distribution/%", "shape", "Number of statistics", "DOI",
               "Using Segmentation Models/Y or N", "heating rate/℃ min-1"]


def gu_row(comp="PbSe", t_inj=140.0, t_rxn=140.0, minutes=5.0, reactants=(("PbO", 5.0), ("Se", 5.0),
           ("ODE", 46.9), ("OLA", 5.0), ("TOP", 5.6), ("OA", 22.2)), size="4.87", dist="6.49", shape="sphere",
           doi="10.1021/test.0001", cation="PbO,OA,OLA", anion="Se,TOP", rate=0):
    row = dict.fromkeys(GU_COLUMNS)
    row.update({"cationic precursor": cation, "anionic precursor": anion, "Nanocrystal Composition": comp,
                "injection temperature/℃": t_inj, "reaction temperature/℃": t_rxn, "reaction time/min": minutes,
                "D/nm": size, "Size distribution/%": dist, "shape": shape, "Number of statistics": 100,
                "DOI": doi, "Using Segmentation Models/Y or N": "Y", "heating rate/℃ min-1": rate})
    for i, (name, amount) in enumerate(reactants):
        s = "" if i == 0 else f".{i}"
        row[f"reactants{s}"] = name
        row[f"additive amount/mmol{s}"] = amount
    return row


def write_gu(path: Path, rows: list[dict]) -> Path:
    pd.DataFrame(rows, columns=GU_COLUMNS).to_excel(path, index=False)
    return path


LIT_HEADER = ("Injection Temp (Celsius),Growth Temp (Celsius),Metal_source,Metal_amount (g),Metal_mmol (mmol),"
              "Metal_concentration (mmol/g),Chalcogen_source,Chalcogen_amount (g),Chalcogen_mmol (mmol),"
              "Chalcogen_concentration (mmol/g),Metal/Se_ratio,Carboxylic_Acid,CA_amount (g),CA_mmol (mmol),"
              "Cd/CA_ratio,Amines,Amines_amount (g),Amines_mmol (mmol),Phosphines,Phosphines_amount (g),"
              "Phosphines_mmol (mmol),Chalcogen/Ph_ratio,Solvent I,S_I_amount (g),Solvent II,S_II_amount (g),"
              "Total_amount (g),Time_min (min),Diameter_nm,Absorbance max (nm),PL max (nm),Diameter from,Citation")
LIT_ROWS = [
    "300,300,cadmium stearate,0.13,0.2,0.02,Se powder,0.06,0.8,0.07,0.25,None,0,0,0,octadecylamine,0.2,0.7,"
    "trioctylphosphine,1.25,3.38,0.24,octadecene,10,None,0,11.65,5,3.41,566,575,TEM,"
    "J. Phys. Chem. C 2012 116 47 25065 - 25073",
    "225,225,cadmium oxide,0.01,0.1,0.01,Se powder,0.03,0.38,0.04,0.27,oleic acid,0.54,1.9,0.05,None,0,0,"
    "trioctylphosphine,0.33,0.9,0.42,octadecene,7.89,None,0,8.8,0.5,2.5,474,617,absorbance spectra,"
    "Colloids and Surfaces A 2016 494 162 - 169",
]

HTE_UV_HEADER = "Expt. No,T_external,Cd_mM,Se_mM,OA_Cd_ratio,T_reactor,t_s,Peak_nm,FWHM_nm,height,Peak_eV,FWHM_eV,height"
HTE_UV_ROWS = ["17,21.86,5,5,3,210,10.001,410.067,28.963,0.086,3.024,0.206,0.086",
               "17,21.86,5,5,3,210,20.95,419.594,29.121,0.098,2.955,0.198,0.098",
               "18,21.86,10,5,10,230,20.95,470.0,30.0,0.1,2.638,0.17,0.1"]
HTE_PL_HEADER = "Expt. No,T_external,Cd_mM,Se_mM,OA_Cd_ratio,T_reactor,t_s,Peak_nm,FWHM_nm,Peak_eV,FWHM_eV,height"
HTE_PL_ROWS = ["17,21.86,5,5,3,210,20.95,444.389,25.658,2.79,0.162,481.334",
               "17,21.86,5,5,3,210,30.96,447.594,23.844,2.77,0.148,777.288"]


@pytest.fixture()
def gu_file(tmp_path) -> Path:
    return write_gu(tmp_path / "gu.xlsx", [
        gu_row(),
        gu_row(comp="CdSe-1", reactants=(("CdO", 0.2), ("Se", 0.2), ("OA", 1.0), ("ODE", 30.0)),
               cation="CdO,OA", anion="Se", size="3.1", dist="8", shape="quasi-spherical", t_inj=25, t_rxn=240),
        gu_row(comp="Au", reactants=(("HAuCl4", 0.1), ("AgNO3", 0.01), ("NaBH4", 0.5), ("H2O", 500.0)),
               cation="HAuCl4", anion="", size="?", dist="？", shape="rod", doi="self-synthesis", t_inj=25, t_rxn=25),
    ])


@pytest.fixture()
def lit_file(tmp_path) -> Path:
    path = tmp_path / "cdse_literature.csv"
    path.write_text("\n".join([LIT_HEADER, *LIT_ROWS]) + "\n")
    return path


@pytest.fixture()
def hte_files(tmp_path) -> tuple[Path, Path]:
    uv = tmp_path / "cdse_uv_train_val.csv"
    uv.write_text("\n".join([HTE_UV_HEADER, *HTE_UV_ROWS]) + "\n")
    pl = tmp_path / "cdse_pl_train_val.csv"
    pl.write_text("\n".join([HTE_PL_HEADER, *HTE_PL_ROWS]) + "\n")
    return uv, pl


@pytest.fixture()
def engine(any_db_url):
    """In the db suite every test runs on a migrated SQLite file and (when configured) PostgreSQL."""
    from nanosynth.db.engine import make_engine
    from nanosynth.db.migrate import upgrade

    upgrade(any_db_url)
    eng = make_engine(any_db_url)
    yield eng
    eng.dispose()
