"""The one MiniLM encoder loader: local files only, cached per process, hash-checked, no environment writes."""

from __future__ import annotations

import os

import pytest

from nanosynth.miner import encoder
from nanosynth.schema.errors import ArtifactIntegrityError, ArtifactNotFoundError


def test_loading_leaves_the_environment_unchanged():
    encoder.load_encoder()  # first load: torch/transformers import their lazy modules (their own side effects)
    encoder.clear_cache()
    before = dict(os.environ)
    model = encoder.load_encoder(expected_sha256=encoder.weights_sha256())
    tokenizer = encoder.load_tokenizer()
    encoder.load_tokenizer(bert_fast=True)
    encoder.load_encoder(attn_implementation="eager")
    assert dict(os.environ) == before
    assert model.config.hidden_size == encoder.ENCODER_WIDTH and not model.training
    assert tokenizer("CdSe")["input_ids"]


def test_encoder_is_cached_per_process_and_copies_are_private():
    shared = encoder.load_encoder()
    assert encoder.load_encoder() is shared
    assert encoder.load_tokenizer() is encoder.load_tokenizer()
    private = encoder.load_encoder_copy()
    assert private is not shared
    name, param = next(iter(private.named_parameters()))
    assert param.data_ptr() != dict(shared.named_parameters())[name].data_ptr()


def test_weights_hash_is_checked():
    digest = encoder.weights_sha256()
    assert len(digest) == 64 and encoder.check_weights(digest) == digest
    assert encoder.check_weights(None) == digest
    with pytest.raises(ArtifactIntegrityError, match="retrain-me"):
        encoder.load_encoder(expected_sha256="0" * 64, retrain_hint="retrain-me")


def test_missing_folder_is_reported(tmp_path):
    with pytest.raises(ArtifactNotFoundError, match="model.safetensors"):
        encoder.weights_sha256(tmp_path)
    with pytest.raises(ArtifactNotFoundError, match="tokenizer"):
        encoder.load_tokenizer(tmp_path)
