"""Property models: recipe frames (from ``db.queries``) → features → calibrated predictions.

Quick use (a lab script seeding a CdSe campaign)::

    from nanosynth.models import load_model, frames_for_conditions, predict_conditions
    model, manifest = load_model("artifacts/cdse-abs")          # from `nanosynth models train ...`
    table = predict_conditions(model, plan)                      # plan: temperature_c, cd_mm, se_mm, oa_cd_ratio, time_s

Importing this package does no I/O and does not import torch or xgboost (they load on first use).
"""

import logging

from nanosynth.models.artifacts import load_model, save_model
from nanosynth.models.errors import ModelError, NotFittedError
from nanosynth.models.features import FEATURE_VERSION, FeatureBuilder, FeatureConfig, Frames, frames_for_conditions
from nanosynth.models.pipeline import OutOfDomainWarning, PropertyModel, predict_conditions, select_recipes
from nanosynth.models.targets import TARGETS, get_target

logging.getLogger(__name__).addHandler(logging.NullHandler())

__all__ = ["FEATURE_VERSION", "TARGETS", "FeatureBuilder", "FeatureConfig", "Frames", "ModelError",
           "NotFittedError", "OutOfDomainWarning", "PropertyModel", "frames_for_conditions", "get_target",
           "load_model", "predict_conditions", "save_model", "select_recipes"]
