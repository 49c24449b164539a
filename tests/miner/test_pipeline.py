"""End-to-end pipeline: bytes → paper + recipes; the sample papers in every format; bad documents."""

from __future__ import annotations

import pytest

from miner.pipeline import Pipeline, PipelineConfig, ProcessedDocument
from miner.samples import load_expected, sample_paper_paths, score_recipes
from schema.errors import ReaderError


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
    result = pipeline.process(path.read_bytes(), str(path))
    assert isinstance(result, ProcessedDocument)
    expected = load_expected(path.stem)
    assert result.paper.key == expected["paper_key"]
    assert all(p.label in ("synthesis", "characterization", "other") for p in result.paper.paragraphs)
    assert any(p.label == "synthesis" for p in result.paper.paragraphs)
    assert [r.paper_key for r in result.recipes] == [expected["paper_key"]] * expected["recipes"]
    assert set(result.timings) == {"read", "classify", "extract", "total"}
    scores = score_recipes(result.recipes, expected)
    for group in ("chemicals", "amounts", "conditions", "outcomes"):
        assert scores[group].precision >= 0.75 and scores[group].recall >= 0.75, (group, scores[group])


def test_same_recipe_key_in_every_format(pipeline: Pipeline) -> None:
    keys = {}
    for path in sample_paper_paths():
        keys.setdefault(path.stem, set()).update(r.source_key for r in pipeline.process(path.read_bytes(),
                                                                                          str(path)).recipes)
    assert all(len(v) == 1 for v in keys.values())


@pytest.mark.parametrize(("data", "name"), [
    (b"", "empty.pdf"),
    (b"%PDF-1.4\n\x00\x01\x02 not really a pdf \xff\xfe", "broken.pdf"),
    (bytes(range(256)) * 40, "garbage.bin"),
])
def test_bad_documents_raise_reader_error(pipeline: Pipeline, data: bytes, name: str) -> None:
    with pytest.raises(ReaderError):
        pipeline.process(data, name)


def test_non_english_and_long_text_documents(pipeline: Pipeline) -> None:
    german = ("Synthese von CdSe-Nanokristallen\n\nCdO (0,2 mmol) und Ölsäure wurden in ODE (10 mL) bei 300 °C "
              "gelöst und TOP-Se wurde injiziert.\n").encode("utf-8")
    result = pipeline.process(german, "de.txt")
    assert result.paper.paragraphs
    long_text = ("Synthesis\n\n" + "CdO (0.2 mmol) was heated to 300 °C and TOP-Se was injected. " * 330).encode()
    result = pipeline.process(long_text, "long.txt")
    assert result.timings["total"] < 60


def test_pipeline_with_database(pipeline: Pipeline, engine) -> None:
    from db.engine import session_scope
    from db.write import write_document

    path = sample_paper_paths(["html"])[0]
    result = pipeline.process(path.read_bytes(), str(path))
    with session_scope(engine) as session:
        _, report = write_document(session, result.paper, result.recipes)
    assert report.added == len(result.recipes) == 1
    with session_scope(engine) as session:
        _, report = write_document(session, result.paper, result.recipes)
    assert report.added == 0 and report.skipped == 1
