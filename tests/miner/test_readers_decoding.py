"""Tests of the one place where bytes become text."""

import pytest

from nanosynth.miner.readers.decoding import decode_bytes, declared_encoding, looks_binary, sniff_head
from nanosynth.schema.errors import ReaderError


def test_utf8_and_bom_and_newlines():
    assert decode_bytes("a\r\nb °C".encode()) == "a\nb °C"
    assert decode_bytes(b"\xef\xbb\xbfhello") == "hello"
    assert decode_bytes("héllo".encode("utf-16")) == "héllo"
    assert decode_bytes("héllo".encode("utf-32")) == "héllo"


def test_non_utf8_without_declaration_fails_clearly():
    with pytest.raises(ReaderError, match=r"not valid UTF-8 \(byte 0xe9 at offset 1\).*iconv"):
        decode_bytes("héllo".encode("latin-1"))


def test_declared_encodings():
    xml = '<?xml version="1.0" encoding="ISO-8859-1"?><a>héllo</a>'.encode("latin-1")
    assert "héllo" in decode_bytes(xml, what="XML", markup="xml")
    html = '<html><head><meta http-equiv="Content-Type" content="text/html; charset=windows-1252"></head>' \
           '<body>\u201cquoted\u201d</body></html>'
    assert "\u201cquoted\u201d" in decode_bytes(html.encode("cp1252"), what="HTML", markup="html")
    assert declared_encoding('<meta charset="utf-8">') == "utf-8"


def test_unknown_or_wrong_declared_encoding():
    with pytest.raises(ReaderError, match="unknown encoding 'klingon'.*re-save the file as UTF-8") as unknown:
        decode_bytes(b'<?xml version="1.0" encoding="klingon"?><a/>', what="XML", markup="xml")
    with pytest.raises(ReaderError, match="does not decode as.*re-save the file as UTF-8") as wrong:
        decode_bytes(b'<?xml version="1.0" encoding="ascii"?><a>\xff</a>', what="XML", markup="xml")
    for refused in (unknown, wrong):   # a curator reads these in `ingest status`: no library arguments
        assert "read_document" not in str(refused.value) and "encoding=" not in str(refused.value)


def test_caller_override_wins():
    assert decode_bytes("Ölsäure".encode("latin-1"), encoding="latin-1") == "Ölsäure"


def test_binary_sniffing():
    assert looks_binary(b"\x00\x01\x02PNG")
    assert not looks_binary("Ölsäure".encode("latin-1"))
    assert not looks_binary("text".encode("utf-16"))
    assert sniff_head(b"\xff\xfe" + "abc".encode("utf-16-le")) == "abc"
