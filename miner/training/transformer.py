"""Fine-tuning of the MiniLM token classifier of :mod:`nanosynth.miner.extract.transformer_ner`.

Training freezes the embeddings and the lower layers, so their outputs are computed once per window and cached;
only the top layers and the classifier are updated (AdamW, linear warm-up and decay). The epoch with the best
exact-span micro-F1 on the validation paragraphs is kept. The encoder is a private copy of the installed one
(:func:`nanosynth.miner.encoder.load_encoder_copy`): the shared, cached encoder is never changed.
"""

from __future__ import annotations

import copy
import logging
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from pydantic import BaseModel, ConfigDict, Field
from spacy.language import Language
from spacy.tokens import Doc

from nanosynth.miner.corpora.brat import gold_doc
from nanosynth.miner.corpora.gold import GoldItem
from nanosynth.miner.encoder import load_encoder_copy, load_tokenizer, weights_sha256
from nanosynth.miner.extract.transformer_ner import (
    FACTORY,
    IGNORE,
    Encoded,
    TransformerNER,
    build_network,
    collate,
    make_windows,
    Window,
    allowed_transitions,
    encode_doc,
    tags_to_spans,
    viterbi_bio,
)
from nanosynth.miner.scoring.entities import EntityScores
from nanosynth.schema.errors import ModelError

log = logging.getLogger(__name__)


class TransformerTrainingConfig(BaseModel):
    """Hyper-parameters of fine-tuning (selection on a held-out part of the training documents).

    Attributes
    ----------
    trained_layers
        Number of top transformer layers fine-tuned (the embeddings and the other layers stay frozen).
    lexical_dim
        Width of each learned hash embedding (NORM, PREFIX, SUFFIX, SHAPE of the spaCy token, as in spaCy's CNN
        models; 0 = none). They and the flags are projected into the input of the first fine-tuned layer (at the
        token's first word piece) and also given to the classifier.
    max_pieces, stride
        Window length in word pieces (without [CLS]/[SEP]) and step between window starts.
    learn_rate, head_learn_rate
        AdamW learning rates of the transformer layers and of the classifier.
    weight_decay, warmup_fraction, dropout
        AdamW weight decay, share of steps with linear warm-up (then linear decay to 0), dropout.
    epochs
        Length of the learning-rate schedule; the epoch with the best validation micro-F1 is kept.
    batch_size
        Windows per update.
    max_minutes
        Stop after the epoch during which this much wall time (encoder loading and lower-layer caching included)
        was used; the best epoch so far is kept.
    threads
        ``torch.set_num_threads`` during training.
    seed
        Random seed.
    """

    model_config = ConfigDict(frozen=True)

    trained_layers: int = Field(2, ge=1, le=6)
    lexical_dim: int = Field(32, ge=0)
    max_pieces: int = Field(128, ge=16, le=510)
    stride: int = Field(96, ge=8)
    learn_rate: float = Field(1.5e-4, gt=0)
    head_learn_rate: float = Field(2e-3, gt=0)
    weight_decay: float = Field(0.01, ge=0)
    warmup_fraction: float = Field(0.1, ge=0, lt=1)
    dropout: float = Field(0.1, ge=0, lt=1)
    epochs: int = Field(6, ge=1)
    batch_size: int = Field(16, ge=1)
    max_minutes: float = Field(16.0, gt=0)
    threads: int = Field(2, ge=1)
    seed: int = 0


@dataclass
class FineTuneReport:
    """What :func:`fine_tune` did: best epoch, its validation scores, per-epoch history, wall time."""

    best_epoch: int
    best_validation: EntityScores
    history: list[dict]
    seconds: float


def _gold_tags(doc: Doc, tag_index: dict[str, int]) -> np.ndarray:
    tags = np.full(len(doc), IGNORE, dtype=np.int64)
    for i, token in enumerate(doc):
        if token.ent_iob_ == "O":
            tags[i] = 0
        elif token.ent_iob_ in ("B", "I"):
            tags[i] = tag_index.get(f"{token.ent_iob_}-{token.ent_type_}", IGNORE)
    return tags


@dataclass
class _Data:
    """Training and validation paragraphs as word-piece windows with cached lower-layer states."""

    encs: list[Encoded]
    wins: list[Window]
    val_docs: list[Doc]
    val_encs: list[Encoded]
    val_wins: list[Window]


def _new_component(make_pipeline: Callable[[], Language], labels: Sequence[str],
                   config: TransformerTrainingConfig) -> tuple[Language, TransformerNER]:
    """A blank pipeline with an untrained component holding the network over a private encoder copy."""
    nlp = make_pipeline()
    component: TransformerNER = nlp.add_pipe(FACTORY, config={
        "labels": list(labels), "trained_layers": config.trained_layers, "max_pieces": config.max_pieces,
        "stride": config.stride, "lexical_dim": config.lexical_dim})
    encoder = load_encoder_copy(attn_implementation="eager")
    component.weights_sha256 = weights_sha256()
    component.tokenizer = load_tokenizer(bert_fast=True)
    component.network = build_network(encoder, len(component.tags), config.trained_layers, config.dropout,
                                       config.lexical_dim)
    return nlp, component


def _cache_lower_states(network, groups, pad_id: int) -> None:
    for group, group_encs in groups:
        order = sorted(range(len(group)), key=lambda k: len(group[k].ids))
        for b in range(0, len(order), 32):
            batch = [group[k] for k in order[b:b + 32]]
            ids, mask, _, _, _, _ = collate(batch, group_encs, pad_id, with_hidden=False)
            hidden = network.lower_states(ids, mask)
            for row, w in enumerate(batch):
                w.hidden = hidden[row, :len(w.ids)].clone()


def _prepare(nlp: Language, component: TransformerNER, train: Sequence[GoldItem], validation: Sequence[GoldItem],
             config: TransformerTrainingConfig) -> _Data:
    tok = component.tokenizer
    tag_index = {t: i for i, t in enumerate(component.tags)}
    docs, gold = [], []
    for text, ents in train:
        doc, _, _ = gold_doc(nlp, text, ents)
        docs.append(doc)
        gold.append(_gold_tags(doc, tag_index))
    encs = [encode_doc(tok, doc) for doc in docs]
    wins, _ = make_windows(encs, tok.cls_token_id, tok.sep_token_id, config.max_pieces, config.stride, gold)
    val_docs = [nlp.make_doc(text) for text, _ in validation]
    val_encs = [encode_doc(tok, doc) for doc in val_docs]
    val_wins, _ = make_windows(val_encs, tok.cls_token_id, tok.sep_token_id, config.max_pieces, config.stride)
    t0 = time.monotonic()
    _cache_lower_states(component.network, ((wins, encs), (val_wins, val_encs)), tok.pad_token_id)
    log.info("%d training / %d validation windows; lower-layer states cached in %.0f s", len(wins),
             len(val_wins), time.monotonic() - t0)
    return _Data(encs, wins, val_docs, val_encs, val_wins)


def _optimizer(network, n_windows: int, config: TransformerTrainingConfig):
    """AdamW over the top layers and the head, with linear warm-up then linear decay to 0."""
    import torch

    top_params = [p for p in network.top.parameters()]
    decay = [p for p in top_params if p.dim() > 1]
    no_decay = [p for p in top_params if p.dim() <= 1]
    optimizer = torch.optim.AdamW([
        {"params": decay, "lr": config.learn_rate, "weight_decay": config.weight_decay},
        {"params": no_decay, "lr": config.learn_rate, "weight_decay": 0.0},
        {"params": network.head_parameters(), "lr": config.head_learn_rate, "weight_decay": 0.0},
    ])
    steps_per_epoch = (n_windows + config.batch_size - 1) // config.batch_size
    total = steps_per_epoch * config.epochs
    warmup = max(1, int(total * config.warmup_fraction))
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: min((s + 1) / warmup, max(0.0, (total - s) / max(1, total - warmup))))
    return optimizer, scheduler, top_params


def _batches(wins: Sequence[Window], batch_size: int, rng: random.Random) -> list[list[int]]:
    """Batches of similar length (less padding), in random batch order."""
    order = list(range(len(wins)))
    rng.shuffle(order)
    chunks = [order[i:i + batch_size * 8] for i in range(0, len(order), batch_size * 8)]
    batches = []
    for chunk in chunks:
        chunk.sort(key=lambda k: len(wins[k].ids))
        batches.extend(chunk[i:i + batch_size] for i in range(0, len(chunk), batch_size))
    rng.shuffle(batches)
    return batches


def _train_epoch(network, data: _Data, optim, n_tags: int, pad_id: int, config: TransformerTrainingConfig,
                 rng: random.Random) -> float:
    """One pass over the training windows; returns the summed loss."""
    import torch

    optimizer, scheduler, top_params = optim
    network.train()
    total_loss = 0.0
    for batch_idx in _batches(data.wins, config.batch_size, rng):
        batch = [data.wins[k] for k in batch_idx]
        _, mask, feats, hashes, labels_t, hidden = collate(batch, data.encs, pad_id, with_hidden=True)
        logits = network(hidden, mask, feats, hashes)
        loss = torch.nn.functional.cross_entropy(logits.reshape(-1, n_tags), labels_t.reshape(-1),
                                                 ignore_index=IGNORE)
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(top_params + network.head_parameters(), 1.0)
        optimizer.step()
        scheduler.step()
        total_loss += float(loss.detach())
    network.eval()
    return total_loss


def _epochs(component: TransformerNER, data: _Data, validation: Sequence[GoldItem],
            config: TransformerTrainingConfig, rng: random.Random, progress, started: float):
    """Train every epoch (or until the time budget is used); loads the best state into the network."""
    network, tags, pad_id = component.network, component.tags, component.tokenizer.pad_token_id
    optim = _optimizer(network, len(data.wins), config)
    best_epoch, best_scores, best_f1, best_state = 0, EntityScores(), -1.0, None
    history: list[dict] = []
    allowed = allowed_transitions(tags)
    for epoch in range(1, config.epochs + 1):
        t0 = time.monotonic()
        total_loss = _train_epoch(network, data, optim, len(tags), pad_id, config, rng)
        scores = _score_cached(network, data.val_docs, data.val_encs, data.val_wins, validation, tags, allowed,
                               pad_id)
        f1 = scores.micro_f1 if validation else -total_loss
        if f1 > best_f1:
            best_f1, best_epoch, best_scores = f1, epoch, scores
            best_state = copy.deepcopy({k: v for k, v in network.state_dict().items()
                                        if k.startswith(("top.", "classifier.", "lexical.", "inject."))})
        row = {"epoch": epoch, "loss": round(total_loss, 2),
               "validation_micro_f1": round(scores.micro_f1, 4) if validation else None,
               "seconds": round(time.monotonic() - t0, 1)}
        history.append(row)
        log.info("epoch %(epoch)d loss %(loss).1f validation micro-F1 %(validation_micro_f1)s (%(seconds).0fs)", row)
        if progress is not None:
            progress(row)
        if (time.monotonic() - started) / 60 > config.max_minutes and epoch < config.epochs:
            log.warning("stopping after %d epochs: time budget of %.0f min used", epoch, config.max_minutes)
            break
    if best_state is not None:
        network.load_state_dict(best_state, strict=False)
    network.eval()
    return best_epoch, best_scores, history


def fine_tune(make_pipeline: Callable[[], Language], labels: Sequence[str], train: Sequence[GoldItem],
              validation: Sequence[GoldItem], config: TransformerTrainingConfig,
              progress: Callable[[dict], None] | None = None) -> tuple[Language, FineTuneReport]:
    """Fine-tune the top MiniLM layers + a BIO classifier; keep the epoch with the best validation micro-F1.

    Parameters
    ----------
    make_pipeline
        Returns a blank pipeline with the chemistry tokenizer.
    labels
        Entity labels.
    train, validation
        Gold paragraphs (no line breaks needed; spans that do not align with tokens are ignored in the loss).
        ``validation`` must come from the training split (never the dev split) when used for model selection.
    config
        Hyper-parameters.
    progress
        Called with each epoch's history row.

    Returns
    -------
    (spacy.Language, FineTuneReport)
        A pipeline ``[nanosynth_transformer_ner]`` holding the best epoch's weights.

    Raises
    ------
    ModelError
        Without training data.
    """
    import torch

    if not train:
        raise ModelError("no training paragraphs; check the split file and the corpus folder")
    torch.manual_seed(config.seed)
    rng = random.Random(config.seed)
    previous_threads = torch.get_num_threads()
    torch.set_num_threads(config.threads)
    started = time.monotonic()
    try:
        nlp, component = _new_component(make_pipeline, labels, config)
        data = _prepare(nlp, component, train, validation, config)
        best_epoch, best_scores, history = _epochs(component, data, validation, config, rng, progress, started)
        for w in data.wins + data.val_wins:
            w.hidden = None
    finally:
        torch.set_num_threads(previous_threads)
    report = FineTuneReport(best_epoch=best_epoch, best_validation=best_scores, history=history,
                            seconds=round(time.monotonic() - started, 1))
    return nlp, report


def _score_cached(network, docs, encs, wins, gold: Sequence[GoldItem], tags, allowed, pad_id) -> EntityScores:
    import torch

    n_tags = len(tags)
    lps = []
    for doc in docs:
        lp = np.full((len(doc), n_tags), -1e4, dtype="float32")
        lp[:, 0] = 0.0
        lps.append(lp)
    # validation windows were built without gold tags: each token sits in its most central window only
    with torch.inference_mode():
        for b in range(0, len(wins), 32):
            batch = wins[b:b + 32]
            _, mask, feats, hashes, _, hidden = collate(batch, encs, pad_id, with_hidden=True)
            scores = torch.log_softmax(network(hidden, mask, feats, hashes), dim=-1).numpy()
            for row, w in enumerate(batch):
                pos = np.nonzero(w.positions >= 0)[0]
                lps[w.doc][w.positions[pos]] = scores[row, pos]
    result = EntityScores()
    for doc, lp, (_, ents) in zip(docs, lps, gold):
        spans = tags_to_spans(doc, [tags[k] for k in viterbi_bio(lp, allowed)])
        result.add(ents, [(s.start_char, s.end_char, s.label_) for s in spans])
    return result


__all__ = ["FineTuneReport", "TransformerTrainingConfig", "fine_tune"]
