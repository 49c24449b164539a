"""Chemical names: abbreviation dictionary, name normalization, formula parsing, molar masses, role guesses.

The dictionary covers the chemicals of colloidal nanocrystal synthesis (precursors, ligands, solvents, reducing
agents). Unknown names are normalized conservatively (case, whitespace, unicode) and never invented.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass

from nanosynth.schema.elements import ANION_ELEMENTS, ELEMENTS, NONMETALS
from nanosynth.schema.enums import ChemicalRole
from nanosynth.schema.errors import SchemaValidationError

R = ChemicalRole


@dataclass(frozen=True)
class ChemicalInfo:
    """What the dictionary knows of a chemical."""

    name: str
    formula: str | None
    role: ChemicalRole
    density_g_ml: float | None = None


# name → info. Keys of _ABBREVIATIONS and _SYNONYMS point into this table.
_CHEMICALS: dict[str, ChemicalInfo] = {c.name: c for c in [
    # ligands / surfactants
    ChemicalInfo("oleic acid", "C18H34O2", R.LIGAND, 0.895),
    ChemicalInfo("oleylamine", "C18H37N", R.LIGAND, 0.813),
    ChemicalInfo("trioctylphosphine", "C24H51P", R.LIGAND, 0.831),
    ChemicalInfo("trioctylphosphine oxide", "C24H51OP", R.LIGAND, 0.88),
    ChemicalInfo("tributylphosphine", "C12H27P", R.LIGAND, 0.81),
    ChemicalInfo("diphenylphosphine", "C12H11P", R.LIGAND, 1.07),
    ChemicalInfo("1-dodecanethiol", "C12H26S", R.LIGAND, 0.845),
    ChemicalInfo("octadecylphosphonic acid", "C18H39O3P", R.LIGAND),
    ChemicalInfo("tetradecylphosphonic acid", "C14H31O3P", R.LIGAND),
    ChemicalInfo("hexylphosphonic acid", "C6H15O3P", R.LIGAND),
    ChemicalInfo("octadecylamine", "C18H39N", R.LIGAND),
    ChemicalInfo("hexadecylamine", "C16H35N", R.LIGAND),
    ChemicalInfo("dodecylamine", "C12H27N", R.LIGAND),
    ChemicalInfo("octylamine", "C8H19N", R.LIGAND, 0.782),
    ChemicalInfo("stearic acid", "C18H36O2", R.LIGAND),
    ChemicalInfo("myristic acid", "C14H28O2", R.LIGAND),
    ChemicalInfo("lauric acid", "C12H24O2", R.LIGAND),
    ChemicalInfo("palmitic acid", "C16H32O2", R.LIGAND),
    ChemicalInfo("decanoic acid", "C10H20O2", R.LIGAND),
    ChemicalInfo("octanoic acid", "C8H16O2", R.LIGAND, 0.91),
    ChemicalInfo("cetyltrimethylammonium bromide", "C19H42BrN", R.LIGAND),
    ChemicalInfo("cetyltrimethylammonium chloride", "C19H42ClN", R.LIGAND),
    ChemicalInfo("polyvinylpyrrolidone", None, R.LIGAND),
    ChemicalInfo("trisodium citrate", "C6H5Na3O7", R.LIGAND),
    ChemicalInfo("sodium oleate", "C18H33NaO2", R.LIGAND),
    ChemicalInfo("didodecyldimethylammonium bromide", "C26H56BrN", R.LIGAND),
    # solvents
    ChemicalInfo("1-octadecene", "C18H36", R.SOLVENT, 0.789),
    ChemicalInfo("dibenzyl ether", "C14H14O", R.SOLVENT, 1.043),
    ChemicalInfo("diphenyl ether", "C12H10O", R.SOLVENT, 1.07),
    ChemicalInfo("octyl ether", "C16H34O", R.SOLVENT, 0.806),
    ChemicalInfo("trioctylamine", "C24H51N", R.SOLVENT, 0.809),
    ChemicalInfo("squalane", "C30H62", R.SOLVENT, 0.81),
    ChemicalInfo("paraffin oil", None, R.SOLVENT, 0.85),
    ChemicalInfo("water", "H2O", R.SOLVENT, 1.0),
    ChemicalInfo("ethylene glycol", "C2H6O2", R.SOLVENT, 1.113),
    ChemicalInfo("ethanol", "C2H6O", R.SOLVENT, 0.789),
    ChemicalInfo("methanol", "CH4O", R.SOLVENT, 0.792),
    ChemicalInfo("toluene", "C7H8", R.SOLVENT, 0.867),
    ChemicalInfo("hexane", "C6H14", R.SOLVENT, 0.655),
    ChemicalInfo("chloroform", "CHCl3", R.SOLVENT, 1.49),
    ChemicalInfo("acetone", "C3H6O", R.SOLVENT, 0.784),
    ChemicalInfo("N,N-dimethylformamide", "C3H7NO", R.SOLVENT, 0.944),
    ChemicalInfo("dimethyl sulfoxide", "C2H6OS", R.SOLVENT, 1.1),
    ChemicalInfo("octane", "C8H18", R.SOLVENT, 0.703),
    ChemicalInfo("mesitylene", "C9H12", R.SOLVENT, 0.86),
    # anion precursors
    ChemicalInfo("selenium", "Se", R.ANION_PRECURSOR),
    ChemicalInfo("sulfur", "S", R.ANION_PRECURSOR),
    ChemicalInfo("tellurium", "Te", R.ANION_PRECURSOR),
    ChemicalInfo("trioctylphosphine selenide", "C24H51PSe", R.ANION_PRECURSOR),
    ChemicalInfo("trioctylphosphine sulfide", "C24H51PS", R.ANION_PRECURSOR),
    ChemicalInfo("trioctylphosphine telluride", "C24H51PTe", R.ANION_PRECURSOR),
    ChemicalInfo("tributylphosphine selenide", "C12H27PSe", R.ANION_PRECURSOR),
    ChemicalInfo("bis(trimethylsilyl) sulfide", "C6H18SSi2", R.ANION_PRECURSOR, 0.846),
    ChemicalInfo("bis(trimethylsilyl) selenide", "C6H18SeSi2", R.ANION_PRECURSOR),
    ChemicalInfo("tris(trimethylsilyl)phosphine", "C9H27PSi3", R.ANION_PRECURSOR, 0.863),
    ChemicalInfo("tris(dimethylamino)phosphine", "C6H18N3P", R.ANION_PRECURSOR, 0.898),
    ChemicalInfo("thioacetamide", "C2H5NS", R.ANION_PRECURSOR),
    ChemicalInfo("thiourea", "CH4N2S", R.ANION_PRECURSOR),
    ChemicalInfo("sodium sulfide", "Na2S", R.ANION_PRECURSOR),
    ChemicalInfo("selenium dioxide", "SeO2", R.ANION_PRECURSOR),
    # cation precursors
    ChemicalInfo("cadmium oxide", "CdO", R.CATION_PRECURSOR),
    ChemicalInfo("cadmium acetate", "C4H6CdO4", R.CATION_PRECURSOR),
    ChemicalInfo("cadmium stearate", "C36H70CdO4", R.CATION_PRECURSOR),
    ChemicalInfo("cadmium oleate", "C36H66CdO4", R.CATION_PRECURSOR),
    ChemicalInfo("cadmium myristate", "C28H54CdO4", R.CATION_PRECURSOR),
    ChemicalInfo("cadmium acetylacetonate", "C10H14CdO4", R.CATION_PRECURSOR),
    ChemicalInfo("dimethylcadmium", "C2H6Cd", R.CATION_PRECURSOR),
    ChemicalInfo("lead(II) oxide", "PbO", R.CATION_PRECURSOR),
    ChemicalInfo("lead(II) chloride", "PbCl2", R.CATION_PRECURSOR),
    ChemicalInfo("lead(II) bromide", "PbBr2", R.CATION_PRECURSOR),
    ChemicalInfo("lead(II) iodide", "PbI2", R.CATION_PRECURSOR),
    ChemicalInfo("lead(II) acetate", "C4H6O4Pb", R.CATION_PRECURSOR),
    ChemicalInfo("lead oleate", "C36H66O4Pb", R.CATION_PRECURSOR),
    ChemicalInfo("cesium carbonate", "Cs2CO3", R.CATION_PRECURSOR),
    ChemicalInfo("cesium oleate", "C18H33CsO2", R.CATION_PRECURSOR),
    ChemicalInfo("zinc acetate", "C4H6O4Zn", R.CATION_PRECURSOR),
    ChemicalInfo("zinc oleate", "C36H66O4Zn", R.CATION_PRECURSOR),
    ChemicalInfo("zinc stearate", "C36H70O4Zn", R.CATION_PRECURSOR),
    ChemicalInfo("zinc oxide", "ZnO", R.CATION_PRECURSOR),
    ChemicalInfo("diethylzinc", "C4H10Zn", R.CATION_PRECURSOR),
    ChemicalInfo("indium(III) chloride", "InCl3", R.CATION_PRECURSOR),
    ChemicalInfo("indium(III) acetate", "C6H9InO6", R.CATION_PRECURSOR),
    ChemicalInfo("indium myristate", "C42H81InO6", R.CATION_PRECURSOR),
    ChemicalInfo("chloroauric acid", "HAuCl4", R.CATION_PRECURSOR),
    ChemicalInfo("silver nitrate", "AgNO3", R.CATION_PRECURSOR),
    ChemicalInfo("copper(I) iodide", "CuI", R.CATION_PRECURSOR),
    ChemicalInfo("copper(II) acetylacetonate", "C10H14CuO4", R.CATION_PRECURSOR),
    ChemicalInfo("iron(III) acetylacetonate", "C15H21FeO6", R.CATION_PRECURSOR),
    ChemicalInfo("iron pentacarbonyl", "C5FeO5", R.CATION_PRECURSOR, 1.45),
    ChemicalInfo("iron oleate", "C54H99FeO6", R.CATION_PRECURSOR),
    ChemicalInfo("platinum(II) acetylacetonate", "C10H14O4Pt", R.CATION_PRECURSOR),
    ChemicalInfo("chloroplatinic acid", "H2PtCl6", R.CATION_PRECURSOR),
    ChemicalInfo("palladium(II) acetylacetonate", "C10H14O4Pd", R.CATION_PRECURSOR),
    ChemicalInfo("manganese(II) chloride", "MnCl2", R.CATION_PRECURSOR),
    # reducing agents
    ChemicalInfo("sodium borohydride", "BH4Na", R.REDUCING_AGENT),
    ChemicalInfo("ascorbic acid", "C6H8O6", R.REDUCING_AGENT),
    ChemicalInfo("hydrazine", "H4N2", R.REDUCING_AGENT),
    ChemicalInfo("1,2-hexadecanediol", "C16H34O2", R.REDUCING_AGENT),
    ChemicalInfo("borane tert-butylamine", "C4H14BN", R.REDUCING_AGENT),
    ChemicalInfo("tetrakis(hydroxymethyl)phosphonium chloride", "C4H12ClO4P", R.REDUCING_AGENT),
    ChemicalInfo("glucose", "C6H12O6", R.REDUCING_AGENT),
    ChemicalInfo("diethylene glycol", "C4H10O3", R.SOLVENT, 1.118),
    ChemicalInfo("sodium acetate", "C2H3NaO2", R.ADDITIVE),
    ChemicalInfo("lithium bis(trimethylsilyl)amide", "C6H18LiNSi2", R.ADDITIVE),
    # additives
    ChemicalInfo("hydrochloric acid", "HCl", R.ADDITIVE),
    ChemicalInfo("sodium hydroxide", "HNaO", R.ADDITIVE),
    ChemicalInfo("sodium chloride", "ClNa", R.ADDITIVE),
    ChemicalInfo("zinc chloride", "Cl2Zn", R.ADDITIVE),
    # common reagents of aqueous, polyol and thiol-capped syntheses
    ChemicalInfo("glycerol", "C3H8O3", R.SOLVENT, 1.261),
    ChemicalInfo("triethylene glycol", "C6H14O4", R.SOLVENT, 1.125),
    ChemicalInfo("tetraethylene glycol", "C8H18O5", R.SOLVENT, 1.125),
    ChemicalInfo("1,5-pentanediol", "C5H12O2", R.SOLVENT, 0.994),
    ChemicalInfo("benzyl alcohol", "C7H8O", R.SOLVENT, 1.044),
    ChemicalInfo("1-tetradecene", "C14H28", R.SOLVENT, 0.775),
    ChemicalInfo("liquid paraffin", None, R.SOLVENT, 0.85),
    ChemicalInfo("cyclohexane", "C6H12", R.SOLVENT, 0.779),
    ChemicalInfo("isopropanol", "C3H8O", R.SOLVENT, 0.786),
    ChemicalInfo("3-mercaptopropionic acid", "C3H6O2S", R.LIGAND, 1.218),
    ChemicalInfo("thioglycolic acid", "C2H4O2S", R.LIGAND, 1.32),
    ChemicalInfo("L-cysteine", "C3H7NO2S", R.LIGAND),
    ChemicalInfo("N-acetyl-L-cysteine", "C5H9NO3S", R.LIGAND),
    ChemicalInfo("glutathione", "C10H17N3O6S", R.LIGAND),
    ChemicalInfo("potassium hydroxide", "KOH", R.ADDITIVE),
    ChemicalInfo("ammonium hydroxide", "NH5O", R.ADDITIVE, 0.91),
    ChemicalInfo("sodium sulfate", "Na2SO4", R.ADDITIVE),
    ChemicalInfo("sodium hydrosulfide", "NaHS", R.ADDITIVE),
    ChemicalInfo("sodium thiosulfate", "Na2S2O3", R.ANION_PRECURSOR),
    ChemicalInfo("sodium tellurite", "Na2TeO3", R.ANION_PRECURSOR),
    ChemicalInfo("sodium selenite", "Na2SeO3", R.ANION_PRECURSOR),
    ChemicalInfo("sodium bromide", "NaBr", R.ADDITIVE),
    ChemicalInfo("potassium bromide", "KBr", R.ADDITIVE),
    ChemicalInfo("iron(III) chloride", "FeCl3", R.CATION_PRECURSOR),
    ChemicalInfo("iron(II) chloride", "FeCl2", R.CATION_PRECURSOR),
    ChemicalInfo("copper(II) nitrate", "Cu(NO3)2", R.CATION_PRECURSOR),
    ChemicalInfo("cadmium chloride", "CdCl2", R.CATION_PRECURSOR),
    ChemicalInfo("cadmium nitrate", "Cd(NO3)2", R.CATION_PRECURSOR),
    ChemicalInfo("zinc nitrate", "Zn(NO3)2", R.CATION_PRECURSOR),
    ChemicalInfo("silver trifluoroacetate", "C2AgF3O2", R.CATION_PRECURSOR),
    ChemicalInfo("sodium tetrachloropalladate", "Na2PdCl4", R.CATION_PRECURSOR),
    ChemicalInfo("palladium(II) chloride", "PdCl2", R.CATION_PRECURSOR),
    ChemicalInfo("hydroxylamine hydrochloride", "H4ClNO", R.REDUCING_AGENT),
    ChemicalInfo("indium palmitate", None, R.CATION_PRECURSOR),
    ChemicalInfo("nitrogen", "N2", R.OTHER),
    ChemicalInfo("argon", "Ar", R.OTHER),
]}

#: Abbreviations as written in papers (case-sensitive first, then case-insensitive) → dictionary name.
_ABBREVIATIONS: dict[str, str] = {
    "OA": "oleic acid", "OAc": "oleic acid", "OLAC": "oleic acid", "HOA": "oleic acid",
    "OLA": "oleylamine", "OAm": "oleylamine", "OLAm": "oleylamine", "OlAm": "oleylamine", "OLAM": "oleylamine",
    "OY": "oleylamine", "OM": "oleylamine",
    "ODE": "1-octadecene", "TOP": "trioctylphosphine", "TOPO": "trioctylphosphine oxide",
    "TBP": "tributylphosphine", "DPP": "diphenylphosphine", "DDT": "1-dodecanethiol", "DDSH": "1-dodecanethiol",
    "ODPA": "octadecylphosphonic acid", "TDPA": "tetradecylphosphonic acid", "HPA": "hexylphosphonic acid",
    "ODA": "octadecylamine", "HDA": "hexadecylamine", "DDA": "dodecylamine", "OctAm": "octylamine",
    "SA": "stearic acid", "MA": "myristic acid", "LA": "lauric acid",
    "CTAB": "cetyltrimethylammonium bromide", "CTAC": "cetyltrimethylammonium chloride",
    "PVP": "polyvinylpyrrolidone", "DDAB": "didodecyldimethylammonium bromide", "NaOL": "sodium oleate",
    "DBE": "dibenzyl ether", "BE": "dibenzyl ether", "DPE": "diphenyl ether", "TOA": "trioctylamine",
    "EG": "ethylene glycol", "DMF": "N,N-dimethylformamide", "DMSO": "dimethyl sulfoxide", "EtOH": "ethanol",
    "MeOH": "methanol",
    "TOP-Se": "trioctylphosphine selenide", "TOPSe": "trioctylphosphine selenide",
    "TOP-S": "trioctylphosphine sulfide", "TOPS": "trioctylphosphine sulfide",
    "TOP-Te": "trioctylphosphine telluride", "TOPTe": "trioctylphosphine telluride",
    "TBP-Se": "tributylphosphine selenide", "TBPSe": "tributylphosphine selenide",
    "TMS": "bis(trimethylsilyl) sulfide", "(TMS)2S": "bis(trimethylsilyl) sulfide",
    "TMS2S": "bis(trimethylsilyl) sulfide", "TMS-S": "bis(trimethylsilyl) sulfide",
    "(TMS)2Se": "bis(trimethylsilyl) selenide", "(TMS)3P": "tris(trimethylsilyl)phosphine",
    "TMSP": "tris(trimethylsilyl)phosphine", "P(TMS)3": "tris(trimethylsilyl)phosphine",
    "(DMA)3P": "tris(dimethylamino)phosphine", "P(DMA)3": "tris(dimethylamino)phosphine",
    "TAA": "thioacetamide",
    "Cd(OA)2": "cadmium oleate", "Cd(OAc)2": "cadmium acetate", "Cd(Ac)2": "cadmium acetate",
    "Cd(acac)2": "cadmium acetylacetonate", "CdSt2": "cadmium stearate", "Cd(St)2": "cadmium stearate",
    "Cd(MA)2": "cadmium myristate", "Me2Cd": "dimethylcadmium", "CdMe2": "dimethylcadmium",
    "Pb(OA)2": "lead oleate", "Pb(OAc)2": "lead(II) acetate", "Pb(Ac)2": "lead(II) acetate",
    "Cs-oleate": "cesium oleate", "CsOA": "cesium oleate", "Cs(OA)": "cesium oleate",
    "Zn(OAc)2": "zinc acetate", "Zn(Ac)2": "zinc acetate", "Zn(OA)2": "zinc oleate", "ZnSt2": "zinc stearate",
    "Zn(St)2": "zinc stearate", "Et2Zn": "diethylzinc", "ZnEt2": "diethylzinc",
    "In(OAc)3": "indium(III) acetate", "In(Ac)3": "indium(III) acetate", "In(MA)3": "indium myristate",
    "Cu(acac)2": "copper(II) acetylacetonate", "Fe(acac)3": "iron(III) acetylacetonate",
    "Fe(CO)5": "iron pentacarbonyl", "Pt(acac)2": "platinum(II) acetylacetonate",
    "Pd(acac)2": "palladium(II) acetylacetonate",
    "AA": "ascorbic acid", "LAA": "ascorbic acid", "THPC": "tetrakis(hydroxymethyl)phosphonium chloride",
    "GLU": "glucose", "DEG": "diethylene glycol", "NaAc": "sodium acetate", "DT": "1-dodecanethiol",
    "OCT": "octylamine", "DE": "octyl ether", "TTA": "thioacetamide", "Na-CIT": "trisodium citrate",
    "LiN(SiMe3)2": "lithium bis(trimethylsilyl)amide", "OCTA": "octanoic acid", "HDD": "1,2-hexadecanediol", "TBAB": "borane tert-butylamine",
    "H2O": "water", "DI water": "water", "Milli-Q water": "water",
    "TEG": "tetraethylene glycol", "TREG": "triethylene glycol", "MPA": "3-mercaptopropionic acid",
    "TGA": "thioglycolic acid", "NAC": "N-acetyl-L-cysteine", "GSH": "glutathione",
    "HTAB": "cetyltrimethylammonium bromide", "KOH": "potassium hydroxide", "NH4OH": "ammonium hydroxide",
    "NaHS": "sodium hydrosulfide", "Na2SO4": "sodium sulfate", "Na2S2O3": "sodium thiosulfate",
    "Na2TeO3": "sodium tellurite", "Na2SeO3": "sodium selenite", "FeCl3": "iron(III) chloride",
    "FeCl2": "iron(II) chloride", "CdCl2": "cadmium chloride", "Na2PdCl4": "sodium tetrachloropalladate",
    "PdCl2": "palladium(II) chloride", "IPA": "isopropanol", "BnOH": "benzyl alcohol",
}

#: Full names and formulas → dictionary name (matched case-insensitively after normalization).
_SYNONYMS: dict[str, str] = {
    "octadecene": "1-octadecene", "1-ode": "1-octadecene", "octadec-1-ene": "1-octadecene",
    "oleyl amine": "oleylamine", "cis-9-octadecenoic acid": "oleic acid",
    "dodecanethiol": "1-dodecanethiol", "1-dodecane thiol": "1-dodecanethiol", "dodecyl mercaptan": "1-dodecanethiol",
    "tri-n-octylphosphine": "trioctylphosphine", "tri-n-octylphosphine oxide": "trioctylphosphine oxide",
    "trioctylphosphine oxide (topo)": "trioctylphosphine oxide", "tri-n-butylphosphine": "tributylphosphine",
    "benzyl ether": "dibenzyl ether", "phenyl ether": "diphenyl ether", "dioctyl ether": "octyl ether",
    "se": "selenium", "se powder": "selenium", "selenium powder": "selenium", "s": "sulfur",
    "sulfur powder": "sulfur", "sulphur": "sulfur", "te": "tellurium", "tellurium powder": "tellurium",
    "cdo": "cadmium oxide", "cadmium(ii) oxide": "cadmium oxide", "cadmium acetate dihydrate": "cadmium acetate",
    "pbo": "lead(II) oxide", "lead oxide": "lead(II) oxide", "lead(ii) oxide": "lead(II) oxide",
    "pbcl2": "lead(II) chloride", "lead chloride": "lead(II) chloride", "lead(ii) chloride": "lead(II) chloride",
    "pbbr2": "lead(II) bromide", "lead bromide": "lead(II) bromide", "lead(ii) bromide": "lead(II) bromide",
    "pbi2": "lead(II) iodide", "lead iodide": "lead(II) iodide", "lead(ii) iodide": "lead(II) iodide",
    "lead acetate": "lead(II) acetate", "lead(ii) acetate": "lead(II) acetate",
    "lead acetate trihydrate": "lead(II) acetate",
    "cs2co3": "cesium carbonate", "caesium carbonate": "cesium carbonate",
    "zno": "zinc oxide", "zinc acetate dihydrate": "zinc acetate", "zncl2": "zinc chloride",
    "incl3": "indium(III) chloride", "indium chloride": "indium(III) chloride",
    "indium(iii) chloride": "indium(III) chloride", "indium acetate": "indium(III) acetate",
    "indium(iii) acetate": "indium(III) acetate",
    "haucl4": "chloroauric acid", "haucl4·3h2o": "chloroauric acid", "gold(iii) chloride trihydrate": "chloroauric acid",
    "tetrachloroauric acid": "chloroauric acid", "hydrogen tetrachloroaurate": "chloroauric acid",
    "gold chloride": "chloroauric acid", "agno3": "silver nitrate", "nabh4": "sodium borohydride",
    "l-ascorbic acid": "ascorbic acid", "sodium citrate": "trisodium citrate", "citrate": "trisodium citrate",
    "trisodium citrate dihydrate": "trisodium citrate", "h2ptcl6": "chloroplatinic acid",
    "cui": "copper(I) iodide", "mncl2": "manganese(II) chloride", "hcl": "hydrochloric acid",
    "naoh": "sodium hydroxide", "nacl": "sodium chloride", "na2s": "sodium sulfide", "seo2": "selenium dioxide",
    "deionized water": "water", "di water": "water", "distilled water": "water", "ultrapure water": "water",
    "n2": "nitrogen", "ar": "argon", "dimethylformamide": "N,N-dimethylformamide",
    "n,n-dimethylformamide": "N,N-dimethylformamide",
    "hexamethyldisilathiane": "bis(trimethylsilyl) sulfide", "bis(trimethylsilyl)sulfide": "bis(trimethylsilyl) sulfide",
    "tris(trimethylsilyl) phosphine": "tris(trimethylsilyl)phosphine",
    "tris(diethylamino)phosphine": "tris(dimethylamino)phosphine",
    "cetyltrimethylammonium bromide (ctab)": "cetyltrimethylammonium bromide",
    "hexadecyltrimethylammonium bromide": "cetyltrimethylammonium bromide",
    "polyvinylpyrrolidone (pvp)": "polyvinylpyrrolidone", "poly(vinylpyrrolidone)": "polyvinylpyrrolidone",
    "paraffin liquid": "liquid paraffin", "3-mercaptopropanoic acid": "3-mercaptopropionic acid",
    "mercaptopropionic acid": "3-mercaptopropionic acid", "thioglycollic acid": "thioglycolic acid",
    "cysteine": "L-cysteine", "n-acetylcysteine": "N-acetyl-L-cysteine", "ammonia solution": "ammonium hydroxide",
    "sodium hydrosulphide": "sodium hydrosulfide", "sodium sulphate": "sodium sulfate",
    "sodium thiosulphate": "sodium thiosulfate", "ferric chloride": "iron(III) chloride",
    "ferrous chloride": "iron(II) chloride", "iron chloride": "iron(III) chloride",
    "copper nitrate": "copper(II) nitrate", "cadmium chloride hemipentahydrate": "cadmium chloride",
    "silver trifluoroacetate": "silver trifluoroacetate", "trifluoroacetic acid silver": "silver trifluoroacetate",
    "cetyltrimethyl ammonium chloride": "cetyltrimethylammonium chloride",
    "cetyltrimethyl ammonium bromide": "cetyltrimethylammonium bromide",
    "n-hexadecyltrimethylammonium bromide": "cetyltrimethylammonium bromide",
    "hexadecyltrimethylammonium chloride": "cetyltrimethylammonium chloride",
    "2-propanol": "isopropanol", "palladium chloride": "palladium(II) chloride",
    "hydroxylamine": "hydroxylamine hydrochloride", "nh2oh·hcl": "hydroxylamine hydrochloride",
}

# Group abbreviations allowed inside formulas, as element counts.
_GROUPS: dict[str, dict[str, int]] = {
    "OAc": {"C": 2, "H": 3, "O": 2}, "Ac": {"C": 2, "H": 3, "O": 2}, "OA": {"C": 18, "H": 33, "O": 2},
    "acac": {"C": 5, "H": 7, "O": 2}, "St": {"C": 18, "H": 35, "O": 2}, "MA": {"C": 14, "H": 27, "O": 2},
    "TMS": {"C": 3, "H": 9, "Si": 1}, "DMA": {"C": 2, "H": 6, "N": 1}, "Me": {"C": 1, "H": 3},
    "Et": {"C": 2, "H": 5}, "Bu": {"C": 4, "H": 9}, "Ph": {"C": 6, "H": 5}, "OL": {"C": 18, "H": 33, "O": 2},
}

_SUBSCRIPTS = str.maketrans("₀₁₂₃₄₅₆₇₈₉", "0123456789")
_DOTS = ("·", "•", "∙", "⋅", "*", ".")
_PURITY = re.compile(r"\s*[\(\[]?\s*(?:\d+(?:\.\d+)?\s*%|\bACS\b|\banhydrous\b|\bpowder\b(?=.*%)|"
                     r"\btech(?:nical)?\.?(?: grade)?\b|\breagent grade\b|\bsigma[- ]aldrich\b|\baldrich\b|"
                     r"\balfa aesar\b|\bacros\b|\bstrem\b)[^\)\]]*[\)\]]?", re.IGNORECASE)


def clean_text(name: str) -> str:
    """Unicode-normalize a chemical name as written: NFKC, subscripts to digits, one space, no purity notes."""
    text = unicodedata.normalize("NFKC", str(name)).translate(_SUBSCRIPTS)
    text = text.replace("−", "-").replace("–", "-")
    text = _PURITY.sub("", text)
    return re.sub(r"\s+", " ", text).strip(" ,;")


@functools.lru_cache(maxsize=1)
def _lower_maps() -> tuple[dict[str, str], dict[str, str]]:
    return ({k.lower(): v for k, v in _ABBREVIATIONS.items()}, {k.lower(): k for k in _CHEMICALS})


@functools.lru_cache(maxsize=8192)
def lookup(name: str) -> ChemicalInfo | None:
    """Dictionary entry for a name, abbreviation or formula as written, or None when unknown."""
    text = clean_text(name)
    if not text:
        return None
    if text in _ABBREVIATIONS:
        return _CHEMICALS[_ABBREVIATIONS[text]]
    low = text.lower()
    for key in (low, low.rstrip("s") if low.endswith("s") and len(low) > 4 else low):
        if key in _CHEMICALS:
            return _CHEMICALS[key]
        if key in _SYNONYMS:
            return _CHEMICALS[_SYNONYMS[key]]
    abbreviations, canonical = _lower_maps()
    if low in abbreviations:
        return _CHEMICALS[abbreviations[low]]
    if low in canonical:  # e.g. "Trioctylphosphine"
        return _CHEMICALS[canonical[low]]
    return None


def normalize_name(name: str) -> str:
    """Canonical name of a chemical: the dictionary name when known, else the cleaned lower-case text.

    Formulas (``CdO``, ``CsPbBr3``) keep their case when unknown to the dictionary.
    """
    info = lookup(name)
    if info is not None:
        return info.name
    text = clean_text(name)
    if not text:
        raise SchemaValidationError("empty chemical name: give the name as written in the source")
    return text if is_formula(text) else text.lower()


@functools.lru_cache(maxsize=8192)
def _parse_formula_cached(formula: str) -> tuple[tuple[str, float], ...]:
    return tuple(_parse_formula(formula).items())


def parse_formula(formula: str) -> dict[str, float]:
    """Element counts of a formula: ``Cd(OA)2``, ``Zn(OAc)2·2H2O``, ``CsPbBr3``, ``(TMS)2S``, ``Fe(CO)5``.

    Raises
    ------
    SchemaValidationError
        When the text is not a formula (unknown element symbol or group, unbalanced parentheses).
    """
    return dict(_parse_formula_cached(formula))


def _parse_formula(formula: str) -> dict[str, float]:
    """Element counts of a formula: ``Cd(OA)2``, ``Zn(OAc)2·2H2O``, ``CsPbBr3``, ``(TMS)2S``, ``Fe(CO)5``.

    Raises
    ------
    SchemaValidationError
        When the text is not a formula (unknown element symbol or group, unbalanced parentheses).
    """
    text = clean_text(formula).replace(" ", "")
    if not text:
        raise SchemaValidationError("empty formula")
    total: Counter = Counter()
    parts = re.split(r"[·•∙⋅*]|(?<=[A-Za-z\)\d])\.(?=\d*[A-Z])", text)
    for part in parts:
        m = re.match(r"^(\d+(?:\.\d+)?)?(.*)$", part)
        coeff = float(m.group(1)) if m.group(1) else 1.0
        counts, pos = _parse_seq(m.group(2), 0, formula)
        if pos != len(m.group(2)):
            raise SchemaValidationError(f"cannot parse formula {formula!r} near {m.group(2)[pos:]!r}")
        for el, n in counts.items():
            total[el] += n * coeff
    if not total:
        raise SchemaValidationError(f"{formula!r} has no elements")
    return dict(total)


def _parse_seq(text: str, pos: int, original: str) -> tuple[Counter, int]:
    counts: Counter = Counter()
    while pos < len(text):
        ch = text[pos]
        if ch in "([":
            inner, pos = _parse_seq(text, pos + 1, original)
            if pos >= len(text) or text[pos] not in ")]":
                raise SchemaValidationError(f"unbalanced parentheses in formula {original!r}")
            pos += 1
            mult, pos = _number(text, pos)
            for el, n in inner.items():
                counts[el] += n * mult
            continue
        if ch in ")]":
            return counts, pos
        group = next((g for g in sorted(_GROUPS, key=len, reverse=True) if text.startswith(g, pos)
                      and not _element_here(text, pos, g)), None)
        if group:
            pos += len(group)
            mult, pos = _number(text, pos)
            for el, n in _GROUPS[group].items():
                counts[el] += n * mult
            continue
        m = re.match(r"[A-Z][a-z]?", text[pos:])
        if not m:
            raise SchemaValidationError(f"cannot parse formula {original!r} at {text[pos:]!r}")
        symbol = m.group(0)
        if symbol not in ELEMENTS and len(symbol) == 2 and symbol[0] in ELEMENTS:
            symbol = symbol[0]
        if symbol not in ELEMENTS:
            raise SchemaValidationError(f"unknown element {symbol!r} in formula {original!r}")
        pos += len(symbol)
        mult, pos = _number(text, pos)
        counts[symbol] += mult
    return counts, pos


def _element_here(text: str, pos: int, group: str) -> bool:
    """True when a group abbreviation at ``pos`` is really an element symbol (``Co`` vs ``CO``)."""
    two = text[pos:pos + 2]
    return two in ELEMENTS and two != group[:2]


def _number(text: str, pos: int) -> tuple[float, int]:
    m = re.match(r"\d+(?:\.\d+)?", text[pos:])
    if not m:
        return 1.0, pos
    return float(m.group(0)), pos + len(m.group(0))


def is_formula(text: str) -> bool:
    """True when ``text`` parses as a chemical formula with at least one element symbol and a capital letter."""
    cleaned = clean_text(text).replace(" ", "")
    if not cleaned or not re.search(r"[A-Z]", cleaned) or re.search(r"[a-z]{3,}", cleaned.replace("acac", "")):
        return False
    try:
        parse_formula(cleaned)
    except SchemaValidationError:
        return False
    return True


def molar_mass(formula: str) -> float:
    """Molar mass in g/mol of a formula."""
    return sum(ELEMENTS[el].mass * n for el, n in parse_formula(formula).items())


def formula_of(name: str) -> str | None:
    """Formula of a chemical name, abbreviation or formula as written; None when unknown."""
    info = lookup(name)
    if info is not None:
        return info.formula
    text = clean_text(name)
    return text.replace(" ", "") if is_formula(text) else None


def composition_elements(composition: str) -> list[str]:
    """Elements of a target composition in order of appearance (``"CdSe/ZnS"`` → Cd, Se, Zn, S)."""
    seen: list[str] = []
    for piece in re.split(r"[/@\-: ,]+", clean_text(composition)):
        if not piece:
            continue
        try:
            counts = parse_formula(piece)
        except SchemaValidationError:
            continue
        for el in re.findall(r"[A-Z][a-z]?", piece):
            if el in counts and el not in seen:
                seen.append(el)
    return seen


def cation_elements(composition: str) -> list[str]:
    """Metal (cation) elements of a composition."""
    return [e for e in composition_elements(composition) if e not in NONMETALS and e not in ANION_ELEMENTS - {"Sb"}]


def anion_elements(composition: str) -> list[str]:
    """Anion elements of a composition."""
    return [e for e in composition_elements(composition) if e in ANION_ELEMENTS]


def guess_role(name: str, target_composition: str | None = None) -> ChemicalRole:
    """Role of a chemical by dictionary, then by its elements against the target composition.

    A metal-bearing compound whose metal is a cation of the target is a cation precursor; an elemental
    chalcogen/pnictogen (or a silyl/phosphine compound of it) that is an anion of the target is an anion
    precursor. Anything else unknown is ``other``.
    """
    info = lookup(name)
    formula = info.formula if info else formula_of(name)
    elements: set[str] = set()
    if formula:
        try:
            elements = set(parse_formula(formula))
        except SchemaValidationError:
            elements = set()
    metals = elements - NONMETALS
    if target_composition and elements:
        cations = set(cation_elements(target_composition))
        anions = set(anion_elements(target_composition))
        if elements & cations:
            return R.CATION_PRECURSOR
        if metals and cations and (info is None or info.role is R.CATION_PRECURSOR):
            return R.ADDITIVE  # a metal salt foreign to the target: halide source, dopant, shape-directing agent
        if info is None or info.role in (R.ANION_PRECURSOR, R.OTHER, R.ADDITIVE):
            if elements & anions and not (elements - anions - {"C", "H", "Si", "P", "N", "O"} - anions):
                return R.ANION_PRECURSOR
    if info is not None:
        return info.role
    low = clean_text(name).lower()
    if re.search(r"(amine|thiol|phosphine|phosphonic|carboxylic|oic acid|ic acid|oleate|ammonium)", low):
        return R.LIGAND
    if re.search(r"(ene|ane|ether|ol)$", low):
        return R.SOLVENT
    if elements and elements - NONMETALS:
        return R.CATION_PRECURSOR
    if elements and elements <= ANION_ELEMENTS:
        return R.ANION_PRECURSOR
    return R.OTHER


def density(name: str) -> float | None:
    """Density in g/mL of a liquid known to the dictionary (for mL → mmol), else None."""
    info = lookup(name)
    return info.density_g_ml if info else None


def known_names() -> dict[str, str]:
    """Every spelling the dictionary knows (abbreviations, synonyms, canonical names) → canonical name.

    For extractors that match chemical mentions in text.
    """
    names = {name: name for name in _CHEMICALS}
    names.update(_SYNONYMS)
    names.update(_ABBREVIATIONS)
    return names
