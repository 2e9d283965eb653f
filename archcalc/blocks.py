"""Reusable blocks of the paper notation: definitions with parameters, and their substitution.

A block is defined once and used like a layer, with arguments and a repeat count::

    block bottleneck(filters, stride=1)
      conv1-{filters} stride={stride}
      ...
    bottleneck(64) x3

Inside the body, ``{expression}`` is replaced by its value: a parameter, a whole number, or
arithmetic on them (``{4*filters}``, ``{filters//2}``). Expressions are read with :mod:`ast` and
only names, numbers and ``+ - * // / %`` are allowed: nothing is executed.
"""

from __future__ import annotations

import ast
import operator
import re
import warnings
from dataclasses import dataclass, field
from typing import Any

from .values import BadValue

_NAME = re.compile(r"[A-Za-z_][\w-]*")


def split_call(code: str) -> tuple[str, str | None, str | None] | None:
    """A block's use, ``bottleneck(64, stride=2) x3``, as (name, arguments, repeat count), the
    arguments and count ``None`` when absent; ``None`` when the text is not shaped like a use.

    Read by hand rather than by a regular expression: the pattern with optional spaces around
    optional parts backtracked cubically (`conv3-4`, 2,000 spaces and `x` took 9 s); this is linear.

    >>> split_call("bottleneck(64, stride=2) x3"), split_call("stem"), split_call("b x 2")
    (('bottleneck', '64, stride=2', '3'), ('stem', None, None), ('b', None, '2'))
    >>> split_call("conv3-4" + " " * 2000 + "x") is None
    True
    """
    code = code.strip()
    m = _NAME.match(code)
    if m is None:
        return None
    rest = code[m.end():].lstrip()
    args = None
    if rest.startswith("("):
        close = rest.rfind(")")  # the last one: arguments may hold parentheses
        if close < 0:
            return None
        args, rest = rest[1:close], rest[close + 1:].lstrip()
    if not rest:
        return m.group(), args, None
    count = rest[1:].strip()
    if rest[0] in "x×*" and count.isascii() and count.isdigit():
        return m.group(), args, count
    return None


def split_definition(code: str) -> tuple[str, str | None] | None:
    """``block bottleneck(filters, stride=1):`` as (name, parameters or ``None``); ``None`` when
    the text is not shaped like a definition. Linear, as :func:`split_call` is.

    >>> split_definition("block bottleneck(filters, stride=1):"), split_definition("BLOCK stem")
    (('bottleneck', 'filters, stride=1'), ('stem', None))
    >>> split_definition("block b x3") is None
    True
    """
    code = code.strip()
    if code[:5].lower() != "block" or not code[5:6].isspace():
        return None
    rest = code[5:].strip()
    if rest.endswith(":"):
        rest = rest[:-1].rstrip()
    m = _NAME.match(rest)
    if m is None:
        return None
    tail = rest[m.end():].lstrip()
    if not tail:
        return m.group(), None
    if tail.startswith("(") and tail.endswith(")"):
        return m.group(), tail[1:-1]
    return None


_FIELD = re.compile(r"\{([^{}]*)\}")

_OPERATORS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
              ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod}


@dataclass
class Block:
    """A block definition: its parameters (with defaults, ``None`` when required) and its body.

    Attributes:
        name: how calls name it.
        params: parameter → default value (``None``: the call must give it), in order.
        body: the statements of the body (the parser's own type).
        location: where it was defined, for messages.
    """

    name: str
    params: dict[str, Any]
    body: list[Any] = field(default_factory=list)
    location: Any = None

    def signature(self) -> str:
        """``bottleneck(filters, stride=1)``."""
        parts = [p if d is None else f"{p}={d}" for p, d in self.params.items()]
        return f"{self.name}({', '.join(parts)})"

    def bind(self, args: list[Any], kwargs: dict[str, Any]) -> dict[str, Any]:
        """The parameters' values for one call, as Python binds a function's arguments.

        >>> Block("b", {"f": None, "stride": 1}).bind([64], {})
        {'f': 64, 'stride': 1}
        >>> Block("b", {"f": None}).bind([], {})
        Traceback (most recent call last):
        ...
        archcalc.values.BadValue: `b` needs `f`
        """
        names = list(self.params)
        if len(args) > len(names):
            raise BadValue(f"`{self.name}` takes {len(names)} argument{'s' * (len(names) != 1)}, got {len(args)}",
                           f"it is defined as `{self.signature()}`")
        values = dict(zip(names, args))
        for key, value in kwargs.items():
            if key not in self.params:
                import difflib

                close = difflib.get_close_matches(key, names, n=1)
                raise BadValue(f"`{self.name}` has no parameter `{key}`",
                               f"did you mean `{close[0]}={value}`?" if close
                               else f"it is defined as `{self.signature()}`")
            if key in values:
                raise BadValue(f"`{self.name}` got `{key}` twice", f"it is defined as `{self.signature()}`")
            values[key] = value
        for key, default in self.params.items():
            if key not in values:
                if default is None:
                    raise BadValue(f"`{self.name}` needs `{key}`", f"it is defined as `{self.signature()}`")
                values[key] = default
        return values


def literal(text: str) -> Any:
    """An argument's value: a whole number when it is written as one (decimal digits), else the word
    as written (``0x3`` is a padding of 0 by 3, not hexadecimal).

    >>> literal("64"), literal("same"), literal("-1"), literal("0x3")
    (64, 'same', -1, '0x3')
    """
    text = text.strip()
    if re.fullmatch(r"[+-]?\d+", text):
        if len(text.lstrip("+-")) > _MAX_DIGITS:
            raise BadValue(f"the number `{text[:20]}…` has {len(text.lstrip('+-')):,} digits, more than archcalc "
                           f"reads ({_MAX_DIGITS})", "sizes and counts of a network are far smaller")
        return int(text)
    return text


#: Digits of a whole number in a block's arguments (the evaluator's bit limit, in decimal).
_MAX_DIGITS = 77


def split_arguments(text: str | None) -> tuple[list[Any], dict[str, Any]]:
    """``64, stride=2`` → ``([64], {'stride': 2})``.

    >>> split_arguments("64, stride=2"), split_arguments(None)
    (([64], {'stride': 2}), ([], {}))
    """
    args: list[Any] = []
    kwargs: dict[str, Any] = {}
    if text is None or not text.strip():
        return args, kwargs
    for part in text.split(","):
        part = part.strip()
        if not part:
            raise BadValue("an empty argument (two commas in a row?)", "write e.g. `bottleneck(64, stride=2)`")
        if "=" in part:
            key, value = (x.strip() for x in part.split("=", 1))
            if not re.fullmatch(r"[A-Za-z_]\w*", key) or not value:
                raise BadValue(f"cannot read the argument `{part}`", "write `name=value`, e.g. `stride=2`")
            kwargs[key] = literal(value)
        else:
            if kwargs:
                raise BadValue(f"the argument `{part}` comes after a named one",
                               "write the plain values first, as in Python: `bottleneck(64, stride=2)`")
            args.append(literal(part))
    return args, kwargs


def parameters(text: str | None) -> dict[str, Any]:
    """A definition's parameter list: ``filters, stride=1`` → ``{'filters': None, 'stride': 1}``.

    >>> parameters("filters, stride=1")
    {'filters': None, 'stride': 1}
    """
    args, kwargs = split_arguments(text)
    params: dict[str, Any] = {}
    for a in args:
        if not isinstance(a, str) or not re.fullmatch(r"[A-Za-z_]\w*", a):
            raise BadValue(f"a parameter must be a name, got `{a}`", "write e.g. `block bottleneck(filters, stride=1)`")
        if a in params:
            raise BadValue(f"the parameter `{a}` is named twice", "give each parameter its own name")
        params[a] = None
    for key, value in kwargs.items():
        if key in params:
            raise BadValue(f"the parameter `{key}` is named twice", "give each parameter its own name")
        params[key] = value
    return params


def evaluate(expression: str, values: dict[str, Any]) -> Any:
    """The value of one ``{...}`` field: a parameter or whole-number arithmetic on parameters.

    The text is checked to be only names, decimal whole numbers and ``+ - * // / %``; the arithmetic is
    then done by the code evaluator (:func:`archcalc.code.evaluator.evaluate_expression`), with its limits.

    >>> evaluate("4*filters", {"filters": 64}), evaluate("act", {"act": "relu6"})
    (256, 'relu6')
    >>> evaluate("0x3", {})
    Traceback (most recent call last):
    ...
    archcalc.values.BadValue: `{0x3}` is not arithmetic on the block's parameters
    >>> evaluate("__import__('os')", {})
    Traceback (most recent call last):
    ...
    archcalc.values.BadValue: `{__import__('os')}` is not arithmetic on the block's parameters
    """
    from .code.evaluator import evaluate_expression
    from .errors import SpecError

    text = expression.strip()
    try:
        with warnings.catch_warnings():  # `0.inf` would print Python's "invalid decimal literal" first
            warnings.simplefilter("ignore")
            tree = ast.parse(text, mode="eval")
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        raise BadValue(f"cannot read `{{{expression}}}`",
                       "write a parameter or arithmetic, e.g. `{4*filters}`") from None

    def check(node: ast.AST) -> None:
        """Only what the notation allows: the evaluator would read more of Python."""
        if isinstance(node, ast.Expression):
            return check(node.body)
        if isinstance(node, ast.Constant) and isinstance(node.value, int) and not isinstance(node.value, bool) \
                and (ast.get_source_segment(text, node) or "").isdigit():  # `0x3`, `1_000`: not decimal
            return None
        if isinstance(node, ast.Name):
            if node.id not in values:
                import difflib

                close = difflib.get_close_matches(node.id, list(values), n=1)
                raise BadValue(f"`{node.id}` is not a parameter of this block",
                               f"did you mean `{close[0]}`?" if close else
                               "the parameters are: " + (", ".join(values) or "none"))
            return None
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            return check(node.operand)
        if isinstance(node, ast.BinOp) and type(node.op) in (*_OPERATORS, ast.Div):
            check(node.left)
            check(node.right)
            return None
        raise BadValue(f"`{{{expression}}}` is not arithmetic on the block's parameters",
                       "write a parameter or arithmetic, e.g. `{4*filters}`")

    def numbers_only(node: ast.AST) -> None:
        for sub in ast.walk(node):
            if isinstance(sub, (ast.BinOp, ast.UnaryOp)):
                for side in (getattr(sub, "left", None), getattr(sub, "right", None), getattr(sub, "operand", None)):
                    if isinstance(side, ast.Name):
                        _number(values[side.id], expression)

    check(tree)
    numbers_only(tree)
    for sub in ast.walk(tree):
        if isinstance(sub, ast.BinOp) and isinstance(sub.op, (ast.FloorDiv, ast.Mod, ast.Div)) and \
                _constant_zero(sub.right, values):
            raise BadValue(f"`{{{expression}}}` divides by zero")
    try:
        result = evaluate_expression(text, values)
    except SpecError as e:
        raise BadValue(f"`{{{expression}}}`: {e.message}", e.hint) from None
    if isinstance(result, float):
        if not result.is_integer():
            raise BadValue(f"`{{{expression}}}` = {result:g} is not a whole number", "use `//` to round down")
        return int(result)
    return result


def _constant_zero(node: ast.AST, values: dict[str, Any]) -> bool:
    if isinstance(node, ast.Constant):
        return node.value == 0
    return isinstance(node, ast.Name) and values.get(node.id) == 0


def _number(value: Any, expression: str) -> int:
    if not isinstance(value, int):
        raise BadValue(f"`{{{expression}}}`: `{value}` is not a number", "only whole numbers take arithmetic")
    return value


def fields(text: str) -> list[tuple[int, int, str]]:
    """Where each ``{...}`` field of a line is: (start, end, expression).

    >>> fields("conv1-{4*f} stride={s}")
    [(6, 11, '4*f'), (19, 22, 's')]
    """
    return [(m.start(), m.end(), m.group(1)) for m in _FIELD.finditer(text)]


def resolve(value: Any, values: dict[str, Any]) -> Any:
    """A call's argument inside a block: a parameter's name (or arithmetic on parameters) stands for
    its value, so ``residual(filters, stride)`` passes them on; any other word is kept as written.

    >>> resolve("filters", {"filters": 64}), resolve("2*filters", {"filters": 64}), resolve("same", {})
    (64, 128, 'same')
    """
    if not isinstance(value, str) or not values:
        return value
    try:
        return evaluate(value, values)
    except BadValue:
        return value
