"""The one stage registry: versioned names, one table of shipped models, clear errors, no import cycle."""

from __future__ import annotations

import grimp
import pytest

from nanosynth.artifacts import verify_manifest
from nanosynth.miner import registry
from nanosynth.miner.classify import load_classifier
from nanosynth.miner.classify.minilm import MiniLMParagraphClassifier
from nanosynth.miner.classify.tfidf import TfidfParagraphClassifier
from nanosynth.miner.extract.transformer_ner import TransformerNER
from nanosynth.schema.errors import ConfigError


def test_stage_names_are_versioned_and_unique():
    names = registry.stage_names()
    assert len(names) == len(set(names))
    for name in names:
        task, backend, version = name.split(".")
        assert task and backend and version.startswith("v") and version[1:].isdigit()
    assert registry.backends("paragraph_classifier") == {"minilm": "paragraph_classifier.minilm.v1",
                                                         "tfidf": "paragraph_classifier.tfidf.v1"}
    assert registry.backends("ner") == {"spacy": "ner.spacy.v1", "transformer": "ner.transformer.v1"}


def test_stages_resolve_by_full_name_or_backend():
    assert registry.get_stage("paragraph_classifier.tfidf.v1") is TfidfParagraphClassifier
    assert registry.get_stage("tfidf", "paragraph_classifier") is TfidfParagraphClassifier
    assert registry.get_stage("minilm", "paragraph_classifier") is MiniLMParagraphClassifier
    assert registry.get_stage("transformer", "ner") is TransformerNER
    for cls in (TfidfParagraphClassifier, MiniLMParagraphClassifier):  # built-ins carry their registered name
        spec = registry.stage_spec(cls.stage_name)
        assert spec.load() is cls and spec.backend == cls.backend


def test_unknown_stage_lists_the_choices():
    with pytest.raises(ConfigError, match="minilm, tfidf"):
        registry.get_stage("bert", "paragraph_classifier")
    with pytest.raises(ConfigError, match="spacy, transformer"):
        registry.get_stage("crf", "ner")
    with pytest.raises(ConfigError, match="unknown"):  # a NER stage is not a classifier stage
        registry.get_stage("ner.spacy.v1", "paragraph_classifier")


def test_one_table_of_shipped_models_with_unambiguous_names():
    assert registry.model_names("paragraph_classifier") == ["default", "minilm"]
    assert registry.model_names("ner") == ["default", "fast"]
    assert registry.model_names("aunp_ner") == ["default"]
    # the old names keep working, each within its own task
    assert registry.shipped_model("paragraph_classifier", "fast").name == "default"
    assert registry.shipped_model("ner", "spacy").name == "default"
    assert registry.shipped_model("ner", "fast").folder.endswith("msptc_ner_fast")


@pytest.mark.parametrize("model", registry.SHIPPED_MODELS, ids=lambda m: f"{m.task}-{m.name}")
def test_shipped_models_exist_verify_and_match_their_stage(model):
    manifest = verify_manifest(model.path)
    spec = registry.stage_spec(model.stage)
    if spec.task == "paragraph_classifier":
        assert manifest["stage"] == model.stage and manifest["backend"] == spec.backend
    else:  # NER manifests name the stage's backend in their kind ("spacy-ner", "transformer-ner")
        assert manifest["kind"] == f"{spec.backend}-ner"


def test_unknown_model_names_list_the_choices(tmp_path):
    with pytest.raises(ConfigError, match="default, minilm, fast"):
        load_classifier("fastest")
    with pytest.raises(ConfigError, match="default, fast"):
        registry.resolve_model("ner", "minilm")
    with pytest.raises(ConfigError, match="choose one of"):
        registry.shipped_model("tagger", "default")
    assert registry.resolve_model("ner", str(tmp_path / "m")) == tmp_path / "m"  # a path stays a path
    assert registry.resolve_model("ner", tmp_path) == tmp_path


def test_register_stage_adds_a_plugin_and_refuses_bad_or_taken_names():
    with pytest.raises(ConfigError, match="<task>.<backend>.v<N>"):
        registry.register_stage("my_classifier")

    @registry.register_stage("paragraph_classifier.plugin_test.v1")
    class Plugin:
        pass

    try:
        assert Plugin.stage_name == "paragraph_classifier.plugin_test.v1" and Plugin.backend == "plugin_test"
        assert registry.get_stage("plugin_test", "paragraph_classifier") is Plugin
        with pytest.raises(ConfigError, match="already registered"):
            registry.register_stage("paragraph_classifier.plugin_test.v1")(type("Other", (), {}))
    finally:
        registry._STAGES.pop("paragraph_classifier.plugin_test.v1")


def test_registry_and_stage_modules_do_not_import_each_other():
    graph = grimp.build_graph("nanosynth", include_external_packages=False)
    imported = graph.find_modules_directly_imported_by("nanosynth.miner.registry")
    assert not {m for m in imported if m.startswith(("nanosynth.miner.classify", "nanosynth.miner.extract"))}
    for spec in registry.BUILTIN_STAGES:
        module = str(spec.target).partition(":")[0]
        if module.startswith("nanosynth."):
            assert "nanosynth.miner.registry" not in graph.find_modules_directly_imported_by(module)
