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

``--part issue13`` (issue 13) instead compares, on the same folds and seeds, weakly labelled paragraph-sized
examples from the shared corpora (:mod:`nanosynth.miner.corpora.weak_paragraphs`: PcMSP synthesis-sentence runs as
``synthesis``, SOFC-Exp non-experiment runs as ``other``) added to the training folds at several weights, for
both backends, and a fast "static MiniLM" feature block for the TF-IDF backend (every MiniLM word piece encoded
once on its own, paragraph = mean of its word-piece vectors; a lookup, so it keeps TF-IDF speed), SOFC-Exp
negatives without measurement sentences, a learning curve (60/80 % of each training fold's papers) and a
synthesis threshold on calibrated out-of-fold probabilities.
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
from nanosynth.miner.classify.features import CUE_FEATURE_NAMES, cue_features  # noqa: E402
from nanosynth.miner.classify.labels import LABELS  # noqa: E402
from nanosynth.miner.classify.tfidf import TfidfParagraphClassifier  # noqa: E402
from nanosynth.miner.corpora.paragraphs import read_jsonl, read_msptc  # noqa: E402
from nanosynth.miner.corpora.weak_paragraphs import read_pcmsp, read_sofc_exp  # noqa: E402
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
    parser.add_argument("--part", choices=["issue3", "issue13"], default="issue3")
    args = parser.parse_args()
    study = Study(args.data_dir, args.cache)
    if args.part == "issue13":
        _print_table(issue13_rows(study, args.data_dir, args.cache, args.seeds))
        return
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

    _print_table(rows)


def _print_table(rows) -> None:
    print("\n| model (train split, paper-grouped 5-fold CV) | synthesis F1 (mean) | per seed | macro F1 (mean) |")
    print("|---|---|---|---|")
    for name, scores in rows:
        scores = np.array(scores)
        print(f"| {name} | {scores[:, 0].mean():.3f} | {' / '.join(f'{s:.3f}' for s in scores[:, 0])} | "
              f"{scores[:, 1].mean():.3f} |")


def _embed_cached(cache: Path, name: str, texts: list[str]) -> np.ndarray:
    path = cache / f"minilm_{name}.npy"
    if path.is_file():
        return np.load(path)
    from nanosynth.miner.classify.minilm import MiniLMParagraphClassifier

    out = MiniLMParagraphClassifier(num_threads=1).initialize().embed(texts)
    np.save(path, out)
    return out


def static_minilm(texts: list[str], cache: Path) -> np.ndarray:
    """Paragraph vectors from a static MiniLM word-piece table (each piece encoded alone, cached)."""
    import torch

    from nanosynth.miner.encoder import load_encoder, load_tokenizer

    tokenizer, path = load_tokenizer(), cache / "minilm_static_table.npy"
    if not path.is_file():
        encoder, size = load_encoder(), tokenizer.vocab_size
        table = np.zeros((size, encoder.config.hidden_size), dtype=np.float32)
        with torch.inference_mode():
            for start in range(0, size, 1024):
                ids = torch.arange(start, min(start + 1024, size))
                seq = torch.stack([torch.full_like(ids, tokenizer.cls_token_id), ids,
                                   torch.full_like(ids, tokenizer.sep_token_id)], 1)
                table[start:start + len(ids)] = encoder(input_ids=seq).last_hidden_state.mean(1).numpy()
        np.save(path, table)
    table = np.load(path)
    table -= table.mean(0)
    out = np.zeros((len(texts), table.shape[1]))
    for i, text in enumerate(texts):
        ids = tokenizer(text, add_special_tokens=False, verbose=False)["input_ids"]
        out[i] = table[ids].mean(0) if ids else 0.0
    return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9)


def issue13_rows(study: Study, data_dir: Path, cache: Path, seeds: list[int]) -> list:
    """Weak labels from PcMSP / SOFC-Exp (both backends) and static MiniLM features (TF-IDF), same folds."""
    import scipy.sparse as sp

    weak = {"PcMSP": read_pcmsp(data_dir / "pcmsp"), "SOFC-Exp": read_sofc_exp(data_dir / "sofc_exp")}
    para = np.hstack([study.emb["train.paragraph"] * 3, study.cue * 0.5])
    static = static_minilm(study.texts, cache)

    def tfidf_aux(tr, te, aux=(), w=0.0, extra=None):
        model = TfidfParagraphClassifier(C=30.0, cue_weight=0.5)
        texts = [study.texts[i] for i in tr] + [r.text for r in aux]
        y = np.concatenate([study.y[tr], label_indices([r.label for r in aux])]).astype(int)
        weights = np.concatenate([np.ones(len(tr)), np.full(len(aux), w)])
        model._fit_features(texts)
        X, X_te = model._transform(texts), model._transform([study.texts[i] for i in te])
        if extra is not None:
            X, X_te = sp.hstack([X, extra[tr]], format="csr"), sp.hstack([X_te, extra[te]], format="csr")
        keep = weights > 0
        model.fit_head(X[keep], y[keep], weights[keep])
        return model.head_logits(X_te)

    def minilm_aux(tr, te, name, w):
        aux = weak[name]
        emb = _embed_cached(cache, name.lower().replace("-", ""), [r.text for r in aux])
        aux_X = np.hstack([emb * 3, cue_features([r.text for r in aux]) * 0.5])
        return _dense_labelled(study, para, aux_X, label_indices([r.label for r in aux]), tr, te, w)

    models = {"tfidf (cue 0.5, C=30): baseline": lambda tr, te: tfidf_aux(tr, te)}
    for name in weak:
        for w in (0.1, 0.3):
            models[f"tfidf + {name} weak examples, weight {w}"] = \
                lambda tr, te, n=name, w=w: tfidf_aux(tr, te, weak[n], w)
            models[f"minilm (C=1) + {name} weak examples, weight {w}"] = \
                lambda tr, te, n=name, w=w: minilm_aux(tr, te, n, w)
    sofc = weak["SOFC-Exp"]
    cues = cue_features([r.text for r in sofc])
    quiet = [r for r, c in zip(sofc, cues, strict=True)
             if c[CUE_FEATURE_NAMES.index("sentences:measurement")] == 0
             and c[CUE_FEATURE_NAMES.index("instrument:density")] < 0.5]
    for w in (0.1, 0.3):
        models[f"tfidf + SOFC-Exp weak examples without measurement sentences ({len(quiet)}), weight {w}"] = \
            lambda tr, te, w=w: tfidf_aux(tr, te, quiet, w)
    for fraction in (0.6, 0.8):
        models[f"tfidf baseline, {fraction:.0%} of each training fold's papers (learning curve)"] = \
            lambda tr, te, f=fraction: tfidf_aux(_paper_subset(study, tr, f), te)
    for scale in (1.0, 2.0):
        models[f"tfidf + static MiniLM block, scale {scale}"] = \
            lambda tr, te, s=scale: tfidf_aux(tr, te, extra=sp.csr_matrix(static * s))
    rows = []
    for name, fit_predict in models.items():
        scores = [study.score(study.oof(fit_predict, seed)) for seed in seeds]
        rows.append((name, scores))
        print(f"{name}: {np.mean(scores, 0).round(3)}", flush=True)
    return rows + _threshold_rows(study, seeds, lambda tr, te: tfidf_aux(tr, te))


def _threshold_rows(study: Study, seeds: list[int], fit_predict) -> list:
    """Synthesis decision threshold on temperature-calibrated out-of-fold probabilities (argmax = no threshold)."""
    out = {t: [] for t in (0.25, 0.35, 0.45)}
    for seed in seeds:
        logits = study.oof(fit_predict, seed)
        proba = softmax(logits / fit_temperature(logits, study.y))
        for t in out:
            rest = proba.copy()
            rest[:, 0] = -1.0
            predicted = np.where(proba[:, 0] >= t, 0, rest.argmax(1))
            out[t].append(study.score(np.eye(len(LABELS))[predicted]))
    return [(f"tfidf baseline, synthesis when calibrated P(synthesis) >= {t}", scores) for t, scores in out.items()]


def _paper_subset(study: Study, index: np.ndarray, fraction: float) -> np.ndarray:
    """A random ``fraction`` of the papers of ``index`` (all of them if a label would go missing)."""
    docs = sorted({study.groups[i] for i in index})
    keep = set(np.random.RandomState(len(index)).permutation(docs)[:round(fraction * len(docs))])
    subset = np.array([i for i in index if study.groups[i] in keep])
    return subset if len(np.unique(study.y[subset])) == len(LABELS) else index


def _dense_labelled(study: Study, features, aux_features, aux_y, tr, te, weight: float):
    from sklearn.linear_model import LogisticRegression

    X = np.vstack([features[tr], aux_features])
    y = np.concatenate([study.y[tr], aux_y])
    w = np.concatenate([np.ones(len(tr)), np.full(len(aux_y), weight)])
    head = LogisticRegression(C=1.0, max_iter=5000, random_state=0).fit(X, y, sample_weight=balanced_weights(y, w))
    return head.decision_function(features[te])


if __name__ == "__main__":
    main()
