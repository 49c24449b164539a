"""Controlled shape vocabulary with synonyms, and synthesis-method synonyms."""

from __future__ import annotations

import re

from nanosynth.schema.enums import SynthesisMethod
from nanosynth.schema.errors import SchemaValidationError

#: Canonical shapes. The first eleven are the classes of the Gu et al. 2024 dataset (``shapes_list.txt``).
SHAPES: tuple[str, ...] = (
    "irregular", "cube", "flower", "four_pointed_star", "hexagon", "rectangle", "rhombus", "rod",
    "six_pointed_star", "sphere", "triangle",
    "plate", "tetrapod", "wire", "sheet", "octahedron", "bipyramid", "disk", "star", "prism", "polyhedron",
    "branched", "core_shell_sphere", "tube", "dumbbell",
    "decahedron", "icosahedron", "tetrahedron", "ellipsoid", "cuboctahedron",
)

_SHAPE_SYNONYMS: dict[str, str] = {
    "irregular shape": "irregular", "irregular": "irregular", "irregularly shaped": "irregular",
    "random": "irregular", "aggregate": "irregular", "aggregated": "irregular",
    "cube": "cube", "cubes": "cube", "cubic": "cube", "nanocube": "cube", "nanocubes": "cube", "cuboid": "cube",
    "cube-like": "cube", "quasi-cubic": "cube",
    "flower shape": "flower", "flower": "flower", "flower-like": "flower", "flowerlike": "flower",
    "nanoflower": "flower", "nanoflowers": "flower",
    "four-pointed star": "four_pointed_star", "four pointed star": "four_pointed_star",
    "4-pointed star": "four_pointed_star", "six-pointed star": "six_pointed_star",
    "six pointed star": "six_pointed_star", "6-pointed star": "six_pointed_star",
    "star": "star", "stars": "star", "star-like": "star", "nanostar": "star", "nanostars": "star",
    "hexagon": "hexagon", "hexagonal": "hexagon", "hexagons": "hexagon", "hexagonal plate": "hexagon",
    "rectangle": "rectangle", "rectangular": "rectangle", "rectangles": "rectangle",
    "rhombus": "rhombus", "rhombic": "rhombus", "rhombohedral": "rhombus", "rhombuses": "rhombus",
    "rod": "rod", "rods": "rod", "nanorod": "rod", "nanorods": "rod", "rod-like": "rod", "rodlike": "rod",
    "elongated": "rod", "rod-shaped": "rod",
    "sphere": "sphere", "spheres": "sphere", "spherical": "sphere", "quasi-spherical": "sphere",
    "nearly spherical": "sphere", "nanosphere": "sphere", "nanospheres": "sphere", "dot": "sphere",
    "dots": "sphere", "quantum dots": "sphere", "quantum dot": "sphere", "qds": "sphere", "round": "sphere",
    "spheroidal": "sphere", "pseudospherical": "sphere", "pseudo-spherical": "sphere",
    "triangle": "triangle", "triangles": "triangle", "triangular": "triangle", "nanotriangle": "triangle",
    "nanotriangles": "triangle", "triangular plate": "triangle", "triangular prism": "triangle",
    "plate": "plate", "plates": "plate", "platelet": "plate", "platelets": "plate", "nanoplatelet": "plate",
    "nanoplatelets": "plate", "npls": "plate", "nanoplate": "plate", "nanoplates": "plate",
    "tetrapod": "tetrapod", "tetrapods": "tetrapod", "wire": "wire", "wires": "wire", "nanowire": "wire",
    "nanowires": "wire", "sheet": "sheet", "sheets": "sheet", "nanosheet": "sheet", "nanosheets": "sheet",
    "octahedron": "octahedron", "octahedra": "octahedron", "octahedral": "octahedron",
    "bipyramid": "bipyramid", "bipyramids": "bipyramid", "bipyramidal": "bipyramid",
    "disk": "disk", "disc": "disk", "disks": "disk", "discs": "disk", "nanodisk": "disk", "nanodisks": "disk",
    "prism": "prism", "prisms": "prism", "nanoprism": "prism", "nanoprisms": "prism",
    "polyhedron": "polyhedron", "polyhedra": "polyhedron", "polyhedral": "polyhedron", "faceted": "polyhedron",
    "branched": "branched", "multipod": "branched", "multipods": "branched", "tripod": "branched",
    "tube": "tube", "tubes": "tube", "nanotube": "tube", "nanotubes": "tube", "dumbbell": "dumbbell",
    "dumbbells": "dumbbell", "core-shell": "core_shell_sphere", "core/shell": "core_shell_sphere",
    "octahedrons": "octahedron", "nanooctahedra": "octahedron", "decahedra": "decahedron",
    "decahedrons": "decahedron", "decahedral": "decahedron", "icosahedra": "icosahedron",
    "icosahedrons": "icosahedron", "icosahedral": "icosahedron", "tetrahedra": "tetrahedron",
    "tetrahedrons": "tetrahedron", "tetrahedral": "tetrahedron", "ellipsoids": "ellipsoid",
    "ellipsoidal": "ellipsoid", "cuboctahedra": "cuboctahedron", "cuboctahedrons": "cuboctahedron",
    "cuboctahedral": "cuboctahedron", "nanobelts": "wire", "nanobelt": "wire",
    "nanoribbons": "wire", "nanoribbon": "wire",
}

#: Inorganic materials named in words, as the composition a paper means (``palladium`` → Pd); only names
#: that stand for one composition (``copper sulfide`` is CuS or Cu2S: absent).
MATERIAL_NAMES: dict[str, str] = {
    "gold": "Au", "silver": "Ag", "platinum": "Pt", "palladium": "Pd", "copper": "Cu", "nickel": "Ni",
    "cobalt": "Co", "rhodium": "Rh", "ruthenium": "Ru", "iridium": "Ir", "silicon": "Si", "germanium": "Ge",
    "bismuth": "Bi", "iron oxide": "Fe3O4", "magnetite": "Fe3O4", "maghemite": "Fe2O3", "zinc oxide": "ZnO",
    "ceria": "CeO2", "cerium oxide": "CeO2", "titania": "TiO2", "titanium dioxide": "TiO2", "silica": "SiO2",
    "cadmium selenide": "CdSe", "cadmium sulfide": "CdS", "cadmium telluride": "CdTe", "lead sulfide": "PbS",
    "lead selenide": "PbSe", "lead telluride": "PbTe", "zinc sulfide": "ZnS", "zinc selenide": "ZnSe",
    "indium phosphide": "InP", "indium arsenide": "InAs", "copper indium sulfide": "CuInS2",
    "silver sulfide": "Ag2S", "silver selenide": "Ag2Se", "cesium lead bromide": "CsPbBr3",
    "caesium lead bromide": "CsPbBr3", "zinc ferrite": "ZnFe2O4", "cobalt ferrite": "CoFe2O4",
}


def normalize_shape(text: str) -> str:
    """Map a shape as written (``"quasi-spherical"``, ``"NPLs"``, ``"Irregular shape"``) onto the vocabulary.

    Raises
    ------
    SchemaValidationError
        When the shape is not in the vocabulary; the message lists the canonical shapes.
    """
    if text is None:
        raise SchemaValidationError("shape is missing: give one of " + ", ".join(SHAPES))
    key = re.sub(r"[\s_]+", " ", str(text).strip().lower())
    if key.replace(" ", "_") in SHAPES:
        return key.replace(" ", "_")
    if key in _SHAPE_SYNONYMS:
        return _SHAPE_SYNONYMS[key]
    stripped = re.sub(r"^(nano|quasi-|nearly |mostly |well-defined )", "", key)
    if stripped in _SHAPE_SYNONYMS:
        return _SHAPE_SYNONYMS[stripped]
    raise SchemaValidationError(
        f"unknown shape {text!r}: use one of {', '.join(SHAPES)} (or a synonym listed in schema.vocab)"
    )


def shape_synonyms() -> dict[str, str]:
    """A copy of the synonym table (for extractors that match shape words in text)."""
    return dict(_SHAPE_SYNONYMS)


_METHOD_SYNONYMS: dict[str, SynthesisMethod] = {
    "hot injection": SynthesisMethod.HOT_INJECTION, "hot-injection": SynthesisMethod.HOT_INJECTION,
    "heat up": SynthesisMethod.HEAT_UP, "heat-up": SynthesisMethod.HEAT_UP, "heating-up": SynthesisMethod.HEAT_UP,
    "one-pot": SynthesisMethod.HEAT_UP, "seed-mediated": SynthesisMethod.SEED_MEDIATED,
    "seeded growth": SynthesisMethod.SEED_MEDIATED, "seed mediated": SynthesisMethod.SEED_MEDIATED,
    "cation exchange": SynthesisMethod.ION_EXCHANGE, "anion exchange": SynthesisMethod.ION_EXCHANGE,
    "ion exchange": SynthesisMethod.ION_EXCHANGE, "hydrothermal": SynthesisMethod.SOLVOTHERMAL,
    "solvothermal": SynthesisMethod.SOLVOTHERMAL, "microfluidic": SynthesisMethod.MICROFLUIDIC,
    "flow": SynthesisMethod.MICROFLUIDIC, "microreactor": SynthesisMethod.MICROFLUIDIC,
}


def normalize_method(text: str | None) -> SynthesisMethod:
    """Map a method as written onto :class:`SynthesisMethod` (``unknown`` when it cannot be told)."""
    if not text:
        return SynthesisMethod.UNKNOWN
    key = str(text).strip().lower().replace("_", " ")
    try:
        return SynthesisMethod(key.replace(" ", "_").replace("-", "_"))
    except ValueError:
        pass
    for syn, method in _METHOD_SYNONYMS.items():
        if syn in key:
            return method
    return SynthesisMethod.OTHER
