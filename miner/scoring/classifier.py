"""Per-class precision, recall and F1 of a paragraph classifier on labelled paragraphs."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from pydantic import BaseModel, ConfigDict

from nanosynth.miner.classify.labels import LABELS


class ClassMetrics(BaseModel):
    """Precision, recall, F1 and support of one label."""

    model_config = ConfigDict(frozen=True)

    precision: float
    recall: float
    f1: float
    support: int


class EvaluationReport(BaseModel):
    """Scores of predictions against gold labels.

    Attributes
    ----------
    per_class:
        Label → :class:`ClassMetrics`.
    accuracy, macro_f1:
        Over all paragraphs / averaged over the three labels.
    confusion:
        ``confusion[gold][predicted]`` counts.
    n:
        Number of paragraphs scored.
    """

    model_config = ConfigDict(frozen=True)

    per_class: dict[str, ClassMetrics]
    accuracy: float
    macro_f1: float
    confusion: dict[str, dict[str, int]]
    n: int

    @property
    def synthesis_f1(self) -> float:
        """F1 of the ``synthesis`` label (the headline figure)."""
        return self.per_class["synthesis"].f1

    def summary(self) -> dict[str, float]:
        """Flat dict for manifests and logs (``synthesis_f1``, ``synthesis_precision`` ... ``macro_f1``)."""
        out = {"n": self.n, "accuracy": round(self.accuracy, 4), "macro_f1": round(self.macro_f1, 4)}
        for label, m in self.per_class.items():
            out.update({f"{label}_precision": round(m.precision, 4), f"{label}_recall": round(m.recall, 4),
                        f"{label}_f1": round(m.f1, 4), f"{label}_support": m.support})
        return out


def score_predictions(gold: Sequence[str], predicted: Sequence[str]) -> EvaluationReport:
    """Score predicted labels against gold labels (labels outside :data:`LABELS` count as wrong)."""
    from sklearn.metrics import confusion_matrix, precision_recall_fscore_support

    gold, predicted = list(gold), list(predicted)
    p, r, f, s = precision_recall_fscore_support(gold, predicted, labels=list(LABELS), zero_division=0)
    matrix = confusion_matrix(gold, predicted, labels=list(LABELS)) if gold else np.zeros((3, 3), dtype=int)
    per_class = {label: ClassMetrics(precision=float(p[i]), recall=float(r[i]), f1=float(f[i]), support=int(s[i]))
                 for i, label in enumerate(LABELS)}
    accuracy = float(np.mean([g == q for g, q in zip(gold, predicted, strict=True)])) if gold else 0.0
    return EvaluationReport(per_class=per_class, accuracy=accuracy, macro_f1=float(np.mean(f)),
                            confusion={g: {q: int(matrix[i, j]) for j, q in enumerate(LABELS)}
                                       for i, g in enumerate(LABELS)},
                            n=len(gold))


def evaluate(classifier, rows) -> EvaluationReport:
    """Predict ``rows`` (:class:`~nanosynth.miner.corpora.paragraphs.LabelledParagraph`), score against their labels."""
    predictions = classifier.predict([row.text for row in rows])
    return score_predictions([row.label for row in rows], [p.label for p in predictions])


__all__ = ["ClassMetrics", "EvaluationReport", "evaluate", "score_predictions"]
