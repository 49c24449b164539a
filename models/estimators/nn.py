"""PyTorch deep ensembles (MLPs): Gaussian mean/variance heads for regression, softmax for classification.

Inputs are median-imputed and standardized with training statistics; regression targets are standardized.
Members differ by seed and by the groups they see. Weights are saved with safetensors.
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import numpy as np
from sklearn.base import BaseEstimator

from nanosynth.models.estimators.base import EnsembleClassifierMixin, EnsembleRegressorMixin


def _torch():
    import torch

    return torch


def _mlp(n_in: int, n_out: int, hidden: int, layers: int, dropout: float):
    nn = _torch().nn
    mods, width = [], n_in
    for _ in range(layers):
        mods += [nn.Linear(width, hidden), nn.SiLU(), nn.Dropout(dropout)]
        width = hidden
    mods.append(nn.Linear(width, n_out))
    return nn.Sequential(*mods)


class _MLPBase(BaseEstimator):
    def __init__(self, n_members: int = 5, member_fraction: float = 0.8, interval: float = 0.9,
                 hidden: int = 128, layers: int = 2, dropout: float = 0.05, epochs: int = 150,
                 batch_size: int = 128, learning_rate: float = 3e-3, weight_decay: float = 1e-4,
                 random_state: int = 0, n_jobs: int = 1, full_fit: bool = True):
        self.n_members = n_members
        self.member_fraction = member_fraction
        self.interval = interval
        self.hidden = hidden
        self.layers = layers
        self.dropout = dropout
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.random_state = random_state
        self.n_jobs = n_jobs
        self.full_fit = full_fit

    _n_out = 1

    def _prepare(self, X, y) -> None:
        finite = np.where(np.isfinite(X), X, np.nan)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns are filled with 0
            fill = np.nanmedian(finite, axis=0) if len(X) else np.zeros(X.shape[1])
        self.fill_ = np.nan_to_num(fill, nan=0.0)
        Xc = np.where(np.isfinite(X), X, self.fill_)
        self.x_mean_ = Xc.mean(axis=0)
        self.x_std_ = Xc.std(axis=0)
        self.x_std_[self.x_std_ < 1e-9] = 1.0
        if self._n_out == 2:
            self.y_mean_ = float(np.mean(y))
            self.y_std_ = float(np.std(y)) or 1.0

    def _scale(self, X):
        Xc = np.where(np.isfinite(X), X, self.fill_)
        return np.clip((Xc - self.x_mean_) / self.x_std_, -10, 10).astype(np.float32)

    def _out_dim(self) -> int:
        return self._n_out if self._n_out == 2 else len(self.classes_)

    def _fit_member(self, X, y, member, weight):
        torch = _torch()
        torch.set_num_threads(self.n_jobs)
        gen = torch.Generator().manual_seed(self.random_state * 1000 + member)
        torch.manual_seed(self.random_state * 1000 + member)
        net = _mlp(X.shape[1], self._out_dim(), self.hidden, self.layers, self.dropout)
        xt = torch.from_numpy(self._scale(X))
        if self._n_out == 2:
            yt = torch.from_numpy(((y - self.y_mean_) / self.y_std_).astype(np.float32))
        else:
            yt = torch.from_numpy(np.asarray(y, dtype=np.int64))
        wt = None if weight is None else torch.from_numpy((weight / max(weight.mean(), 1e-12)).astype(np.float32))
        self._train_net(net, xt, yt, wt, gen)
        net.eval()
        return net

    def _train_net(self, net, xt, yt, wt, gen) -> None:
        """AdamW with a one-cycle schedule over shuffled mini-batches; ``wt`` weights the per-row losses."""
        torch = _torch()
        opt = torch.optim.AdamW(net.parameters(), lr=self.learning_rate, weight_decay=self.weight_decay)
        steps_per_epoch = max(1, math.ceil(len(xt) / self.batch_size))
        sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=self.learning_rate,
                                                    total_steps=self.epochs * steps_per_epoch)
        net.train()
        for _ in range(self.epochs):
            perm = torch.randperm(len(xt), generator=gen)
            for i in range(steps_per_epoch):
                idx = perm[i * self.batch_size:(i + 1) * self.batch_size]
                loss = self._loss(net(xt[idx]), yt[idx], None if wt is None else wt[idx])
                opt.zero_grad()
                loss.backward()
                opt.step()
                sched.step()

    def _raw(self, X) -> list:
        torch = _torch()
        torch.set_num_threads(self.n_jobs)
        xt = torch.from_numpy(self._scale(X))
        with torch.no_grad():
            return [m(xt).numpy().astype(float) for m in self.members_]

    # ----------------------------------------------------------------------------------------- persistence
    def save_members(self, directory: Path) -> list[str]:
        """Write ``members.safetensors`` (all members' weights + input/target scalers)."""
        from safetensors.numpy import save_file

        self._check_fitted()
        tensors = {"x_mean": self.x_mean_, "x_std": self.x_std_, "fill": self.fill_}
        if self._n_out == 2:
            tensors["y_scale"] = np.array([self.y_mean_, self.y_std_])
        for k, net in enumerate(self.members_):
            for name, t in net.state_dict().items():
                tensors[f"m{k}.{name}"] = t.detach().cpu().numpy()
        tensors = {k: np.ascontiguousarray(v, dtype=np.float32 if k.startswith("m") else np.float64)
                   for k, v in tensors.items()}
        save_file(tensors, str(Path(directory) / "members.safetensors"))
        return ["members.safetensors"]

    def load_members(self, directory: Path, names: list[str]) -> None:
        from safetensors.numpy import load_file

        torch = _torch()
        tensors = load_file(str(Path(directory) / names[0]))
        self.x_mean_, self.x_std_, self.fill_ = tensors["x_mean"], tensors["x_std"], tensors["fill"]
        if "y_scale" in tensors:
            self.y_mean_, self.y_std_ = (float(v) for v in tensors["y_scale"])
        n = len(self.x_mean_)
        members = []
        k = 0
        while any(key.startswith(f"m{k}.") for key in tensors):
            net = _mlp(n, self._out_dim(), self.hidden, self.layers, self.dropout)
            state = {key[len(f"m{k}."):]: torch.from_numpy(v) for key, v in tensors.items()
                     if key.startswith(f"m{k}.")}
            net.load_state_dict(state)
            net.eval()
            members.append(net)
            k += 1
        self.members_ = members


class MLPEnsembleRegressor(EnsembleRegressorMixin, _MLPBase):
    """Deep ensemble of MLPs with Gaussian heads; intervals conformally calibrated on out-of-bag residuals.

    Parameters
    ----------
    n_members, member_fraction, interval:
        As for :class:`nanosynth.models.estimators.XGBEnsembleRegressor`.
    hidden, layers, dropout, epochs, batch_size, learning_rate, weight_decay:
        Network and optimizer settings (AdamW + one-cycle schedule).
    random_state, n_jobs:
        Seed and torch threads.
    full_fit:
        Also train one network on all rows for the point prediction.
    """

    _n_out = 2

    def _loss(self, out, y, weight):
        torch = _torch()
        mean, log_var = out[:, 0], out[:, 1].clamp(-8, 6)
        nll = 0.5 * (log_var + (y - mean) ** 2 / torch.exp(log_var))
        return torch.mean(nll if weight is None else nll * weight)

    def _predict_members(self, X) -> np.ndarray:
        return np.stack([o[:, 0] * self.y_std_ + self.y_mean_ for o in self._raw(X)])

    def _predict_member_var(self, X) -> np.ndarray:
        """Aleatoric variance per member (target units²)."""
        return np.stack([np.exp(np.clip(o[:, 1], -8, 6)) * self.y_std_ ** 2 for o in self._raw(X)])


class MLPEnsembleClassifier(EnsembleClassifierMixin, _MLPBase):
    """Deep ensemble of MLP classifiers (softmax), conformal prediction sets."""

    def _loss(self, out, y, weight):
        loss = _torch().nn.functional.cross_entropy(out, y, reduction="none")
        return (loss if weight is None else loss * weight).mean()

    def _predict_members(self, X) -> np.ndarray:
        outs = self._raw(X)
        res = []
        for o in outs:
            e = np.exp(o - o.max(axis=1, keepdims=True))
            res.append(e / e.sum(axis=1, keepdims=True))
        return np.stack(res)
