import pytest

from nanosynth.schema.errors import SchemaValidationError
from nanosynth.schema.vocab import SHAPES, normalize_method, normalize_shape


@pytest.mark.parametrize("text,shape", [
    ("Irregular shape", "irregular"), ("quasi-spherical", "sphere"), ("NPLs", "plate"), ("nanorods", "rod"),
    ("six-pointed star", "six_pointed_star"), ("flower shape", "flower"), ("Cubic", "cube"),
    ("triangular", "triangle"), ("tetrapods", "tetrapod"), ("sphere", "sphere"), ("nanowires", "wire"),
])
def test_shape_synonyms(text, shape):
    assert normalize_shape(text) == shape and shape in SHAPES


def test_unknown_shape_lists_vocabulary():
    with pytest.raises(SchemaValidationError, match="use one of irregular, cube"):
        normalize_shape("blob")


def test_methods():
    assert normalize_method("Hot-injection").value == "hot_injection"
    assert normalize_method("seeded growth").value == "seed_mediated"
    assert normalize_method(None).value == "unknown"
    assert normalize_method("sol-gel").value == "other"
