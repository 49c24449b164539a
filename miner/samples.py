"""The shipped sample papers (``samples/papers``) and scoring of extracted recipes against their expected JSON.

Five short nanocrystal-synthesis papers (hot-injection CdSe, PbS, InP/ZnS, seed-mediated Au rods, CsPbBr3), each
as text, HTML and PDF, with a hand-written ``expected/<id>.json``. ``make demo`` ingests them; the tests and
:func:`score_recipes` check extraction quality against the expectations (precision/recall of chemicals,
amounts, conditions and outcomes).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from schema.errors import ArtifactNotFoundError
from schema.records import RecipeCreate

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
    """The hand-written expected extraction of one sample paper."""
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
    """Precision/recall of extracted recipes against an expected JSON (chemicals, roles, amounts, conditions,
    outcomes). Only amounts written in the paper are scored (derived mmol from mL and density are not)."""
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


__all__ = ["FORMATS", "PR", "SAMPLE_IDS", "load_expected", "sample_paper_paths", "sample_papers_dir",
           "score_recipes"]
