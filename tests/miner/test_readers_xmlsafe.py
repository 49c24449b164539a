"""XML hardening: external entities are never resolved, no DTD loading, no network."""

import pytest

from nanosynth.miner.readers import read_document
from nanosynth.miner.readers.markup import element_text
from nanosynth.miner.readers.xmlsafe import parse_xml, xml_parser
from nanosynth.schema.errors import ReaderError


def _xxe(secret_path, root: str) -> bytes:
    return (f'<?xml version="1.0"?>\n<!DOCTYPE article [<!ENTITY xxe SYSTEM "file://{secret_path}">]>\n'
            f'{root}').encode()


@pytest.fixture()
def secret(tmp_path):
    path = tmp_path / "secret.txt"
    path.write_text("TOP-SECRET-CREDENTIAL-42")
    return path


def test_external_entity_refused_in_jats(secret):
    data = _xxe(secret, '<article><front><article-meta/></front><body><p>CdSe &xxe; nanocrystals</p></body>'
                        '</article>')
    with pytest.raises(ReaderError, match="external entity 'xxe'") as info:
        read_document(data, "evil.xml")
    assert "TOP-SECRET" not in str(info.value)


def test_external_entity_refused_in_elsevier(secret):
    data = _xxe(secret, '<doc xmlns:ce="http://www.elsevier.com/xml/common/dtd"><ce:para>&xxe;</ce:para></doc>')
    with pytest.raises(ReaderError, match="never resolved"):
        read_document(data, "evil.xml")


def test_parser_itself_never_resolves(secret):
    """Defence in depth: even bypassing the declaration check, the hardened parser leaves entities unresolved."""
    from lxml import etree

    text = _xxe(secret, "<article><p>CdSe &xxe; dots</p></article>").decode()
    text = text.split("\n", 1)[1]  # drop the XML declaration (lxml refuses it in str input)
    root = etree.fromstring(text, parser=xml_parser())
    assert "TOP-SECRET" not in etree.tostring(root, encoding="unicode")
    assert element_text(root) == "CdSe dots"


def test_parameter_entity_and_public_refused(secret):
    data = (f'<!DOCTYPE a [<!ENTITY % p PUBLIC "-//x" "file://{secret}"> %p;]><a>x</a>').encode()
    with pytest.raises(ReaderError, match="external entity"):
        parse_xml(data)


def test_internal_entities_not_expanded_with_warning():
    data = b'<!DOCTYPE a [<!ENTITY lol "LOLLOLLOL">]><a><p>x &lol; y</p></a>'
    root, warnings = parse_xml(data)
    assert element_text(root) == "x y"
    assert warnings and "not expanded" in warnings[0]


def test_html_named_entities_survive_without_dtd():
    root, _ = parse_xml(b'<!DOCTYPE a SYSTEM "http://example.invalid/x.dtd"><a>5&ndash;10 nm</a>')
    assert element_text(root) == "5–10 nm"
