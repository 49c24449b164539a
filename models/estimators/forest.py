"""Tree ensembles from scikit-learn with the same ``predict_dist`` contract: random forest (``rf``, the baseline)
and extremely randomized trees (``et``).

Artifacts hold the fitted trees as plain arrays in safetensors (children, split feature, threshold, leaf values);
a loaded forest predicts with a small numpy traversal — no pickle.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
from sklearn.base import BaseEstimator

from nanosynth.models.estimators.base import EnsembleClassifierMixin, EnsembleRegressorMixin


class _ForestBase(BaseEstimator):
    def __init__(self, n_members: int = 4, member_fraction: float = 0.8, interval: float = 0.9,
                 n_estimators: int = 100, max_features: float = 0.5, min_samples_leaf: int = 1,
                 random_state: int = 0, n_jobs: int = 1, full_fit: bool = True):
        self.n_members = n_members
        self.member_fraction = member_fraction
        self.interval = interval
        self.n_estimators = n_estimators
        self.max_features = max_features
        self.min_samples_leaf = min_samples_leaf
        self.random_state = random_state
        self.n_jobs = n_jobs
        self.full_fit = full_fit

    def _prepare(self, X, y) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns are filled with 0
            self.fill_ = np.nan_to_num(np.nanmedian(np.where(np.isfinite(X), X, np.nan), axis=0), nan=0.0)

    def _clean(self, X):
        return np.where(np.isfinite(X), X, self.fill_)

    _kind = "rf"

    def _sk_class(self, task: str):
        from sklearn.ensemble import (ExtraTreesClassifier, ExtraTreesRegressor, RandomForestClassifier,
                                      RandomForestRegressor)

        table = {("rf", "r"): RandomForestRegressor, ("rf", "c"): RandomForestClassifier,
                 ("et", "r"): ExtraTreesRegressor, ("et", "c"): ExtraTreesClassifier}
        return table[(self._kind, task)]

    def save_members(self, directory) -> list[str]:
        """Write ``forests.safetensors``: every tree of every member as arrays, plus the imputation values."""
        from safetensors.numpy import save_file

        self._check_fitted()
        tensors = {"fill": np.asarray(self.fill_, dtype=np.float64)}
        for k, forest in enumerate(self.members_):
            trees = forest.trees if isinstance(forest, NumpyForest) else [e.tree_ for e in forest.estimators_]
            for j, tree in enumerate(trees):
                for name in ("children_left", "children_right", "feature"):
                    tensors[f"m{k}.t{j}.{name}"] = np.ascontiguousarray(getattr(tree, name), dtype=np.int64)
                tensors[f"m{k}.t{j}.threshold"] = np.ascontiguousarray(tree.threshold, dtype=np.float64)
                value = np.asarray(tree.value, dtype=np.float64)
                tensors[f"m{k}.t{j}.value"] = np.ascontiguousarray(value.reshape(value.shape[0], -1))
            if hasattr(forest, "classes_"):
                tensors[f"m{k}.classes"] = np.asarray(forest.classes_, dtype=np.int64)
        save_file(tensors, str(Path(directory) / "forests.safetensors"))
        return ["forests.safetensors"]

    def load_members(self, directory, names: list[str]) -> None:
        from safetensors.numpy import load_file

        tensors = load_file(str(Path(directory) / names[0]))
        self.fill_ = tensors["fill"]
        members, k = [], 0
        while f"m{k}.t0.feature" in tensors:
            trees, j = [], 0
            while f"m{k}.t{j}.feature" in tensors:
                trees.append(_Tree(*(tensors[f"m{k}.t{j}.{n}"] for n in
                                     ("children_left", "children_right", "feature", "threshold", "value"))))
                j += 1
            members.append(NumpyForest(trees, tensors.get(f"m{k}.classes")))
            k += 1
        self.members_ = members


class _Tree:
    """Arrays of one fitted decision tree."""

    def __init__(self, children_left, children_right, feature, threshold, value):
        self.children_left, self.children_right = children_left, children_right
        self.feature, self.threshold, self.value = feature, threshold, value

    def apply(self, X: np.ndarray) -> np.ndarray:
        """Leaf index of every row; like scikit-learn, features are compared as float32 with the thresholds."""
        X = np.asarray(X, dtype=np.float32)
        node = np.zeros(len(X), dtype=np.int64)
        active = self.children_left[node] != -1
        rows = np.arange(len(X))
        while active.any():
            r, n = rows[active], node[active]
            go_left = X[r, self.feature[n]] <= self.threshold[n]
            node[r] = np.where(go_left, self.children_left[n], self.children_right[n])
            active = self.children_left[node] != -1
        return node


class NumpyForest:
    """A loaded forest: averages its trees' leaf values (regression) or normalized leaf counts (classification)."""

    def __init__(self, trees: list[_Tree], classes=None):
        self.trees = trees
        if classes is not None:
            self.classes_ = classes

    def predict(self, X) -> np.ndarray:
        return np.mean([t.value[t.apply(X), 0] for t in self.trees], axis=0)

    def predict_proba(self, X) -> np.ndarray:
        out = []
        for t in self.trees:
            v = t.value[t.apply(X)]
            out.append(v / np.maximum(v.sum(axis=1, keepdims=True), 1e-12))
        return np.mean(out, axis=0)


class ForestRegressor(EnsembleRegressorMixin, _ForestBase):
    """Random-forest regression baseline (members = forests on group subsamples)."""

    def _fit_member(self, X, y, member, weight):
        return self._sk_class("r")(self.n_estimators, max_features=self.max_features,
                                   min_samples_leaf=self.min_samples_leaf, n_jobs=self.n_jobs,
                                   random_state=self.random_state * 1000 + member).fit(self._clean(X), y, weight)

    def _predict_members(self, X) -> np.ndarray:
        return np.stack([m.predict(self._clean(X)) for m in self.members_])


class ForestClassifier(EnsembleClassifierMixin, _ForestBase):
    """Random-forest classification baseline."""

    def _fit_member(self, X, y, member, weight):
        return self._sk_class("c")(self.n_estimators, max_features=self.max_features,
                                   min_samples_leaf=self.min_samples_leaf, n_jobs=self.n_jobs,
                                   random_state=self.random_state * 1000 + member).fit(self._clean(X), y, weight)

    def _predict_members(self, X) -> np.ndarray:
        out = np.zeros((len(self.members_), len(X), len(self.classes_)))
        for k, m in enumerate(self.members_):
            out[k][:, m.classes_] = m.predict_proba(self._clean(X))
        return out


class ExtraTreesRegressor(ForestRegressor):
    """Extremely randomized trees (random split thresholds): smoother than a forest on recipe tables."""

    _kind = "et"


class ExtraTreesClassifier(ForestClassifier):
    """Extremely randomized trees for classes."""

    _kind = "et"
