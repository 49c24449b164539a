"""Coupled-constraint expressions: evaluated through an AST whitelist, never eval()."""

from __future__ import annotations

import numpy as np
import pytest

from nanosynth.lab.adapters.expressions import evaluate, parse_expression, substitute
from nanosynth.schema.errors import SchemaValidationError


def test_evaluates_sums_ratios_chains_and_functions_vectorized():
    values = {"a": np.array([100.0, 300.0, 50.0]), "b": np.array([100.0, 300.0, 10.0])}
    assert evaluate("a + b <= 500", values).tolist() == [True, False, True]
    assert evaluate("0.25 <= a / b <= 2.5", values).tolist() == [True, True, False]
    assert evaluate("max(a, b) < 200 and not a > 90", values).tolist() == [False, False, True]
    assert bool(evaluate("log10(a) ** 2 >= 4", {"a": 100.0}))


@pytest.mark.parametrize("text", ["__import__('os').system('true')", "a.__class__", "a[0] < 1", "open('x')",
                                  "(lambda: 1)() < 2", "'text' == a"])
def test_refuses_anything_but_arithmetic(text):
    with pytest.raises(SchemaValidationError, match="not allowed|only"):
        parse_expression(text)


def test_unknown_names_and_syntax_errors_are_refused():
    with pytest.raises(SchemaValidationError, match="not parameters"):
        parse_expression("a + c <= 1", ["a", "b"])
    with pytest.raises(SchemaValidationError, match="not a valid expression"):
        parse_expression("a + <= 1")


def test_substitute_rewrites_names_into_other_units():
    text = substitute("q_a + q_b <= 500", {"q_a": "1000 * a", "q_b": "1000 * b"})
    assert text == "1000 * a + 1000 * b <= 500"
    assert evaluate(text, {"a": 0.2, "b": 0.2}) and not evaluate(text, {"a": 0.4, "b": 0.2})
