"""The fast default backend: TF-IDF word and character n-grams + cue features + logistic regression.

Saved without pickle: both vocabularies as JSON lists (term at its column index), IDF vectors and the head in
``weights.safetensors``; at load the scikit-learn vectorizers are rebuilt with ``vocabulary=`` and ``idf_``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import Field

from nanosynth.miner.classify.base import ClassifierConfig, ParagraphClassifier
from nanosynth.miner.classify.features import CUE_FEATURE_NAMES, CUE_FEATURES_VERSION, cue_features, normalize_text
from nanosynth.schema.errors import ArtifactIntegrityError

VOCABULARY_FILE = "vocabulary.json"
_TOKEN_PATTERN = r"(?u)\b\w+\b"


class TfidfClassifierConfig(ClassifierConfig):
    """Config of :class:`TfidfParagraphClassifier`.

    Attributes
    ----------
    word_ngram_range:
        Word n-gram sizes (after lower-casing and mapping digits to ``0``).
    char_ngram_range:
        Character n-gram sizes within word boundaries (``char_wb``).
    min_df:
        Minimum number of training paragraphs an n-gram must occur in.
    max_word_features, max_char_features:
        Vocabulary caps (most frequent n-grams kept); keep the shipped model small.
    cue_weight:
        Scale of the dense cue features (:func:`nanosynth.miner.classify.features.cue_features`); 0 disables them.
    C:
        Inverse regularisation strength of the head.
    """

    word_ngram_range: tuple[int, int] = (1, 2)
    char_ngram_range: tuple[int, int] = (3, 5)
    min_df: int = Field(default=2, ge=1)
    max_word_features: int | None = Field(default=30000, ge=1)
    max_char_features: int | None = Field(default=60000, ge=1)
    cue_weight: float = Field(default=1.0, ge=0)
    C: float = Field(default=30.0, gt=0)
    batch_size: int = Field(default=512, ge=1)


class TfidfParagraphClassifier(ParagraphClassifier):
    """TF-IDF n-gram paragraph classifier (the default backend).

    Parameters
    ----------
    config:
        A :class:`TfidfClassifierConfig` (or pass its fields as keyword arguments).

    Examples
    --------
    >>> clf = TfidfParagraphClassifier(min_df=1).fit(texts, labels)      # doctest: +SKIP
    >>> clf.predict(["CdO (0.2 mmol) and oleic acid were heated to 280 °C ..."])[0].label  # doctest: +SKIP
    'synthesis'
    """

    stage_name = "paragraph_classifier.tfidf.v1"  # registered in nanosynth.miner.registry
    backend = "tfidf"
    config_class = TfidfClassifierConfig
    config: TfidfClassifierConfig

    def __init__(self, config: TfidfClassifierConfig | None = None, **params: Any):
        super().__init__(config, **params)
        self.word_vectorizer_: Any = None
        self.char_vectorizer_: Any = None

    # ------------------------------------------------------------------------------------------------ features
    def _vectorizers(self, word_vocabulary=None, char_vocabulary=None):
        from sklearn.feature_extraction.text import TfidfVectorizer

        cfg = self.config
        word = TfidfVectorizer(preprocessor=normalize_text, token_pattern=_TOKEN_PATTERN,
                               ngram_range=tuple(cfg.word_ngram_range), min_df=cfg.min_df,
                               max_features=cfg.max_word_features, sublinear_tf=True, dtype=np.float32,
                               vocabulary=word_vocabulary)
        char = TfidfVectorizer(preprocessor=normalize_text, analyzer="char_wb",
                               ngram_range=tuple(cfg.char_ngram_range), min_df=cfg.min_df,
                               max_features=cfg.max_char_features, sublinear_tf=True, dtype=np.float32,
                               vocabulary=char_vocabulary)
        return word, char

    def _fit_features(self, texts: Sequence[str]) -> None:
        word, char = self._vectorizers()
        min_df = self.config.min_df if len(texts) >= 2 * self.config.min_df else 1
        word.set_params(min_df=min_df)
        char.set_params(min_df=min_df)
        word.fit(texts)
        char.fit(texts)
        self.word_vectorizer_, self.char_vectorizer_ = word, char

    def _transform(self, texts: Sequence[str]):
        import scipy.sparse as sp

        if self.word_vectorizer_ is None:
            self._check_fitted()
        blocks = [self.word_vectorizer_.transform(texts), self.char_vectorizer_.transform(texts)]
        if self.config.cue_weight > 0:
            blocks.append(sp.csr_matrix(cue_features(texts).astype(np.float32) * self.config.cue_weight))
        return sp.hstack(blocks, format="csr")

    @property
    def feature_names_(self) -> list[str]:
        """Names of the feature columns (word n-grams, ``char:`` n-grams, ``cue:`` features)."""
        names = [f"word:{t}" for t in _terms(self.word_vectorizer_)]
        names += [f"char:{t}" for t in _terms(self.char_vectorizer_)]
        if self.config.cue_weight > 0:
            names += [f"cue:{n}" for n in CUE_FEATURE_NAMES]
        return names

    def top_features(self, label: str, k: int = 20) -> list[tuple[str, float]]:
        """The ``k`` features with the largest positive weight for ``label`` (for inspection)."""
        from nanosynth.miner.classify.labels import LABELS

        self._check_fitted()
        row = self.coef_[LABELS.index(label)]
        names = self.feature_names_
        best = np.argsort(row)[::-1][:k]
        return [(names[i], float(row[i])) for i in best]

    # ------------------------------------------------------------------------------------------- persistence
    def _feature_arrays(self) -> dict[str, np.ndarray]:
        return {"word.idf": self.word_vectorizer_.idf_.astype(np.float32),
                "char.idf": self.char_vectorizer_.idf_.astype(np.float32)}

    def _feature_files(self, directory: Path) -> None:
        vocab = {"word": _terms(self.word_vectorizer_), "char": _terms(self.char_vectorizer_)}
        (directory / VOCABULARY_FILE).write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")

    def _manifest_extras(self) -> dict[str, Any]:
        return {"features": {"word_ngrams": len(self.word_vectorizer_.idf_),
                             "char_ngrams": len(self.char_vectorizer_.idf_),
                             "cue_features": list(CUE_FEATURE_NAMES) if self.config.cue_weight > 0 else [],
                             "cue_features_version": CUE_FEATURES_VERSION}}

    def _load_features(self, directory: Path, arrays: dict[str, np.ndarray]) -> None:
        recorded = (self.manifest_.get("features") or {}).get("cue_features_version")
        if self.config.cue_weight > 0 and recorded != CUE_FEATURES_VERSION:
            raise ArtifactIntegrityError(f"{directory} was trained with cue features v{recorded}, this code has "
                                         f"v{CUE_FEATURES_VERSION}; retrain the model")
        try:
            vocab = json.loads((directory / VOCABULARY_FILE).read_text(encoding="utf-8"))
            word_terms, char_terms = vocab["word"], vocab["char"]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ArtifactIntegrityError(f"{directory / VOCABULARY_FILE} is missing or malformed; retrain") from exc
        word_idf, char_idf = arrays["word.idf"], arrays["char.idf"]
        if len(word_terms) != len(word_idf) or len(char_terms) != len(char_idf):
            raise ArtifactIntegrityError(f"{directory}: vocabulary and IDF sizes differ; retrain the model")
        word, char = self._vectorizers({t: i for i, t in enumerate(word_terms)},
                                       {t: i for i, t in enumerate(char_terms)})
        word.idf_ = word_idf.astype(np.float64)
        char.idf_ = char_idf.astype(np.float64)
        self.word_vectorizer_, self.char_vectorizer_ = word, char
        n_features = len(word_terms) + len(char_terms) + (len(CUE_FEATURE_NAMES) if self.config.cue_weight else 0)
        if self.coef_.shape[1] != n_features:
            raise ArtifactIntegrityError(f"{directory}: head has {self.coef_.shape[1]} columns, features "
                                         f"{n_features}; retrain the model")


def _terms(vectorizer) -> list[str]:
    """Vocabulary terms ordered by column index."""
    terms = [""] * len(vectorizer.vocabulary_)
    for term, index in vectorizer.vocabulary_.items():
        terms[index] = term
    return terms


__all__ = ["TfidfClassifierConfig", "TfidfParagraphClassifier"]
