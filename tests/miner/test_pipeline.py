"""End-to-end pipeline: bytes → paper + recipes; the sample papers in every format; bad documents."""

from __future__ import annotations

import pytest

from nanosynth.miner.document import Document
from nanosynth.miner.pipeline import Pipeline, PipelineConfig, ProcessedDocument
from nanosynth.miner.samples import FORMATS, SAMPLE_IDS, load_expected, paper_problems, sample_paper_paths, score_paper
from nanosynth.schema.errors import ReaderError


@pytest.fixture(scope="module")
def pipeline() -> Pipeline:
    return Pipeline(PipelineConfig(classifier_model="heuristic", ner_model=None)).initialize()


def test_constructor_does_no_io_and_version_is_stable() -> None:
    a = Pipeline(PipelineConfig(classifier_model="heuristic", ner_model=None))
    b = Pipeline(PipelineConfig(classifier_model="heuristic", ner_model=None))
    assert not a.initialized and a.version == b.version and len(a.version) <= 64
    assert Pipeline(PipelineConfig(classifier_model="heuristic", ner_model=None, extractor_version="9")).version \
        != a.version


def test_config_is_frozen() -> None:
    config = PipelineConfig()
    with pytest.raises(Exception):  # pydantic ValidationError on a frozen model
        config.ner_model = None  # type: ignore[misc]


@pytest.mark.parametrize("path", sample_paper_paths(), ids=lambda p: p.name)
def test_sample_papers_all_formats(pipeline: Pipeline, path) -> None:
    """Every sample paper in every format: one recipe per described synthesis, exactly as expected/<id>.json."""
    result = pipeline.process(path.read_bytes(), str(path))
    assert isinstance(result, ProcessedDocument)
    expected = load_expected(path.stem)
    assert result.paper.key == expected["paper_key"]
    assert all(p.label in ("synthesis", "characterization", "other") for p in result.paper.paragraphs)
    assert any(p.label == "synthesis" for p in result.paper.paragraphs)
    assert [r.paper_key for r in result.recipes] == [expected["paper_key"]] * len(expected["recipes"])
    assert set(result.timings) == {"read", "classify", "extract", "total"}
    assert paper_problems(result.recipes, expected) == []


def _keys_by_paper(pipeline: Pipeline) -> dict[str, dict[str, list[str]]]:
    keys: dict[str, dict[str, list[str]]] = {}
    for path in sample_paper_paths():
        result = pipeline.process(path.read_bytes(), str(path))
        keys.setdefault(path.stem, {})[path.suffix] = sorted(r.source_key for r in result.recipes)
    return keys


def test_same_recipe_keys_in_every_format(pipeline: Pipeline) -> None:
    keys = _keys_by_paper(pipeline)
    assert set(keys) == set(SAMPLE_IDS)
    for paper_id, by_format in keys.items():
        assert len(by_format) == len(FORMATS)
        assert len({tuple(v) for v in by_format.values()}) == 1, (paper_id, by_format)
        assert len(by_format[".txt"]) == len(load_expected(paper_id)["recipes"])


# ---------------------------------------------------------------------------------------- shipped models
@pytest.fixture(scope="module")
def model_pipeline() -> Pipeline:
    """The pipeline `nanosynth ingest` and `make demo` use: shipped classifier + fast NER (same code path as the
    default NER, a quarter of the load time)."""
    from nanosynth.schema.errors import ArtifactNotFoundError

    try:
        return Pipeline(PipelineConfig(classifier_model="default", ner_model="fast")).initialize()
    except (ArtifactNotFoundError, ImportError) as exc:  # pragma: no cover - models not shipped in this checkout
        pytest.skip(f"shipped models unavailable: {exc}")


@pytest.mark.slow
def test_sample_papers_with_shipped_models(model_pipeline: Pipeline) -> None:
    """Classifier + NER: the abstract (which the classifier calls "synthesis") adds no recipe, keys agree across
    formats, and every field group stays close to the expectation (models may change; rules carry the rest)."""
    keys = _keys_by_paper(model_pipeline)
    for paper_id, by_format in keys.items():
        assert len({tuple(v) for v in by_format.values()}) == 1, (paper_id, by_format)
    for path in sample_paper_paths():
        result = model_pipeline.process(path.read_bytes(), str(path))
        expected = load_expected(path.stem)
        assert len(result.recipes) == len(expected["recipes"]), path.name
        for group, pr in score_paper(result.recipes, expected).items():
            assert pr.precision >= 0.9 and pr.recall >= 0.8, (path.name, group, pr, paper_problems(result.recipes,
                                                                                                  expected))


@pytest.mark.slow
def test_models_are_loaded_once_and_ner_is_batched(model_pipeline: Pipeline, monkeypatch) -> None:
    import nanosynth.miner.classify
    import nanosynth.miner.extract.ner as ner_module

    def no_reload(*args, **kwargs):
        raise AssertionError("a model was loaded again while processing")

    calls: list[int] = []
    real_predict = ner_module.predict_spans

    def counting_predict(nlp, texts, *args, **kwargs):
        calls.append(len(texts))
        return real_predict(nlp, texts, *args, **kwargs)

    monkeypatch.setattr(ner_module, "load_ner", no_reload)
    monkeypatch.setattr(ner_module, "load_entity_model", no_reload)
    monkeypatch.setattr(nanosynth.miner.classify, "load_classifier", no_reload)
    monkeypatch.setattr(ner_module, "predict_spans", counting_predict)
    path = sample_paper_paths(["txt"])[SAMPLE_IDS.index("au_seed_mediated")]
    result = model_pipeline.process(path.read_bytes(), str(path))
    assert len(result.recipes) == 1
    assert calls == [2]  # one batched NER call for the two synthesis paragraphs of the paper


BAD_PARAGRAPHS = {
    "empty": "",
    "long": "CdO (0.2 mmol) and OA (0.8 mmol) in ODE (10 mL) were heated to 300 °C under N2. " * 250,
    "german": "Synthese. CdO (0,2 mmol) und Ölsäure wurden in ODE (10 mL) bei 300 °C gelöst; TOP-Se wurde injiziert.",
    "chinese": "将CdO（0.2 mmol）和油酸加入十八烯（10 mL）中，在300 °C下加热30分钟。",
    "garbage": "\x00\x01\ufffd\ufffd garbage ÿþ \x7f (((( 1e999 M ±±± °C°C 10^ 5-- mL :: ratio of 1:0 \u202e\u200b",
}


@pytest.mark.slow
@pytest.mark.parametrize("kind", sorted(BAD_PARAGRAPHS))
def test_bad_paragraphs_with_shipped_models(model_pipeline: Pipeline, kind: str) -> None:
    """Empty, 20,000-character, non-English and garbage paragraphs through classifier + NER: no crash, valid
    records, bounded time."""
    import time

    from nanosynth.schema.records import PaperCreate, ParagraphCreate, RecipeCreate

    text = BAD_PARAGRAPHS[kind]
    assert kind != "long" or len(text) >= 20_000
    paper = PaperCreate(key=f"test:{kind}", paragraphs=[
        ParagraphCreate(order=0, text=text, label="synthesis"), ParagraphCreate(order=1, text=text),
        ParagraphCreate(order=2, text=text, label="characterization")])
    document = Document.from_records(paper)
    t0 = time.perf_counter()
    out = model_pipeline.extract(document)
    assert time.perf_counter() - t0 < 60
    assert document.paragraphs[1].category in ("synthesis", "characterization", "other")  # classified in place
    assert document.paragraphs[0].category == "synthesis" and document.recipes == out  # stored labels are kept
    for recipe in out:
        RecipeCreate.model_validate(recipe.model_dump())
    if kind == "long":
        assert len(out) == 1 and out[0].chemicals  # clipped to 20,000 characters, still extracted
    # as a whole document: read, or refused with a ReaderError naming the problem
    try:
        result = model_pipeline.process(f"Bad input\n\nExperimental\n\n{text}\n".encode("utf-8", "replace"),
                                        f"{kind}.txt")
    except ReaderError as exc:
        assert kind in ("empty", "garbage"), exc
    else:
        assert isinstance(result, ProcessedDocument)


def test_non_english_and_long_text_documents(pipeline: Pipeline) -> None:
    german = ("Synthese von CdSe-Nanokristallen\n\nCdO (0,2 mmol) und Ölsäure wurden in ODE (10 mL) bei 300 °C "
              "gelöst und TOP-Se wurde injiziert.\n").encode("utf-8")
    result = pipeline.process(german, "de.txt")
    assert result.paper.paragraphs
    long_text = ("Synthesis\n\n" + "CdO (0.2 mmol) was heated to 300 °C and TOP-Se was injected. " * 330).encode()
    result = pipeline.process(long_text, "long.txt")
    assert result.timings["total"] < 60


def test_pipeline_with_database(pipeline: Pipeline, engine) -> None:
    from nanosynth.db.engine import session_scope
    from nanosynth.db.write import write_document

    path = sample_paper_paths(["html"])[0]
    result = pipeline.process(path.read_bytes(), str(path))
    with session_scope(engine) as session:
        _, report = write_document(session, result.paper, result.recipes)
    assert report.added == len(result.recipes) == len(load_expected(path.stem)["recipes"])
    with session_scope(engine) as session:
        _, report = write_document(session, result.paper, result.recipes)
    assert report.added == 0 and report.skipped == 1


def _re_extracted(pipeline: Pipeline, engine, path) -> tuple[ProcessedDocument, list]:
    """Process a sample file, store it, read the paper back and extract it again."""
    from nanosynth.db.engine import session_scope
    from nanosynth.db.papers import read_paper
    from nanosynth.db.write import write_document

    result = pipeline.process(path.read_bytes(), str(path))
    with session_scope(engine) as session:
        write_document(session, result.paper, result.recipes)
    with session_scope(engine) as session:
        stored = read_paper(session, key=result.paper.key)
    assert stored is not None and stored.paragraphs == result.paper.paragraphs
    assert any(p.section_type == "experimental" for p in stored.paragraphs)
    return result, pipeline.extract(Document.from_records(stored))


@pytest.mark.parametrize("path", sample_paper_paths(), ids=lambda p: p.name)
def test_re_extraction_from_the_database_gives_the_same_recipes(pipeline: Pipeline, engine, path) -> None:
    """Extracting a paper from its file and re-extracting it from what was stored give the same recipes (the
    stored paragraphs keep their section type, order and classifier label)."""
    result, again = _re_extracted(pipeline, engine, path)
    assert result.recipes and [r.model_dump() for r in again] == [r.model_dump() for r in result.recipes]


@pytest.mark.slow
def test_re_extraction_from_the_database_with_shipped_models(model_pipeline: Pipeline, engine) -> None:
    for path in sample_paper_paths(["txt"]):
        result, again = _re_extracted(model_pipeline, engine, path)
        assert [r.model_dump() for r in again] == [r.model_dump() for r in result.recipes], path.name


# ---------------------------------------------------------------------------------------- relevance gate
_FIXTURES = __import__("pathlib").Path(__file__).resolve().parents[1] / "fixtures" / "extraction"


def _fixture_results(pipe: Pipeline) -> dict[str, ProcessedDocument]:
    return {name: pipe.process((_FIXTURES / f"{name}.txt").read_bytes(), f"{name}.txt")
            for name in ("medicinal_suzuki", "introduction_review", "cdse_hot_injection", "abstract_cdse_zns")}


def _check_fixture_results(results: dict[str, ProcessedDocument]) -> None:
    assert results["medicinal_suzuki"].recipes == []
    assert results["medicinal_suzuki"].no_synthesis_reason == (
        "no nanomaterial synthesis: organic synthesis (no nanoscale product, no inorganic target)")
    assert results["introduction_review"].recipes == []
    assert "introduction or review" in results["introduction_review"].no_synthesis_reason
    cdse = results["cdse_hot_injection"]
    assert cdse.no_synthesis_reason is None and [r.target_composition for r in cdse.recipes] == ["CdSe"]
    steps = cdse.recipes[0].steps
    assert next(s.temperature_c for s in steps if s.action == "inject") == 280.0
    assert {c.name: c.amount_ml for c in cdse.recipes[0].chemicals}["trioctylphosphine"] == 2.0
    assert {o.property for o in cdse.recipes[0].outcomes} >= {"size_nm", "abs_peak_nm"}
    abstract = results["abstract_cdse_zns"]
    assert [r.target_composition for r in abstract.recipes] == ["CdSe/ZnS"]
    assert {o.property for o in abstract.recipes[0].outcomes} >= {"size_nm", "shape", "pl_peak_nm", "plqy"}


def test_relevance_gate_and_fixtures(pipeline: Pipeline) -> None:
    """Rules only: medicinal chemistry and an introduction give no recipe and say why; the textbook CdSe
    paragraph and an abstract give their recipes."""
    _check_fixture_results(_fixture_results(pipeline))


@pytest.mark.slow
def test_relevance_gate_and_fixtures_with_shipped_models(model_pipeline: Pipeline) -> None:
    _check_fixture_results(_fixture_results(model_pipeline))
