"""Paragraph classifier: which modelling ideas generalise? Paper-grouped cross-validation on the TRAIN split only.

Usage::

    OMP_NUM_THREADS=1 nice -n 10 .venv/bin/python benchmarks/classifier_cv_study.py \\
        [--data-dir ../shared/data] [--cache /tmp/nanosynth-classifier-cv] [--seeds 0 1 2]

Every figure is out-of-fold synthesis F1 / macro F1 of stratified, paper-grouped 5-fold CV on
``paragraphs/train.jsonl`` (the folds of ``miner.training.classifier``), averaged over ``--seeds`` fold
assignments. ``paragraphs/dev.jsonl`` is never read. MiniLM embeddings (whole paragraph, and per sentence) are
computed once and cached under ``--cache`` (outside the repository).

Compared:

- TF-IDF backend with cue-feature scale 1.0 (the previous default) and 0.5;
- MiniLM frozen embedding + cue head (the ``minilm`` backend), with MSPTC procedures as extra synthesis
  examples at weight 0 / 0.1 / 0.3 / 1;
- MiniLM sentence embeddings pooled per paragraph (mean + max), alone and with the paragraph embedding;
- ensembles of TF-IDF and MiniLM: averaged temperature-calibrated log-probabilities (weights 0.3/0.5) and a
  stacked logistic regression, both with temperatures/stacker fitted on *inner* out-of-fold predictions of
  each outer training fold (nested, so the ensemble figures are not optimistic).
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import argparse  # noqa: E402
import re  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

from nanosynth.miner.classify.base import balanced_weights, label_indices, softmax  # noqa: E402
from nanosynth.miner.classify.features import cue_features  # noqa: E402
from nanosynth.miner.classify.labels import LABELS  # noqa: E402
from nanosynth.miner.classify.tfidf import TfidfParagraphClassifier  # noqa: E402
from nanosynth.miner.corpora.paragraphs import read_jsonl, read_msptc  # noqa: E402
from nanosynth.miner.scoring.classifier import score_predictions  # noqa: E402
from nanosynth.miner.training.classifier import fit_temperature  # noqa: E402

_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9(\[])")


def log_softmax(logits: np.ndarray) -> np.ndarray:
    return np.log(np.clip(softmax(logits), 1e-12, None))


class Study:
    """Out-of-fold logits of several models on the same paper-grouped folds."""

    def __init__(self, data_dir: Path, cache: Path):
        self.train = read_jsonl(data_dir / "paragraphs" / "train.jsonl")
        self.aux = read_msptc(data_dir / "msptc", split="train")
        self.texts = [r.text for r in self.train]
        self.y = label_indices([r.label for r in self.train])
        self.groups = [r.doc for r in self.train]
        self.cue = cue_features(self.texts)
        self.aux_cue = cue_features([r.text for r in self.aux])
        self.emb = self._embeddings(cache)

    def _embeddings(self, cache: Path) -> dict[str, np.ndarray]:
        cache.mkdir(parents=True, exist_ok=True)
        path = cache / "minilm_embeddings.npz"
        if path.is_file():
            return dict(np.load(path))
        from nanosynth.miner.classify.minilm import MiniLMParagraphClassifier

        model = MiniLMParagraphClassifier(num_threads=1).initialize()
        out = {}
        for name, texts in (("train", self.texts), ("aux", [r.text for r in self.aux])):
            out[f"{name}.paragraph"] = model.embed(texts)
            sentences, owner = [], []
            for i, text in enumerate(texts):
                parts = [s for s in _SENTENCE.split(text) if s.strip()] or [text]
                sentences += parts
                owner += [i] * len(parts)
            sent = model.embed(sentences)
            owner = np.array(owner)
            mean = np.zeros((len(texts), sent.shape[1]))
            np.add.at(mean, owner, sent)
            mean /= np.linalg.norm(mean, axis=1, keepdims=True)
            top = np.full((len(texts), sent.shape[1]), -np.inf)
            np.maximum.at(top, owner, sent)
            out[f"{name}.sent_mean"], out[f"{name}.sent_max"] = mean, top
        np.savez(path, **out)
        return out

    # --------------------------------------------------------------------------------------------- models
    def folds(self, seed: int, index: np.ndarray | None = None, n_splits: int = 5):
        from sklearn.model_selection import StratifiedGroupKFold

        index = np.arange(len(self.y)) if index is None else index
        splitter = StratifiedGroupKFold(n_splits=n_splits, shuffle=True, random_state=seed)
        return [(index[a], index[b]) for a, b in
                splitter.split(np.zeros(len(index)), self.y[index], [self.groups[i] for i in index])]

    def tfidf(self, train_idx, test_idx, cue_weight=1.0, C=30.0):
        model = TfidfParagraphClassifier(C=C, cue_weight=cue_weight)
        texts = [self.texts[i] for i in train_idx]
        model._fit_features(texts)
        model.fit_head(model._transform(texts), self.y[train_idx])
        return model.head_logits(model._transform([self.texts[i] for i in test_idx]))

    def dense(self, features, aux_features, train_idx, test_idx, C=1.0, aux_weight=0.0):
        from sklearn.linear_model import LogisticRegression

        X, y, w = features[train_idx], self.y[train_idx], np.ones(len(train_idx))
        if aux_weight > 0:
            X = np.vstack([X, aux_features])
            y = np.concatenate([y, np.zeros(len(aux_features), dtype=int)])
            w = np.concatenate([w, np.full(len(aux_features), aux_weight)])
        head = LogisticRegression(C=C, max_iter=5000, random_state=0).fit(X, y, sample_weight=balanced_weights(y, w))
        return head.decision_function(features[test_idx])

    def oof(self, fit_predict, seed):
        out = np.zeros((len(self.y), len(LABELS)))
        for train_idx, test_idx in self.folds(seed):
            out[test_idx] = fit_predict(train_idx, test_idx)
        return out

    def score(self, logits, index=None):
        y = self.y if index is None else self.y[index]
        report = score_predictions([LABELS[i] for i in y], [LABELS[i] for i in logits.argmax(1)])
        return report.synthesis_f1, report.macro_f1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, default=Path("../shared/data"))
    parser.add_argument("--cache", type=Path, default=Path("/tmp/nanosynth-classifier-cv"))
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    args = parser.parse_args()
    study = Study(args.data_dir, args.cache)
    e = study.emb
    para = (np.hstack([e["train.paragraph"] * 3, study.cue * 0.5]),
            np.hstack([e["aux.paragraph"] * 3, study.aux_cue * 0.5]))
    pooled = (np.hstack([e["train.sent_mean"] * 3, e["train.sent_max"] * 1.5, study.cue * 0.5]),
              np.hstack([e["aux.sent_mean"] * 3, e["aux.sent_max"] * 1.5, study.aux_cue * 0.5]))
    both = (np.hstack([e["train.paragraph"] * 3, e["train.sent_mean"] * 3, study.cue * 0.5]), None)

    single = {
        "tfidf, cue scale 1.0 (previous default)": lambda tr, te: study.tfidf(tr, te, cue_weight=1.0),
        "tfidf, cue scale 0.5": lambda tr, te: study.tfidf(tr, te, cue_weight=0.5),
        "minilm paragraph + cues, C=1 (minilm backend)": lambda tr, te: study.dense(*para, tr, te, C=1.0),
        "minilm sentence mean+max + cues, C=3": lambda tr, te: study.dense(*pooled, tr, te, C=3.0),
        "minilm sentence mean+max + cues, C=1": lambda tr, te: study.dense(*pooled, tr, te, C=1.0),
        "minilm paragraph + sentence mean + cues, C=1": lambda tr, te: study.dense(*both, tr, te, C=1.0),
    }
    for w in (0.1, 0.3, 1.0):
        single[f"minilm paragraph + cues, C=1, MSPTC weight {w}"] = \
            lambda tr, te, w=w: study.dense(*para, tr, te, C=1.0, aux_weight=w)
    rows = []
    for name, fit_predict in single.items():
        scores = [study.score(study.oof(fit_predict, seed)) for seed in args.seeds]
        rows.append((name, scores))
        print(f"{name}: {np.mean(scores, 0).round(3)}", flush=True)

    # nested ensembles: temperatures / stacker fitted on inner OOF logits of each outer training fold
    from sklearn.linear_model import LogisticRegression

    names = ["avg 0.5/0.5", "avg 0.3 tfidf / 0.7 minilm", "stacked LR"]
    nested = {name: [] for name in names}
    for seed in args.seeds:
        out = {name: np.zeros((len(study.y), 3)) for name in names}
        for outer_tr, outer_te in study.folds(seed):
            inner = {k: np.zeros((len(study.y), 3)) for k in ("t", "m")}
            for tr, te in study.folds(seed + 100, outer_tr, n_splits=4):
                inner["t"][te] = study.tfidf(tr, te, cue_weight=0.5)
                inner["m"][te] = study.dense(*para, tr, te, C=1.0)
            temp = {k: fit_temperature(v[outer_tr], study.y[outer_tr]) for k, v in inner.items()}
            t = log_softmax(study.tfidf(outer_tr, outer_te, cue_weight=0.5) / temp["t"])
            m = log_softmax(study.dense(*para, outer_tr, outer_te, C=1.0) / temp["m"])
            out["avg 0.5/0.5"][outer_te] = 0.5 * t + 0.5 * m
            out["avg 0.3 tfidf / 0.7 minilm"][outer_te] = 0.3 * t + 0.7 * m
            Z = np.hstack([log_softmax(inner["t"][outer_tr] / temp["t"]),
                           log_softmax(inner["m"][outer_tr] / temp["m"])])
            stacker = LogisticRegression(C=1.0, max_iter=5000).fit(
                Z, study.y[outer_tr], sample_weight=balanced_weights(study.y[outer_tr], np.ones(len(outer_tr))))
            out["stacked LR"][outer_te] = stacker.decision_function(np.hstack([t, m]))
        for name in names:
            nested[name].append(study.score(out[name]))
        print(f"nested ensembles, seed {seed} done", flush=True)
    for name in names:
        rows.append((f"ensemble tfidf(cue 0.5) + minilm: {name} (nested)", nested[name]))

    print("\n| model (train split, paper-grouped 5-fold CV) | synthesis F1 (mean) | per seed | macro F1 (mean) |")
    print("|---|---|---|---|")
    for name, scores in rows:
        scores = np.array(scores)
        print(f"| {name} | {scores[:, 0].mean():.3f} | {' / '.join(f'{s:.3f}' for s in scores[:, 0])} | "
              f"{scores[:, 1].mean():.3f} |")


if __name__ == "__main__":
    main()
