import os

import pytest

from nanosynth.artifacts import (MANIFEST, atomic_write_text, manifest_sha256, read_manifest, sha256_bytes,
                                 sha256_file, sha256_texts, verify_manifest, write_manifest)
from nanosynth.schema.errors import ArtifactIntegrityError, ArtifactNotFoundError


@pytest.fixture()
def artifact(tmp_path):
    folder = tmp_path / "model"
    atomic_write_text(folder / "weights.json", '{"w": [1, 2]}')
    atomic_write_text(folder / "sub" / "vocab.txt", "a\nb\n")
    write_manifest(folder, {"kind": "test", "name": "m"})
    return folder


def test_manifest_lists_every_file_with_its_hash(artifact):
    manifest = verify_manifest(artifact)
    assert manifest["kind"] == "test" and "created" in manifest
    assert manifest["files"] == {"sub/vocab.txt": sha256_bytes(b"a\nb\n"),
                                 "weights.json": sha256_file(artifact / "weights.json")}


@pytest.mark.parametrize("tamper, reason", [
    (lambda d: (d / "weights.json").write_text('{"w": [9]}'), "modified: weights.json"),
    (lambda d: (d / "weights.json").write_bytes(b""), "modified: weights.json"),
    (lambda d: (d / "sub" / "vocab.txt").unlink(), "missing: sub/vocab.txt"),
    (lambda d: (d / "extra.bin").write_bytes(b"x"), "not in manifest: extra.bin"),
    (lambda d: (d / "passwd").symlink_to("/etc/passwd"), "outside the folder: passwd"),
])
def test_verify_refuses_a_tampered_folder(artifact, tamper, reason):
    tamper(artifact)
    with pytest.raises(ArtifactIntegrityError, match=reason):
        verify_manifest(artifact)


def test_verify_refuses_a_listed_path_outside_the_folder(artifact):
    manifest = read_manifest(artifact)
    manifest["files"]["../outside.txt"] = sha256_bytes(b"")
    (artifact.parent / "outside.txt").write_bytes(b"")
    atomic_write_text(artifact / MANIFEST, __import__("json").dumps(manifest))
    with pytest.raises(ArtifactIntegrityError, match="outside the folder"):
        verify_manifest(artifact)


def test_verify_compares_the_registry_hash(artifact):
    assert verify_manifest(artifact, expected_sha256=manifest_sha256(artifact))
    with pytest.raises(ArtifactIntegrityError, match="model registry"):
        verify_manifest(artifact, expected_sha256="0" * 64)


def test_missing_and_malformed_manifests_say_what_to_do(tmp_path):
    with pytest.raises(ArtifactNotFoundError, match="not a nanosynth artifact directory"):
        read_manifest(tmp_path)
    (tmp_path / MANIFEST).write_text("{not json")
    with pytest.raises(ArtifactIntegrityError, match="retrain or restore"):
        read_manifest(tmp_path)
    (tmp_path / MANIFEST).write_text("[]")
    with pytest.raises(ArtifactIntegrityError, match="'files'"):
        read_manifest(tmp_path)


def test_atomic_write_leaves_no_temp_file_and_replaces(tmp_path):
    target = tmp_path / "a" / "b.txt"
    atomic_write_text(target, "one")
    atomic_write_text(target, "two")
    assert target.read_text() == "two" and os.listdir(target.parent) == ["b.txt"]
    assert target.stat().st_mode & 0o777 == 0o644


def test_text_fingerprint_depends_on_order_and_boundaries():
    assert sha256_texts(["ab", "c"]) != sha256_texts(["a", "bc"])
    assert sha256_texts(["a", "b"]) != sha256_texts(["b", "a"])
