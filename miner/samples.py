"""The shipped sample papers (``samples/papers``) and scoring of extracted recipes against their expected JSON.

Five short nanocrystal-synthesis papers (hot-injection CdSe, PbS, InP/ZnS core/shell, seed-mediated Au rods,
CsPbBr3), each as text, HTML and PDF, with a hand-written ``expected/<id>.json`` holding one entry per synthesis
the paper describes (``recipes``: target composition, method, chemicals with roles and amounts, conditions,
outcomes, work-up chemicals). ``make demo`` ingests them; the tests check extraction against the expectations
with :func:`paper_problems` (every discrepancy, for exact checks) and :func:`score_paper` / :func:`score_recipes`
(precision/recall per field group, for benchmarks).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from nanosynth.schema.errors import ArtifactNotFoundError
from nanosynth.schema.records import RecipeCreate

SAMPLE_IDS = ("cdse_hot_injection", "pbs_hot_injection", "inp_zns", "au_seed_mediated", "cspbbr3_hot_injection")
FORMATS = ("txt", "html", "pdf")


def sample_papers_dir() -> Path:
    """Folder of the sample papers (``<repo>/samples/papers``).

    Raises
    ------
    ArtifactNotFoundError
        When the folder is missing (a wheel install without the repository's ``samples/``).
    """
    path = Path(__file__).resolve().parents[1] / "samples" / "papers"
    if not path.is_dir():
        raise ArtifactNotFoundError(f"sample papers folder {path} is missing: run from a checkout of the repository")
    return path


def sample_paper_paths(formats: Iterable[str] = FORMATS) -> list[Path]:
    """Paths of the sample papers in the given formats (default: all 15 files: 5 papers × txt/html/pdf)."""
    folder = sample_papers_dir()
    return [folder / f"{pid}.{fmt}" for fmt in formats for pid in SAMPLE_IDS if (folder / f"{pid}.{fmt}").is_file()]


def load_expected(paper_id: str) -> dict:
    """The hand-written expected extraction of one sample paper (``{"id", "paper_key", "recipes": [...]}``)."""
    path = sample_papers_dir() / "expected" / f"{paper_id}.json"
    if not path.is_file():
        raise ArtifactNotFoundError(f"no expected extraction {path}: paper ids are {', '.join(SAMPLE_IDS)}")
    return json.loads(path.read_text(encoding="utf-8"))


@dataclass
class PR:
    """Matched, extracted and expected counts of one field group."""

    matched_extracted: int = 0
    extracted: int = 0
    matched_expected: int = 0
    expected: int = 0

    @property
    def precision(self) -> float:
        return self.matched_extracted / self.extracted if self.extracted else 1.0

    @property
    def recall(self) -> float:
        return self.matched_expected / self.expected if self.expected else 1.0


_AMOUNT_FIELDS = ("amount_mmol", "amount_ml", "amount_g", "concentration_mm")
_CONDITION_FIELDS = ("temperature_c", "time_s", "heating_rate_k_min", "injection_volume_ml", "atmosphere")


def _close(a, b, rel: float = 0.02, abs_: float = 1e-6) -> bool:
    if isinstance(a, str) or isinstance(b, str):
        return str(a) == str(b)
    return a is not None and b is not None and abs(float(a) - float(b)) <= max(abs_, rel * abs(float(b)), 0.51
                                                                                   if b and abs(b) > 20 else 0)


def score_recipes(recipes: list[RecipeCreate], expected: dict) -> dict[str, PR]:
    """Precision/recall of extracted recipes against ONE expected recipe (an item of ``expected["recipes"]``:
    chemicals, roles, amounts, conditions, outcomes). Only amounts written in the paper are scored (derived mmol
    from mL and density are not). Use :func:`score_paper` for a whole paper."""
    chems = [c for r in recipes for c in r.chemicals]
    steps = [s for r in recipes for s in r.steps]
    outcomes = [o for r in recipes for o in r.outcomes]
    scores = {k: PR() for k in ("chemicals", "roles", "amounts", "conditions", "outcomes")}
    exp_chems = {c["name"]: c for c in expected["chemicals"]}
    got = {c.name: c for c in chems}
    s = scores["chemicals"]
    s.extracted, s.expected = len(got), len(exp_chems)
    s.matched_extracted = s.matched_expected = len(set(got) & set(exp_chems))
    r = scores["roles"]
    r.extracted = r.expected = len(set(got) & set(exp_chems))
    r.matched_extracted = r.matched_expected = sum(1 for n in set(got) & set(exp_chems)
                                                   if got[n].role == exp_chems[n]["role"])
    a = scores["amounts"]
    for name, exp in exp_chems.items():
        for field in _AMOUNT_FIELDS:
            if field in exp:
                a.expected += 1
                a.matched_expected += int(name in got and _close(getattr(got[name], field), exp[field]))
    for name, c in got.items():
        if not c.amount_raw:
            continue
        a.extracted += 1
        exp = exp_chems.get(name, {})
        fields = [f for f in _AMOUNT_FIELDS if f in exp]
        a.matched_extracted += int(bool(fields) and all(_close(getattr(c, f), exp[f]) for f in fields))
    c_score = scores["conditions"]
    exp_facts = [(cond["action"], f, cond[f]) for cond in expected["conditions"] for f in _CONDITION_FIELDS if f in cond]
    got_facts = [(st.action, f, getattr(st, f)) for st in steps for f in _CONDITION_FIELDS
                 if getattr(st, f) is not None]
    c_score.expected, c_score.extracted = len(exp_facts), len(got_facts)
    c_score.matched_expected = sum(1 for e in exp_facts if any(g[0] == e[0] and g[1] == e[1] and _close(g[2], e[2])
                                                               for g in got_facts))
    c_score.matched_extracted = sum(1 for g in got_facts if any(g[0] == e[0] and g[1] == e[1] and _close(g[2], e[2])
                                                                for e in exp_facts))
    o = scores["outcomes"]
    o.expected, o.extracted = len(expected["outcomes"]), len(outcomes)

    def same(out, exp) -> bool:
        if out.property != exp["property"]:
            return False
        if "value_text" in exp:
            return out.value_text == exp["value_text"]
        return _close(out.value, exp["value"]) and ("spectrum" not in exp or out.spectrum == exp["spectrum"])

    o.matched_expected = sum(1 for e in expected["outcomes"] if any(same(x, e) for x in outcomes))
    o.matched_extracted = sum(1 for x in outcomes if any(same(x, e) for e in expected["outcomes"]))
    return scores


def match_recipes(recipes: list[RecipeCreate], expected: dict) -> list[tuple[RecipeCreate | None, dict]]:
    """Pair every expected recipe of a paper with the extracted recipe of the same target composition (in order;
    None when none is left)."""
    left = list(recipes)
    pairs: list[tuple[RecipeCreate | None, dict]] = []
    for exp in expected["recipes"]:
        found = next((r for r in left if r.target_composition == exp.get("target_composition")), None)
        if found is not None:
            left.remove(found)
        pairs.append((found, exp))
    return pairs


def score_paper(recipes: list[RecipeCreate], expected: dict) -> dict[str, PR]:
    """Precision/recall of one paper's extracted recipes against its expected JSON, per field group plus
    ``recipes`` (one per described synthesis). Extracted recipes without an expected counterpart count against
    precision."""
    pairs = match_recipes(recipes, expected)
    total = {k: PR() for k in ("recipes", "chemicals", "roles", "amounts", "conditions", "outcomes")}
    matched = [r for r, _ in pairs if r is not None]
    total["recipes"] = PR(len(matched), len(recipes), len(matched), len(pairs))
    for recipe, exp in pairs:
        for key, pr in score_recipes([recipe] if recipe is not None else [], exp).items():
            t = total[key]
            t.matched_extracted += pr.matched_extracted
            t.extracted += pr.extracted
            t.matched_expected += pr.matched_expected
            t.expected += pr.expected
    empty = {"chemicals": [], "conditions": [], "outcomes": []}
    for extra in (r for r in recipes if all(r is not m for m in matched)):
        for key, pr in score_recipes([extra], empty).items():
            total[key].extracted += pr.extracted
    return total


def paper_problems(recipes: list[RecipeCreate], expected: dict) -> list[str]:
    """Every discrepancy between a paper's extracted recipes and its expected JSON (empty list = exact match).

    Checked: one recipe per expected synthesis (matched by target composition) and no other; method; the set of
    chemicals, each chemical's role and every amount field the expectation gives; every expected condition fact
    (action, field, value) and no unexpected one; every expected outcome and no unexpected one; work-up
    chemicals named in the recipe notes.
    """
    problems: list[str] = []
    pairs = match_recipes(recipes, expected)
    matched = [r for r, _ in pairs if r is not None]
    for extra in (r for r in recipes if all(r is not m for m in matched)):
        problems.append(f"unexpected recipe {extra.source_key} (target {extra.target_composition!r}, "
                        f"{len(extra.chemicals)} chemicals)")
    for recipe, exp in pairs:
        where = f"recipe {exp.get('target_composition')!r}"
        if recipe is None:
            problems.append(f"{where}: not extracted (targets found: {[r.target_composition for r in recipes]})")
            continue
        if "method" in exp and recipe.method != exp["method"]:
            problems.append(f"{where}: method {recipe.method!r} != {exp['method']!r}")
        got = {c.name: c for c in recipe.chemicals}
        want = {c["name"]: c for c in exp["chemicals"]}
        for name in sorted(set(want) - set(got)):
            problems.append(f"{where}: missing chemical {name!r}")
        for name in sorted(set(got) - set(want)):
            problems.append(f"{where}: unexpected chemical {name!r} (role {got[name].role}, {got[name].amount_raw})")
        for name in sorted(set(got) & set(want)):
            if got[name].role != want[name]["role"]:
                problems.append(f"{where}: {name} role {got[name].role!r} != {want[name]['role']!r}")
            for field in _AMOUNT_FIELDS:
                if field in want[name] and not _close(getattr(got[name], field), want[name][field]):
                    problems.append(f"{where}: {name} {field} {getattr(got[name], field)} != {want[name][field]}")
        facts = [(st.action, f, getattr(st, f)) for st in recipe.steps for f in _CONDITION_FIELDS
                 if getattr(st, f) is not None]
        want_facts = [(c["action"], f, c[f]) for c in exp["conditions"] for f in _CONDITION_FIELDS if f in c]
        for fact in want_facts:
            if not any(g[0] == fact[0] and g[1] == fact[1] and _close(g[2], fact[2]) for g in facts):
                problems.append(f"{where}: missing condition {fact}")
        for fact in facts:
            if not any(g[0] == fact[0] and g[1] == fact[1] and _close(fact[2], g[2]) for g in want_facts):
                problems.append(f"{where}: unexpected condition {fact}")
        score = score_recipes([recipe], exp)["outcomes"]
        if score.matched_expected != score.expected or score.matched_extracted != score.extracted:
            problems.append(f"{where}: outcomes {[(o.property, o.value, o.value_text) for o in recipe.outcomes]} "
                            f"!= {[(o['property'], o.get('value', o.get('value_text'))) for o in exp['outcomes']]}")
        for name in exp.get("workup", []):
            if name not in (recipe.notes or ""):
                problems.append(f"{where}: work-up chemical {name!r} not named in the notes {recipe.notes!r}")
    return problems


__all__ = ["FORMATS", "PR", "SAMPLE_IDS", "load_expected", "match_recipes", "paper_problems", "sample_paper_paths",
           "sample_papers_dir", "score_paper", "score_recipes"]
