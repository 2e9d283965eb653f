"""``--define NAME=VALUE`` and ``--input SHAPE``: values the code uses but does not define.

>>> parse_define("num_classes=10"), parse_define("input_shape=28x28x1"), parse_define("act=relu")
(('num_classes', 10), ('input_shape', (28, 28, 1)), ('act', 'relu'))
>>> parse_define("size=(224, 224)"), parse_define("widths=32,64"), parse_input_shape("500x1")
(('size', (224, 224)), ('widths', (32, 64)), (500, 1))
"""

from __future__ import annotations

import re
from typing import Any

from ..errors import SpecError, UsageError
from ..limits import MAX_NUMBER_DIGITS
from .evaluator import evaluate_expression

_SHAPE = re.compile(r"\d+(?:\s*[x×]\s*\d+)+")
_NAME = re.compile(r"[A-Za-z_]\w*")


def parse_value(text: str, what: str) -> Any:
    """A value as the command line gives it: a number, a shape ``28x28x1``, a tuple, a string."""
    text = text.strip()
    if m := re.search(r"(?<![.\d])\d{19,}", text):  # not a decimal's fraction (0.0035087719298245615)
        raise UsageError(f"cannot read {what}: a number of {len(m.group()):,} digits is larger than any value "
                         f"archcalc reads (at most {MAX_NUMBER_DIGITS} digits, MAX_NUMBER_DIGITS)",
                         hint="check the number: sizes and counts are far smaller")
    if _SHAPE.fullmatch(text):
        return tuple(int(d) for d in re.split(r"\s*[x×]\s*", text))
    if re.fullmatch(r"-?\d+(\s*,\s*-?\d+)+,?", text):  # 32,64: a tuple of numbers, no quotes needed
        return tuple(int(d) for d in text.rstrip(",").split(","))
    if text in ("True", "False", "None") or re.fullmatch(r"[-+]?[\d.]+(e[-+]?\d+)?|[(\[{].*|'.*'|\".*\"", text):
        try:
            value = evaluate_expression(text)
        except SpecError as e:
            raise UsageError(f"cannot read {what}: {e.message}",
                             hint="write a number (10), a shape (28x28x1), a tuple (32,64 or (28, 28, 1)) or "
                                  "a word (relu)") from None
        return value
    if not text:
        raise UsageError(f"{what} is empty", hint="write e.g. `--define num_classes=10`")
    return text  # a bare word: a string (`--define activation=relu`)


def parse_define(text: str) -> tuple[str, Any]:
    """``NAME=VALUE`` → (name, value); a UsageError says what is wrong."""
    if "=" not in text:
        raise UsageError(f"`--define {text}` has no value", hint="write `--define NAME=VALUE`, e.g. "
                                                                "`--define num_classes=10`")
    name, value = (part.strip() for part in text.split("=", 1))
    if not _NAME.fullmatch(name):
        raise UsageError(f"`--define {text}`: `{name}` is not a name", hint="write `--define num_classes=10`")
    return name, parse_value(value, f"the value of `{name}`")


def parse_defines(texts: list[str] | None) -> dict[str, Any]:
    return dict(parse_define(t) for t in texts or [])


def parse_input_shape(text: str | None) -> tuple[int, ...] | None:
    """``28x28x1``, ``(28, 28, 1)``, ``784`` → a shape of whole numbers ≥ 1."""
    if text is None:
        return None
    digits = text.strip()
    if digits.isdecimal() and len(digits) > 18:  # past any size, and past what Python converts (4,300 digits)
        raise UsageError(f"`--input {digits[:20]}…` is not a shape: a size of {len(digits):,} digits",
                         hint="write the sizes, e.g. `--input 28x28x1` or `--input 500x1`")
    # isdecimal, not isdigit: `²4` is digits to Python but no number to int()
    value = parse_value(text, "the input shape") if not digits.isdecimal() else int(digits)
    items = value if isinstance(value, (tuple, list)) else (value,)
    if not items or not all(isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= 10**9 for v in items):
        raise UsageError(f"`--input {text}` is not a shape", hint="write the sizes, e.g. `--input 28x28x1` or "
                                                                 "`--input 500x1`")
    return tuple(items)
