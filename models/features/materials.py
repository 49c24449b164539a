"""A small table of bulk properties of common nanocrystal compositions (room-temperature values).

Bulk band gap (eV) and crystal structure of the bulk phase most often made as colloidal nanocrystals, from
standard semiconductor/metal handbooks (rounded). Metals have gap 0. Compositions missing here get NaN gaps and
lattice ``"unknown"``; the element descriptors still describe them.
"""

from __future__ import annotations

from typing import NamedTuple


class BulkMaterial(NamedTuple):
    """Bulk gap in eV (0 for metals) and crystal structure family."""

    band_gap_ev: float
    lattice: str


#: Lattice families used as one-hot features (order fixed: part of the feature version).
LATTICES = ("zincblende", "wurtzite", "rocksalt", "fcc", "bcc", "hcp", "perovskite", "chalcocite", "fluorite",
            "spinel", "corundum", "rutile", "orthorhombic", "layered", "other", "unknown")

BULK_MATERIALS: dict[str, BulkMaterial] = {
    # II-VI
    "CdSe": BulkMaterial(1.74, "wurtzite"), "CdS": BulkMaterial(2.42, "wurtzite"),
    "CdTe": BulkMaterial(1.50, "zincblende"), "ZnSe": BulkMaterial(2.70, "zincblende"),
    "ZnS": BulkMaterial(3.54, "zincblende"), "ZnTe": BulkMaterial(2.26, "zincblende"),
    "ZnO": BulkMaterial(3.37, "wurtzite"), "HgTe": BulkMaterial(0.0, "zincblende"),
    "HgSe": BulkMaterial(0.0, "zincblende"), "HgS": BulkMaterial(2.0, "zincblende"),
    "CdO": BulkMaterial(2.2, "rocksalt"), "MnS": BulkMaterial(3.1, "rocksalt"), "MnO": BulkMaterial(3.6, "rocksalt"),
    # IV-VI
    "PbSe": BulkMaterial(0.27, "rocksalt"), "PbS": BulkMaterial(0.41, "rocksalt"),
    "PbTe": BulkMaterial(0.31, "rocksalt"), "SnSe": BulkMaterial(0.90, "orthorhombic"),
    "SnS": BulkMaterial(1.30, "orthorhombic"), "SnTe": BulkMaterial(0.18, "rocksalt"),
    "GeTe": BulkMaterial(0.6, "rocksalt"), "SnO2": BulkMaterial(3.6, "rutile"),
    # III-V
    "InP": BulkMaterial(1.34, "zincblende"), "InAs": BulkMaterial(0.35, "zincblende"),
    "InSb": BulkMaterial(0.17, "zincblende"), "GaP": BulkMaterial(2.26, "zincblende"),
    "GaAs": BulkMaterial(1.42, "zincblende"), "GaN": BulkMaterial(3.4, "wurtzite"),
    "InN": BulkMaterial(0.7, "wurtzite"), "AlP": BulkMaterial(2.45, "zincblende"),
    # I-VI, I-III-VI
    "Ag2S": BulkMaterial(0.9, "other"), "Ag2Se": BulkMaterial(0.15, "orthorhombic"),
    "Ag2Te": BulkMaterial(0.17, "other"), "Cu2S": BulkMaterial(1.2, "chalcocite"),
    "Cu2-xS": BulkMaterial(1.2, "chalcocite"), "Cu7S4": BulkMaterial(1.3, "chalcocite"),
    "Cu9S5": BulkMaterial(1.5, "chalcocite"), "CuS": BulkMaterial(2.0, "hcp"),
    "Cu2Se": BulkMaterial(1.2, "fluorite"), "Cu2-xSe": BulkMaterial(1.2, "fluorite"),
    "Cu2Te": BulkMaterial(1.0, "hcp"), "CuInS2": BulkMaterial(1.5, "zincblende"),
    "CuInSe2": BulkMaterial(1.0, "zincblende"), "AgInS2": BulkMaterial(1.87, "zincblende"),
    "Cu2ZnSnS4": BulkMaterial(1.5, "zincblende"), "CuGaS2": BulkMaterial(2.4, "zincblende"),
    "Bi2S3": BulkMaterial(1.3, "orthorhombic"), "Bi2Se3": BulkMaterial(0.3, "layered"),
    "Bi2Te3": BulkMaterial(0.15, "layered"), "Sb2S3": BulkMaterial(1.7, "orthorhombic"),
    "Sb2Se3": BulkMaterial(1.1, "orthorhombic"), "MoS2": BulkMaterial(1.2, "layered"),
    "WS2": BulkMaterial(1.3, "layered"), "SnS2": BulkMaterial(2.2, "layered"),
    # halide perovskites and related
    "CsPbBr3": BulkMaterial(2.36, "perovskite"), "CsPbI3": BulkMaterial(1.73, "perovskite"),
    "CsPbCl3": BulkMaterial(3.0, "perovskite"), "FAPbBr3": BulkMaterial(2.23, "perovskite"),
    "MAPbBr3": BulkMaterial(2.3, "perovskite"), "MAPbI3": BulkMaterial(1.6, "perovskite"),
    "Cs4PbBr6": BulkMaterial(3.9, "other"), "CsPb2Br5": BulkMaterial(3.1, "other"),
    "Cs3Cu2I5": BulkMaterial(3.8, "orthorhombic"), "CsCu2I3": BulkMaterial(3.6, "orthorhombic"),
    "Cs2AgBiBr6": BulkMaterial(2.2, "perovskite"), "Cs3Bi2Br9": BulkMaterial(2.6, "layered"),
    "CsSnI3": BulkMaterial(1.3, "perovskite"), "CsSnBr3": BulkMaterial(1.75, "perovskite"),
    # oxides
    "Fe3O4": BulkMaterial(0.1, "spinel"), "Fe2O3": BulkMaterial(2.1, "corundum"), "CoO": BulkMaterial(2.5, "rocksalt"),
    "Co3O4": BulkMaterial(1.6, "spinel"), "NiO": BulkMaterial(3.6, "rocksalt"), "Cu2O": BulkMaterial(2.1, "other"),
    "CuO": BulkMaterial(1.2, "other"), "TiO2": BulkMaterial(3.2, "rutile"), "In2O3": BulkMaterial(2.9, "other"),
    "CeO2": BulkMaterial(3.2, "fluorite"), "ZrO2": BulkMaterial(5.0, "fluorite"), "WO3": BulkMaterial(2.7, "other"),
    "MnFe2O4": BulkMaterial(0.5, "spinel"), "CoFe2O4": BulkMaterial(1.2, "spinel"),
    "NaYF4": BulkMaterial(8.0, "other"),
    # metals
    "Au": BulkMaterial(0.0, "fcc"), "Ag": BulkMaterial(0.0, "fcc"), "Cu": BulkMaterial(0.0, "fcc"),
    "Pd": BulkMaterial(0.0, "fcc"), "Pt": BulkMaterial(0.0, "fcc"), "Rh": BulkMaterial(0.0, "fcc"),
    "Ir": BulkMaterial(0.0, "fcc"), "Ni": BulkMaterial(0.0, "fcc"), "Al": BulkMaterial(0.0, "fcc"),
    "Co": BulkMaterial(0.0, "hcp"), "Ru": BulkMaterial(0.0, "hcp"), "Os": BulkMaterial(0.0, "hcp"),
    "Fe": BulkMaterial(0.0, "bcc"), "Mo": BulkMaterial(0.0, "bcc"), "W": BulkMaterial(0.0, "bcc"),
    "Bi": BulkMaterial(0.0, "other"), "Sn": BulkMaterial(0.0, "other"), "In": BulkMaterial(0.0, "other"),
    "Ge": BulkMaterial(0.66, "other"), "Si": BulkMaterial(1.12, "other"),
}


def bulk_material(composition: str | None) -> BulkMaterial | None:
    """The table entry of ``composition`` (exact formula, then case-insensitive), or None."""
    if not composition:
        return None
    key = composition.strip()
    if key in BULK_MATERIALS:
        return BULK_MATERIALS[key]
    lowered = {k.lower(): v for k, v in BULK_MATERIALS.items()}
    return lowered.get(key.lower())
