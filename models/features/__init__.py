"""Featurization of recipe frames (from ``db.queries``) into model inputs.

Public API: :class:`FeatureBuilder`, :class:`FeatureConfig`, :func:`frames_for_conditions`,
:class:`RecipeFramesLike`, :data:`FEATURE_VERSION`.
"""

from nanosynth.models.features.builder import (
    CLASSES,
    FEATURE_VERSION,
    DomainReport,
    FeatureBuilder,
    FeatureConfig,
    base_table,
)
from nanosynth.models.features.frames import Frames, RecipeFramesLike, check_frames, frames_for_conditions, subset_frames

__all__ = ["CLASSES", "FEATURE_VERSION", "DomainReport", "FeatureBuilder", "FeatureConfig", "Frames",
           "RecipeFramesLike", "base_table", "check_frames", "frames_for_conditions", "subset_frames"]
