"""Errors of the models layer (all in the :class:`schema.errors.NanosynthError` family)."""

from __future__ import annotations

from sklearn.exceptions import NotFittedError as _SklearnNotFittedError

from schema.errors import ModelError


class NotFittedError(ModelError, _SklearnNotFittedError):
    """A model or feature builder was used before ``fit``; also a :class:`sklearn.exceptions.NotFittedError`."""


__all__ = ["ModelError", "NotFittedError"]
