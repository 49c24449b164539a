"""The paragraph labels and the per-paragraph prediction type."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

#: The labels, in the column order of every probability matrix.
LABELS: tuple[str, str, str] = ("synthesis", "characterization", "other")

Label = Literal["synthesis", "characterization", "other"]


class Prediction(BaseModel):
    """The classifier's verdict on one paragraph.

    Attributes
    ----------
    label:
        ``synthesis``, ``characterization`` or ``other``.
    score:
        Calibrated probability of ``label`` (0–1).
    probabilities:
        Calibrated probability of every label (sums to 1).
    """

    model_config = ConfigDict(frozen=True)

    label: Label
    score: float = Field(ge=0.0, le=1.0)
    probabilities: dict[str, float]


__all__ = ["LABELS", "Label", "Prediction"]
