"""Summary-level extraction: titles, abstracts and results sentences → partial recipe specifications.

Abstracts state a synthesis in a sentence or two (``Monodisperse CdSe/ZnS core/shell QDs were synthesized by hot
injection of TOP-Se into cadmium oleate at 300 °C; they emit at 612 nm with a PLQY of 85 %``). This module finds

- the **products**: composition phrases with a product noun (``CdSe NCs``, ``Pd decahedra``, ``gold nanorods``,
  ``NaYF4:Yb,Er nanoparticles``, ``CdSe/ZnS core/shell QDs``), one recipe per distinct composition (at most
  :data:`MAX_PRODUCTS`), the shapes their nouns say (``nanocubes`` → cube);
- the **chemicals** named outside the products (precursors, ligands, solvents, reducing agents) with their context
  for role assignment;
- the **conditions**: temperatures (``injected at 300 °C`` → injection, otherwise growth) and reaction times;
- the **outcomes** (through :func:`nanosynth.miner.extract.assemble.extract_outcomes` in the caller) and sizes
  written before a product noun (``22 nm nanocubes``).

It returns plain :class:`SummarySpec` objects; :mod:`nanosynth.miner.extract.assemble` turns them into validated
records with provenance and marks them partial.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

from nanosynth.miner.extract.linking import sentence_spans
from nanosynth.miner.extract.mentions import material_mentions
from nanosynth.miner.extract.quantities import QuantityKind, find_quantities
from nanosynth.miner.extract.relevance import states_synthesis
from nanosynth.schema.chemicals import ELEMENTS, composition_elements, is_formula, lookup, normalize_name
from nanosynth.schema.enums import ChemicalRole
from nanosynth.schema.errors import SchemaValidationError
from nanosynth.schema.vocab import MATERIAL_NAMES, normalize_shape

#: At most this many products (recipes) per abstract.
MAX_PRODUCTS = 3

_NOUNS = (r"nanocrystals?|NCs?|QDs?|quantum[- ]dots?|nanoparticles?|NPs?|GNPs?|AuNPs?|nanorods?|NRs?|nanowires?|"
          r"NWs?|nanocubes?|nanoplatelets?|NPLs?|nanoplates?|nanosheets?|nanospheres?|nanostars?|nanoprisms?|"
          r"nanoclusters?|nanostructures?|nanoflowers?|nanotubes?|nanobelts?|nanoribbons?|nanodisks?|nanodiscs?|"
          r"nanooctahedra|decahedra|decahedrons?|icosahedra|icosahedrons?|octahedra|octahedrons?|tetrahedra|"
          r"tetrahedrons?|cuboctahedra|cubes|rods|wires|plates|platelets|tetrapods|dots|seeds?|cores?|shells?|"
          r"particles|crystals|colloids|supraparticles|nanomaterials|nanopowders?|clusters")
_ADJECTIVES = (r"core[/–-]shell(?:[/–-]shell)?|alloy(?:ed)?|hollow|colloidal|perovskite|spherical|hexagonal|"
               r"cubic|monodisperse|ultrasmall|ultrathin|single[- ]crystal(?:line)?|magnetic|plasmonic|doped|NC|"
               r"nanocrystal|quantum|semiconductor|luminescent|fluorescent|uniform|small|large|triangular|"
               r"octahedral|cuboctahedral|concave|porous|mesoporous|all[- ]inorganic|inorganic|metal|halide")
_LAYER = (r"[A-Z][A-Za-z0-9()]*?(?:[-–]x[A-Za-z0-9()]*)?"
          r"(?::\s?[A-Z][a-z]?\d*\+?(?:\s?,\s?[A-Z][a-z]?\d*\+?)*)?")
_ALLOY = r"[A-Z][a-z]?(?:[-–][A-Z][a-z]?){2,}"
_NOT_PRODUCT = {"NC", "NCS", "QD", "NP", "PL", "QY", "UV", "TOP", "TOPO", "OA", "OAM", "OLA", "ODE", "TEM", "XRD",
                "CN", "NIR", "LED", "LEDS", "SERS", "SPR", "LSPR", "DNA", "PVP", "CTAB", "CTAC", "HTAB", "MPA", "NAC",
                "AS", "IN", "I", "A", "THE", "HCL", "KOH", "NAOH", "TEG", "EG", "DEG", "DMF", "DDT", "HDA", "ODA"}


@functools.cache
def _product_regex() -> re.Pattern[str]:
    names = "|".join(sorted((re.escape(n) for n in MATERIAL_NAMES), key=len, reverse=True))
    comp = rf"(?:{_ALLOY}|{_LAYER}(?:\s?[/@]\s?{_LAYER})*|{names})"
    return re.compile(rf"(?<![\w/@-])(?P<comp>{comp})(?:\s*\([A-Za-z@/-]{{2,8}}\))?"
                      rf"(?P<adj>(?:[\s-]+(?:{_ADJECTIVES}))*)[\s-]+(?P<noun>{_NOUNS})(?![\w-])", re.I)


@dataclass(frozen=True)
class Product:
    """A product phrase: composition, noun as written, offsets in the text searched."""

    composition: str
    noun: str
    start: int
    end: int

    @property
    def is_shell(self) -> bool:
        """True for a shell phrase (``a ZnS shell``): it grows on a core named elsewhere."""
        return bool(re.match(r"(?i)shells?$", self.noun))


def _layer_ok(layer: str) -> bool:
    host = re.sub(r":.*$", "", layer).strip()
    host = re.sub(r"[-–]?\d*x(?=[A-Z(]|$)", "", host)  # Cu2-xSe → Cu2Se
    if not host or host.upper() in _NOT_PRODUCT:
        return False
    if re.fullmatch(_ALLOY, host):
        return all(part in ELEMENTS for part in re.split(r"[-–]", host))
    try:
        if not is_formula(host):
            return False
        elements = composition_elements(host)
    except (SchemaValidationError, ValueError):
        return False
    return bool(elements) and all(el in ELEMENTS for el in elements)


def _composition(raw: str, noun: str) -> str | None:
    """The composition a product phrase means, or None when ``raw`` is not a product formula/name."""
    key = raw.lower().strip()
    if key in MATERIAL_NAMES:
        return MATERIAL_NAMES[key]
    if not raw[0].isupper():
        return None
    comp = re.sub(r"(?<=[A-Za-z])\((\d+)\)", r"\1", re.sub(r"\s+", "", raw)).replace("–", "-")  # Cu(2)Se
    if not all(_layer_ok(layer) for layer in re.split(r"[/@]", comp)):
        return None
    info = lookup(comp)
    if info is not None and info.role is not ChemicalRole.OTHER and not re.search(r"nano|NCs?|QDs?|dots", noun, re.I):
        return None  # a precursor named with a generic noun ("PbO particles")
    return comp


def find_products(text: str) -> list[Product]:
    """Product phrases in ``text`` (``CdSe NCs``, ``Pd decahedra``, ``gold nanorods``, ``InP/ZnS core/shell QDs``)."""
    out: list[Product] = []
    for m in _product_regex().finditer(text):
        comp = _composition(m.group("comp"), m.group("noun"))
        if comp is None:
            continue
        if re.search(r"core[/–-]shell", m.group("adj") or "", re.I) and "/" not in comp and "@" not in comp:
            continue  # "CdSe core/shell QDs" without the shell: the shell comes elsewhere
        out.append(Product(comp, m.group("noun"), m.start(), m.end()))
    return out


def shape_of(noun: str, adjectives: str = "") -> str | None:
    """The vocabulary shape a product noun (or adjective) says, None for shape-less nouns (NCs, QDs, particles)."""
    for word in (noun, *reversed(adjectives.split())):
        w = word.lower()
        if re.match(r"nanocrystal|ncs?$|qds?$|quantum|nanoparticle|nps?$|gnps?$|aunps?$|particle|seed|core|"
                    r"cluster|nanocluster|crystal|colloid|nanostructure|nanomaterial|nanopowder|dots?$|supra", w):
            continue
        try:
            shape = normalize_shape(w)
        except SchemaValidationError:
            continue
        if shape != "core_shell_sphere":
            return shape
    return None


@dataclass
class SummarySpec:
    """One partial recipe found in summary text (compositions, spans are offsets in the joined text)."""

    target: str
    shapes: list[tuple[str, int, int]] = field(default_factory=list)
    mentions: list[tuple[int, int]] = field(default_factory=list)


_COORDINATED = re.compile(rf"(?:\s*,\s*|\s+(?:and|or)\s+|\s*,\s*(?:and|or)\s+)(?:then\s+)?(?P<adj>(?:(?:{_ADJECTIVES}|"
                          rf"truncated|elongated)[\s-]+)*)(?P<noun>{_NOUNS})(?![\w-])", re.I)


def _coordinated_shapes(text: str, end: int) -> list[tuple[str | None, int, int]]:
    """Shapes of nouns coordinated with a product phrase (``Pd octahedrons, truncated tetrahedrons and
    tetrahedrons``): ``(shape, start, end)``."""
    out = []
    while (m := _COORDINATED.match(text, end)) is not None:
        out.append((shape_of(m.group("noun"), m.group("adj") or ""), m.start("noun"), m.end()))
        end = m.end()
    return out


def main_products(text: str, synthesis_spans: list[tuple[int, int]]) -> list[SummarySpec]:
    """The main products of a summary text: compositions named in the first line (title) or in a sentence that
    states the synthesis, or named at least twice; in order of first mention, at most :data:`MAX_PRODUCTS`. A
    shell named on its own (``a ZnS shell``) adds the core/shell product of the first core (``InP/ZnS``)."""
    title_end = text.find("\n") if "\n" in text else min(len(text), 250)
    specs: dict[str, SummarySpec] = {}
    counts: dict[str, int] = {}
    salient: set[str] = set()
    shells: list[Product] = []
    for p in find_products(text):
        if p.is_shell:
            shells.append(p)
            continue
        counts[p.composition] = counts.get(p.composition, 0) + 1
        if p.start < title_end or any(s <= p.start < e for s, e in synthesis_spans):
            salient.add(p.composition)
        spec = specs.setdefault(p.composition, SummarySpec(p.composition))
        spec.mentions.append((p.start, p.end))
        adjectives = _product_regex().match(text, p.start)
        shape = shape_of(p.noun, adjectives.group("adj") if adjectives else "")
        for shape_name, start, end in [(shape, p.start, p.end), *_coordinated_shapes(text, p.end)]:
            if shape_name is not None and shape_name not in [s for s, _, _ in spec.shapes]:
                spec.shapes.append((shape_name, start, end))
    keep = [c for c in specs if c in salient or counts[c] >= 2]
    cores = [c for c in keep if "/" not in c and "@" not in c]
    for shell in shells:
        if cores and not any(shell.composition in re.split(r"[/@]", c) for c in keep):
            core = min(cores, key=lambda c: min(abs(start - shell.start) for start, _ in specs[c].mentions))
            composite = f"{core}/{shell.composition}"
            specs[composite] = SummarySpec(composite, mentions=[(shell.start, shell.end)])
            keep.append(composite)
    return [specs[c] for c in keep[:MAX_PRODUCTS]]


_NOT_CHEMICAL = re.compile(
    r"^\(?(?:I{1,3}|IV|V|VI|\d\+?|[+-])\)?$|^\(?(?:NCs?|QDs?|NPs?|TMS|seeds?)\)?$|"
    r"^(?:nitrogen|argon|air|N2|Ar|vacuum|FTIR|NMR|XPS|EDX|EDS|SAED|HRTEM|TEM|SEM|XRD|ICP|UV|DLS|SAXS|complex(?:es)?|"
    r"structures?|products?|precursors?|solutions?|species|samples?)$|-precursors?$|^[A-Z][a-z]?(?:I{1,3}|IV)-?$|"
    r"^[A-Z][a-z]?\((?:I{1,3}|IV)\)$",
    re.I)
_GENERIC_PRECURSOR = re.compile(
    r"(?<![\w-])(?P<name>(?:gold|silver|platinum|palladium|copper|zinc|cadmium|lead|indium|iron|nickel|cobalt|"
    r"Au|Ag|Pt|Pd|Cu|Zn|Cd|Pb|In|Fe|Ni|Co)(?:\s?\((?:I{1,3}|IV)\))?\s+(?:ions|salts?|precursor\s+salts?))\b")
#: A name that only says which element a precursor brings (``copper and sulfur precursors``, ``sulfur atoms``).
_ELEMENT_ROLE_AFTER = re.compile(r"^\s*(?:and\s+\w+\s+)?(?:precursors?|sources?|atoms?|contents?|ions?|"
                                 r"-?(?:rich|poor|deficient|free))\b", re.I)
#: Context that makes a chemical no reaction chemical: solubility/dispersion, or an application sentence.
_NOT_REACTION_BEFORE = re.compile(r"(?:soluble|dispersible|dispersed|redispersed|transferred|solvents?\s+(?:like|such "
                                  r"as))\s+(?:in(?:to)?\s+)?(?:\w+\s+){0,4}$", re.I)
_APPLICATION = re.compile(r"\bdetect\w*|\bsens(?:ing|or|itivity)\w*|\bdegradation\b|\belectro-?oxidation\b|"
                          r"\bcataly\w+\s+(?:activity|performance|oxidation|reduction)|\bprobes?\b|\bbioimaging\b|"
                          r"\bsolar cells?\b|\blight-emitting\b|\bLEDs?\b|\bphotodetectors?\b", re.I)
_ELEMENT_WORDS = frozenset({"sulfur", "sulphur", "selenium", "tellurium", "phosphorus", "copper", "zinc", "cadmium",
                            "lead", "indium", "silver", "gold", "iron", "tin", "bismuth", "cesium", "caesium"})

#: An element whose amount is stated (``the concentration of Cd was 1.0 mM``): the element's precursor.
_ELEMENT_AMOUNT = re.compile(r"\b(?:concentration|amount|content|feed)\s+of\s+(?P<name>[A-Z][a-z]?\d?[+-]?)(?![\w(])")


def _clean_mention(text: str, start: int, end: int) -> tuple[int, int] | None:
    """Offsets of a material mention with a cut oxidation state closed (``Gold(I`` → ``Gold(I)``) and a charge
    kept (``Hg2`` + ``+``); None for a mention that is no chemical."""
    name = text[start:end]
    if name.count("(") > name.count(")"):
        close = text.find(")", end, end + 5)
        if close < 0:
            return None
        end = close + 1
    charge = re.match(r"\d?[+-](?![\w])", text[end:end + 3])
    if charge and re.search(r"[A-Z][a-z]?\d?$", text[start:end]):
        end += charge.end()
    return start, end


def is_chemical_name(name: str, following: str = "") -> bool:
    """False for a material mention that is no reaction chemical: a technique (``FTIR``), a generic word
    (``complex``, ``Pb-precursor``), a cut oxidation state (``Gold(I``), a gas of the atmosphere, or a product
    phrase (``Au NPs``, ``gold colloids``; ``following`` is the text after the name)."""
    bare = name.strip()
    if _NOT_CHEMICAL.search(bare.strip("()")) or bare.count("(") > bare.count(")"):
        return False
    phrase = find_products(f"{bare}{following[:40]}") if _composition(bare, "nanocrystals") or \
        bare.lower() in MATERIAL_NAMES else []
    if phrase and phrase[0].start == 0 and not re.match(r"(?i)seeds?$", phrase[0].noun):
        return False
    return not re.match(r"(?i)^(?:[A-Z][a-z]?\s+|[a-z]+\s+)?(?:NPs?|NCs?|QDs?|GNPs?|colloids?|nanoparticles?|"
                        r"nanocrystals?)$", bare) or bool(re.search(r"(?i)\bseeds?\b", bare))


def _name_key(name: str) -> str:
    try:
        return normalize_name(name).lower()
    except SchemaValidationError:
        return name.lower()


def _reaction_context(text: str, start: int, end: int, name: str) -> bool:
    """False when the context says a mention is no reaction chemical: an element named as what a precursor brings
    (``sulfur precursors``), a solvent of redispersion (``soluble in toluene or chloroform``), or a chemical of an
    application sentence (``detection of Hg2+``) that states no synthesis."""
    if (name.lower() in _ELEMENT_WORDS or name in ELEMENTS) and _ELEMENT_ROLE_AFTER.match(text[end:end + 30]):
        return False
    s, e = next(((s, e) for s, e in sentence_spans(text) if s <= start < e), (0, len(text)))
    if _NOT_REACTION_BEFORE.search(text[max(s, start - 80):start]):
        return False
    whole = text[s:e]
    return not (_APPLICATION.search(whole) and not states_synthesis(whole))


def summary_chemicals(text: str, products: list[SummarySpec]) -> list[tuple[int, int, str]]:
    """Chemicals named in a summary text outside its product phrases: ``(start, end, name)``, first mention of
    each name; product compositions and their layers are not chemicals, generic precursor phrases (``gold
    ions``, ``Pt(II) precursor salt``) are."""
    product_spans = [span for spec in products for span in spec.mentions]
    layers = {layer.lower() for spec in products for layer in re.split(r"[/@]", spec.target)}
    layers |= {spec.target.lower() for spec in products}
    seen: set[str] = set()
    found = [(m.start, m.end) for m in material_mentions(text)]
    generic = [(m.start("name"), m.end("name")) for m in _GENERIC_PRECURSOR.finditer(text)]
    generic += [(m.start("name"), m.end("name")) for m in _ELEMENT_AMOUNT.finditer(text)
                if m.group("name").rstrip("+-0123456789") in ELEMENTS]
    found = [f for f in found if not any(g0 <= f[0] < g1 for g0, g1 in generic)] + generic
    out: list[tuple[int, int, str]] = []
    for start, end in sorted(found):
        cleaned = _clean_mention(text, start, end)
        if cleaned is None or any(s <= start < e for s, e in product_spans):
            continue
        start, end = cleaned
        bare = text[start:end].strip()
        if bare.startswith("(") and bare.endswith(")"):
            bare = bare[1:-1].strip()
        key = _name_key(bare)
        if _NOT_CHEMICAL.search(bare) or len(bare) < 2 or bare.lower() in layers or key in seen:
            continue
        if _composition(bare, "nanocrystals") is not None and re.match(r"\s*(?:" + _NOUNS + r")\b",
                                                                           text[end:end + 30], re.I):
            continue  # another product phrase (``CdSe nanocrystals`` used as a template)
        if not _reaction_context(text, start, end, bare):
            continue
        seen.add(key)
        offset = text.find(bare, start, end)
        out.append((offset, offset + len(bare), bare))
    return out


def _species_matches(species: str, name_raw: str, name: str, formula: str | None) -> bool:
    """Whether a ratio species (``Cd``, ``MPA``, ``OA``) names this chemical (by abbreviation, name or element)."""
    if species.lower() in (name_raw.lower(), name.lower()):
        return True
    info = lookup(species)
    if info is not None and info.name.lower() == name.lower():
        return True
    if species in ELEMENTS and formula:
        try:
            return species in composition_elements(formula)
        except (SchemaValidationError, ValueError):
            return False
    return species in ELEMENTS and bool(re.match(rf"{species}(?![a-z])\d*[+-]?$", name_raw))


def ratio_assignments(text: str, chemicals: list[tuple[str, str, str | None]]) -> dict[int, tuple[float, str]]:
    """Molar-ratio parts written with their species (``the mole ratio of Cd/Te/MPA was 1:0.5:2.4``, ``OA/Cd =
    40``) → ``{chemical index: (part, raw)}`` for the chemicals ``(name_raw, name, formula)`` each species names
    (the first such chemical; a species naming none is skipped)."""
    out: dict[int, tuple[float, str]] = {}
    for q in find_quantities(text, qualitative=False):
        if q.kind is not QuantityKind.RATIO or not q.species or not q.parts or len(q.species) != len(q.parts):
            continue
        for species, part in zip(q.species, q.parts, strict=True):
            index = next((i for i, (raw, name, formula) in enumerate(chemicals)
                          if i not in out and _species_matches(species, raw, name, formula)), None)
            if index is not None:
                out[index] = (part, q.raw)
    return out


_INJECTION = re.compile(r"\binject\w*|\bswiftly added|\brapidly added", re.I)
_NOT_REACTION = re.compile(r"\banneal\w*|\bcalcin\w*|\bmeasured\b|\bstable\s+(?:for|up to|over|at)\b|"
                           r"\bstability\b|\bstorage\b|\bstored\b|"
                           r"\blifetimes?\b|\bdecay\b|\bcurie\b|\bmelting\b|\bbandgap\b|\bband gap\b|\bcooled\b", re.I)


_OTHER_OPERATION = re.compile(r"\b(?:gr[eo]w\w*|heat\w*|kept|maintained|held|react\w*|stirr\w*|aged|cooled|"
                              r"annealed|decompos\w*)\b", re.I)


def _temperature_action(before: str) -> str:
    """``inject`` when the last operation word before a temperature is an injection, else ``grow``."""
    inject = list(_INJECTION.finditer(before))
    if not inject:
        return "grow"
    return "grow" if _OTHER_OPERATION.search(before, inject[-1].end()) else "inject"


def summary_conditions(text: str) -> list[dict]:
    """Temperatures and times of the reaction stated in a summary text: step dicts ``{"action", "temperature_k" |
    "time_s", "_start", "_end"}`` (an injection temperature when an injection word precedes it in its sentence)."""
    steps: list[dict] = []
    for s, e in sentence_spans(text) or [(0, len(text))]:
        sentence = text[s:e]
        if _NOT_REACTION.search(sentence):
            continue
        for q in find_quantities(sentence, ratios=False, qualitative=False):
            if q.normalized is None:
                continue
            span = {"_start": s + q.char_start, "_end": s + q.char_end}
            if q.kind is QuantityKind.TEMPERATURE and 250 <= q.normalized <= 700:
                steps.append({"action": _temperature_action(sentence[max(0, q.char_start - 80):q.char_start]),
                              "temperature_k": q.normalized, **span})
            elif q.kind is QuantityKind.TIME and 1 <= q.normalized <= 7 * 86400:
                steps.append({"action": "grow", "time_s": q.normalized, **span})
    return steps


_SIZE_BEFORE_NOUN = re.compile(rf"(?P<num>\d+(?:\.\d+)?)\s*(?:±\s*(?P<sd>\d+(?:\.\d+)?)\s*)?nm(?:[\s-]+(?:sized?|"
                               rf"{_ADJECTIVES}|[A-Z][A-Za-z0-9/]*))*[\s-]+(?:{_NOUNS})\b|(?P<num2>\d+(?:\.\d+)?)\s*"
                               rf"(?:±\s*(?P<sd2>\d+(?:\.\d+)?)\s*)?nm\s+in\s+(?:size|diameter|edge length)", re.I)


def sizes_before_nouns(text: str) -> list[tuple[float, float | None, int, int]]:
    """Sizes written before a product noun (``22 nm nanocubes``, ``4.2 ± 0.3 nm CdSe QDs``, ``22 nm in size``):
    ``(size_nm, sd_nm | None, start, end)``."""
    out = []
    for m in _SIZE_BEFORE_NOUN.finditer(text):
        num, sd = (m.group("num"), m.group("sd")) if m.group("num") else (m.group("num2"), m.group("sd2"))
        value = float(num)
        if 0 < value < 1000:
            out.append((value, float(sd) if sd else None, m.start(), m.end()))
    return out


__all__ = ["MAX_PRODUCTS", "Product", "SummarySpec", "find_products", "is_chemical_name", "main_products",
           "ratio_assignments", "shape_of", "sizes_before_nouns", "summary_chemicals", "summary_conditions"]
