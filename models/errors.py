"""Errors of the models layer (all in the :class:`nanosynth.schema.errors.NanosynthError` family)."""

from __future__ import annotations

from sklearn.exceptions import NotFittedError as _SklearnNotFittedError

from nanosynth.schema.errors import ModelError


class NotFittedError(ModelError, _SklearnNotFittedError):
    """A model or feature builder was used before ``fit``; also a :class:`sklearn.exceptions.NotFittedError`."""


class ModelInputError(ModelError, ValueError):
    """Training or prediction input an estimator cannot use (too few rows, one class...); also a ``ValueError``,
    as scikit-learn's estimator contract expects."""


__all__ = ["ModelError", "ModelInputError", "NotFittedError"]
