import pytest

from nanosynth.schema.doi import find_doi, normalize_doi


@pytest.mark.parametrize("raw", ["10.1021/JA0123", "https://doi.org/10.1021/ja0123.", "doi:10.1021/Ja0123",
                                 "http://dx.doi.org/10.1021/ja0123)", "see DOI 10.1021/ja0123; and more"])
def test_every_spelling_gives_one_canonical_doi(raw):
    assert normalize_doi(raw) == "10.1021/ja0123"


def test_find_doi_returns_none_without_a_doi():
    assert find_doi("no identifier here") is None
    assert find_doi(None) is None


def test_normalize_doi_refuses_text_without_a_doi_and_says_the_form():
    with pytest.raises(ValueError, match=r"10\.xxxx/suffix"):
        normalize_doi("ja0123")
