"""The README's "Exploring the data" Python examples run as written, on a small database of the tests."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pandas as pd
import pytest
from explorer_data import MINED_TEMPERATURE

REPO = Path(__file__).resolve().parents[1]
SECTION = "## Exploring the data: browser, Python, evidence"


def _python_blocks() -> list[str]:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text[text.index(SECTION):]
    section = section[:section.index("\n## ", 1)]
    return re.findall(r"```python\n(.*?)```", section, flags=re.S)


def _run(block: str, namespace: dict):
    """Execute a block; return the value of its last line when that line is an expression (as a REPL shows it)."""
    tree = ast.parse(block)
    last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    exec(compile(tree, "README.md", "exec"), namespace)
    return eval(compile(ast.Expression(last.value), "README.md", "eval"), namespace) if last else None


@pytest.mark.slow  # nanosynth.extract loads the shipped models
def test_exploring_the_data_examples(explorer_db, monkeypatch):
    url, ids = explorer_db
    monkeypatch.chdir(REPO)
    monkeypatch.setenv("NANOSYNTH_DATABASE_URL", url)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    blocks = _python_blocks()
    assert len(blocks) == 2 and len(blocks[0].strip().splitlines()) == 2  # "in two lines"
    namespace: dict = {}
    shown = _run(blocks[0], namespace)
    assert isinstance(shown, pd.DataFrame) and set(shown["recipe_id"]) == {ids["mined"]}
    assert MINED_TEMPERATURE in list(shown["span_text"])
    row = shown[shown["span_text"] == MINED_TEMPERATURE].iloc[0]
    assert MINED_TEMPERATURE in row["sentence"] and row["unit"] == "°C"
    _run(blocks[1], namespace)
    assert set(namespace["cdse"]["recipe_id"]) == {ids["mined"], ids["curated"]}
    assert {"sentence", "span_start", "extractor", "confidence", "doi"} <= set(namespace["evidence"].columns)
    assert ids["simulated"] in set(namespace["twin"]["recipe_id"])
    assert namespace["record"]["recipes"][0]["target"] == "CdSe"
    namespace["db"].close()
