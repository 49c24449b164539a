import json

import pytest

from nanosynth.miner.corpora.paragraphs import dataset_sha256, label_counts, read_jsonl, read_msptc
from nanosynth.schema.errors import ImportFormatError
from _classify_data import rows, write_jsonl


def test_read_jsonl_reads_the_shared_format(tmp_path):
    path = write_jsonl(tmp_path / "p.jsonl")
    data = read_jsonl(path)
    assert len(data) == 18
    assert label_counts(data) == {"synthesis": 6, "characterization": 6, "other": 6}
    assert data[0].doc == "paper-0" and data[0].weight == 1.0


def test_read_jsonl_accepts_text_and_label_only_and_skips_blank_lines(tmp_path):
    path = tmp_path / "min.jsonl"
    path.write_text('{"text": "CdO was heated.", "label": "Synthesis"}\n\n{"text": "x", "label": "other"}\n')
    data = read_jsonl(path)
    assert [r.label for r in data] == ["synthesis", "other"]


@pytest.mark.parametrize("bad_line, expected", [
    ("{not json", "line 3: not valid JSON"),
    ('["text", "label"]', "line 3: expected a JSON object"),
    ('{"text": "ok"}', "line 3: label"),
    ('{"text": "ok", "label": "recipe"}', "line 3: label"),
    ('{"text": "   ", "label": "other"}', "line 3: text"),
])
def test_malformed_line_names_its_number(tmp_path, bad_line, expected):
    good = [json.dumps(r) for r in rows()[:2]]
    path = tmp_path / "bad.jsonl"
    path.write_text("\n".join([*good, bad_line, *good]) + "\n")
    with pytest.raises(ImportFormatError, match=expected):
        read_jsonl(path)


def test_missing_empty_and_non_utf8_files(tmp_path):
    with pytest.raises(ImportFormatError, match="cannot read"):
        read_jsonl(tmp_path / "absent.jsonl")
    (tmp_path / "empty.jsonl").write_text("\n\n")
    with pytest.raises(ImportFormatError, match="no labelled paragraphs"):
        read_jsonl(tmp_path / "empty.jsonl")
    (tmp_path / "latin1.jsonl").write_bytes('{"text": "250 °C", "label": "other"}\n'.encode("latin-1"))
    with pytest.raises(ImportFormatError, match="not UTF-8"):
        read_jsonl(tmp_path / "latin1.jsonl")


def test_read_msptc_takes_the_first_procedure_paragraph(tmp_path):
    (tmp_path / "brat").mkdir()
    (tmp_path / "ner-train-fnames.txt").write_text("a\nb\n")
    (tmp_path / "brat" / "a.txt").write_text("10.1/a\nTitle A\nCdO was heated to 300 C.\nSecond paragraph.\n")
    (tmp_path / "brat" / "b.txt").write_text("10.1/b\nTitle B\n\nPbO was dissolved in OA.\n\n")
    data = read_msptc(tmp_path, weight=0.5)
    assert [r.text for r in data] == ["CdO was heated to 300 C.", "PbO was dissolved in OA."]
    assert all(r.label == "synthesis" and r.weight == 0.5 and r.doc.startswith("msptc:") for r in data)
    (tmp_path / "brat" / "b.txt").write_text("10.1/b\nTitle B\n")
    with pytest.raises(ImportFormatError, match="no procedure text"):
        read_msptc(tmp_path)
    with pytest.raises(ImportFormatError, match="ner-dev-fnames.txt"):
        read_msptc(tmp_path, split="dev")


def test_dataset_hash_changes_with_content(tmp_path):
    data = read_jsonl(write_jsonl(tmp_path / "p.jsonl"))
    assert dataset_sha256(data) == dataset_sha256(list(data))
    assert dataset_sha256(data) != dataset_sha256(data[1:])
    assert dataset_sha256(data) != dataset_sha256([data[0].model_copy(update={"label": "other"}), *data[1:]])
