"""The model registry in db: register (idempotent by name@version), list newest first, get by id/name/version."""

from __future__ import annotations

import pytest

from nanosynth.artifacts import manifest_sha256, write_manifest
from nanosynth.db.engine import session_scope
from nanosynth.db.model_registry import add_artifact, find_artifact, get_artifact, list_artifacts, register_artifact
from nanosynth.schema.errors import ArtifactNotFoundError


def _artifact(directory, name="m", version="1", target="abs_peak_nm"):
    directory.mkdir(parents=True)
    (directory / "model.json").write_text("{}")
    return directory, write_manifest(directory, {"name": name, "version": version, "kind": "xgb", "target": target,
                                                 "features": ["temperature_c"], "metrics": {"mae": 1.5},
                                                 "training_data_hash": "abc"})


def test_register_list_get(engine, tmp_path):
    first_dir, first = _artifact(tmp_path / "a", version="1")
    second_dir, second = _artifact(tmp_path / "b", version="2")
    other_dir, other = _artifact(tmp_path / "c", name="shape", target="shape")
    with session_scope(engine) as s:
        row = register_artifact(s, first_dir, first)
        assert row.manifest_sha256 == manifest_sha256(first_dir) and row.path == str(first_dir.resolve())
        again = register_artifact(s, first_dir, first)  # idempotent by name@version
        assert again.id == row.id
        newer = register_artifact(s, second_dir, second)
        register_artifact(s, other_dir, other)
    with session_scope(engine) as s:
        assert [r.version for r in list_artifacts(s, "abs_peak_nm")] == ["2", "1"]
        assert len(list_artifacts(s)) == 3
        assert get_artifact(s, "m").id == newer.id
        assert get_artifact(s, "m@1").id == row.id
        assert get_artifact(s, str(row.id)).version == "1"
        assert find_artifact(s, "m", "3") is None
        with pytest.raises(ArtifactNotFoundError, match="nanosynth models list"):
            get_artifact(s, "nope")


def test_add_artifact_row(engine):
    with session_scope(engine) as s:
        row = add_artifact(s, {"name": "prior-x", "version": "v", "kind": "tree_ensemble", "target": "abs_peak_nm",
                               "path": "spec:{}", "manifest_sha256": "0" * 64, "features": [], "metrics": {}})
    with session_scope(engine) as s:
        assert find_artifact(s, "prior-x", "v").id == row.id
