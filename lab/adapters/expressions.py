"""Coupled constraints between reactor parameters, as small arithmetic expressions evaluated without ``eval()``.

An adapter declares e.g. ``"q_cs_ul_min + q_pb_ul_min <= 600"`` or ``"0.5 <= cd_mm / se_mm <= 4"``. The text is
parsed with :mod:`ast` and only a whitelist of nodes is accepted: numbers, parameter names, ``+ - * / **``, unary
minus, comparisons (chained ones too), ``and``/``or``/``not`` and the functions in :data:`FUNCTIONS`. Anything else
(attribute access, calls of other names, subscripts, lambdas ...) is refused when the constraint is declared, so a
constraint can never run code. Evaluation is vectorized with numpy (one value per candidate point).
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from nanosynth.schema.errors import SchemaValidationError

FUNCTIONS: dict[str, Callable[..., Any]] = {
    "abs": np.abs, "min": np.minimum, "max": np.maximum, "log": np.log, "log10": np.log10, "exp": np.exp,
    "sqrt": np.sqrt,
}
_BINARY = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
           ast.Pow: operator.pow}
_COMPARE = {ast.Lt: operator.lt, ast.LtE: operator.le, ast.Gt: operator.gt, ast.GtE: operator.ge,
            ast.Eq: operator.eq, ast.NotEq: operator.ne}
_ALLOWED = (ast.Expression, ast.BinOp, ast.UnaryOp, ast.USub, ast.UAdd, ast.Not, ast.Compare, ast.BoolOp, ast.And,
            ast.Or, ast.Name, ast.Load, ast.Constant, ast.Call, *_BINARY, *_COMPARE)


def parse_expression(text: str, names: list[str] | None = None) -> ast.Expression:
    """Parse and check a constraint expression.

    Parameters
    ----------
    text:
        The expression, e.g. ``"a + b <= 600"``.
    names:
        The parameter names it may use (None: any name).

    Raises
    ------
    SchemaValidationError
        On a syntax error, a forbidden construct, an unknown function or parameter name.
    """
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        raise SchemaValidationError(f"constraint {text!r} is not a valid expression: {exc.msg}") from exc
    for node in ast.walk(tree):
        if not isinstance(node, _ALLOWED):
            raise SchemaValidationError(f"constraint {text!r}: {type(node).__name__} is not allowed; use numbers, "
                                        f"parameter names, + - * / **, comparisons, and/or/not, {sorted(FUNCTIONS)}")
        if isinstance(node, ast.Constant) and not isinstance(node.value, int | float):
            raise SchemaValidationError(f"constraint {text!r}: only numeric constants are allowed")
        if isinstance(node, ast.Call) and (not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS
                                           or node.keywords):
            raise SchemaValidationError(f"constraint {text!r}: only the functions {sorted(FUNCTIONS)} may be called")
    used = variables(tree)
    if names is not None and used - set(names):
        raise SchemaValidationError(f"constraint {text!r} uses {sorted(used - set(names))}, which are not "
                                    f"parameters; parameters are {names}")
    return tree


def variables(tree: ast.AST) -> set[str]:
    """Parameter names used by a parsed expression (function names excluded)."""
    calls = {id(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and id(n) not in calls}


def _eval(node: ast.AST, env: Mapping[str, Any]) -> Any:
    if isinstance(node, ast.Expression):
        return _eval(node.body, env)
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        return env[node.id]
    if isinstance(node, ast.BinOp):
        return _BINARY[type(node.op)](_eval(node.left, env), _eval(node.right, env))
    if isinstance(node, ast.UnaryOp):
        v = _eval(node.operand, env)
        return np.logical_not(v) if isinstance(node.op, ast.Not) else (-v if isinstance(node.op, ast.USub) else v)
    if isinstance(node, ast.Call):
        return FUNCTIONS[node.func.id](*(_eval(a, env) for a in node.args))
    if isinstance(node, ast.BoolOp):
        vals = [_eval(v, env) for v in node.values]
        combine = np.logical_and if isinstance(node.op, ast.And) else np.logical_or
        out = vals[0]
        for v in vals[1:]:
            out = combine(out, v)
        return out
    left, out = _eval(node.left, env), True
    for op, comp in zip(node.ops, node.comparators, strict=True):
        right = _eval(comp, env)
        out = np.logical_and(out, _COMPARE[type(op)](left, right))
        left = right
    return out


def evaluate(text: str, values: Mapping[str, Any]) -> np.ndarray:
    """Evaluate a constraint on scalars or arrays of parameter values; True where it holds.

    Raises
    ------
    SchemaValidationError
        When the expression is not allowed or uses a name missing from ``values``.
    """
    tree = parse_expression(text, list(values))
    with np.errstate(all="ignore"):
        out = _eval(tree, {k: np.asarray(v, dtype=float) for k, v in values.items()})
    return np.asarray(out, dtype=bool)


def substitute(text: str, replacements: Mapping[str, str]) -> str:
    """The expression with each parameter name replaced by an expression (unit conversion, renaming)."""
    tree = parse_expression(text)

    class _Sub(ast.NodeTransformer):
        def visit_Call(self, node: ast.Call) -> ast.AST:
            node.args = [self.visit(a) for a in node.args]
            return node

        def visit_Name(self, node: ast.Name) -> ast.AST:
            if node.id in replacements:
                return ast.parse(f"({replacements[node.id]})", mode="eval").body
            return node

    return ast.unparse(_Sub().visit(tree))
