"""The optional ChemDataExtractor adapter fails cleanly when the extra is not installed."""

import importlib.util

import pytest

from nanosynth.schema.errors import ReaderError


@pytest.mark.skipif(importlib.util.find_spec("chemdataextractor") is not None, reason="chemdataextractor installed")
def test_missing_chemdataextractor_gives_install_hint():
    from nanosynth.miner.readers.cde import read_with_chemdataextractor

    with pytest.raises(ReaderError, match=r"pip install \.\[cde\]"):
        read_with_chemdataextractor(b"<html><body><p>x</p></body></html>", "x.html")


def test_readers_package_does_not_import_chemdataextractor():
    import sys

    import nanosynth.miner.readers  # noqa: F401

    assert "chemdataextractor" not in sys.modules
