"""Exact-span entity scoring: per-type precision, recall, F1 and micro-F1.

A predicted entity counts as correct only when its start, end and label equal a gold entity's. Gold entities are
taken as annotated (not as converted), so spans the tokenizer cannot reproduce count as misses.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Iterable


@dataclass
class TypeScore:
    """Counts and figures of one entity type."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def support(self) -> int:
        """Number of gold entities."""
        return self.tp + self.fn


@dataclass
class EntityScores:
    """Exact-match scores over a set of documents.

    Attributes
    ----------
    per_type
        Label → :class:`TypeScore`, for every label present in gold or predictions.
    n_docs
        Number of documents scored.
    """

    per_type: dict[str, TypeScore] = field(default_factory=dict)
    n_docs: int = 0

    def add(self, gold: Iterable[tuple[int, int, str]], predicted: Iterable[tuple[int, int, str]]) -> None:
        """Add one document's gold and predicted ``(start, end, label)`` triples."""
        gold_c, pred_c = Counter(gold), Counter(predicted)
        for key in set(gold_c) | set(pred_c):
            score = self.per_type.setdefault(key[2], TypeScore())
            hit = min(gold_c[key], pred_c[key])
            score.tp += hit
            score.fn += gold_c[key] - hit
            score.fp += pred_c[key] - hit
        self.n_docs += 1

    @property
    def micro(self) -> TypeScore:
        """Counts summed over every type."""
        total = TypeScore()
        for score in self.per_type.values():
            total.tp += score.tp
            total.fp += score.fp
            total.fn += score.fn
        return total

    @property
    def micro_f1(self) -> float:
        return self.micro.f1

    def f1(self, label: str) -> float:
        """F1 of ``label`` (0 when absent)."""
        return self.per_type[label].f1 if label in self.per_type else 0.0

    def as_dict(self) -> dict:
        """JSON-friendly figures (rounded to 4 decimals)."""
        def row(s: TypeScore) -> dict:
            return {"p": round(s.precision, 4), "r": round(s.recall, 4), "f1": round(s.f1, 4),
                    "support": s.support, "tp": s.tp, "fp": s.fp, "fn": s.fn}
        return {
            "n_docs": self.n_docs,
            "micro": row(self.micro),
            "per_type": {label: row(s) for label, s in sorted(self.per_type.items(),
                                                                 key=lambda kv: (-kv[1].support, kv[0]))},
        }

    def rows(self) -> list[tuple[str, float, float, float, int]]:
        """``(label, P, R, F1, support)`` rows, most frequent gold type first."""
        return [(label, s.precision, s.recall, s.f1, s.support)
                for label, s in sorted(self.per_type.items(), key=lambda kv: (-kv[1].support, kv[0]))]
