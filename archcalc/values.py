"""Converters for option values, shared by both notations.

Each converter takes what the user wrote (a string in the paper notation, a Python literal in
the Keras notation) and returns the canonical value, or raises :class:`BadValue` with a message
and a hint; the parser that called it adds the location.
"""

from __future__ import annotations

import re
from typing import Any


class BadValue(ValueError):
    """A value that does not fit its option; the parser turns it into a located SpecError."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


def _number(value: Any, what: str) -> int:
    if isinstance(value, bool):
        raise BadValue(f"{what} must be a whole number, got `{value}`")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise BadValue(f"{what} must be a whole number, got `{value}`")
        if value.is_integer():
            return int(value)
        raise BadValue(f"{what} must be a whole number, got `{value}`",
                       f"write a whole number, e.g. `{int(value) or 1}`")
    text = str(value).strip()
    if re.fullmatch(r"[+-]?\d+", text):
        return int(text)
    raise BadValue(f"{what} must be a whole number, got `{text}`")


def positive_int(value: Any, what: str = "the value") -> int:
    """A whole number ≥ 1.

    >>> positive_int("64")
    64
    >>> positive_int("0", "the number of filters")
    Traceback (most recent call last):
    ...
    archcalc.values.BadValue: the number of filters must be at least 1, got `0`
    """
    n = _number(value, what)
    if n < 1:
        raise BadValue(f"{what} must be at least 1, got `{n}`", "sizes, strides and counts start at 1")
    return n


def non_negative_int(value: Any, what: str = "the value") -> int:
    n = _number(value, what)
    if n < 0:
        raise BadValue(f"{what} cannot be negative, got `{n}`")
    return n


def pair(value: Any, what: str = "the value", *, minimum: int = 1) -> tuple[int, int]:
    """One number for both axes or two (``3``, ``3x5``, ``(3, 5)``), as ``(height, width)``.

    >>> pair("3")
    (3, 3)
    >>> pair("1x7")
    (1, 7)
    >>> pair((2, 2))
    (2, 2)
    """
    convert = positive_int if minimum >= 1 else non_negative_int
    if isinstance(value, (tuple, list)):
        if len(value) == 1:
            value = value[0]
        elif len(value) == 2:
            return convert(value[0], what), convert(value[1], what)
        else:
            raise BadValue(f"{what} takes one or two numbers, got {len(value)}: `{value}`",
                           "write `3` or `(3, 3)`")
    if isinstance(value, str) and re.fullmatch(r"\s*\d+\s*[x×]\s*\d+\s*", value):
        a, b = re.split(r"[x×]", value)
        return convert(a, what), convert(b, what)
    n = convert(value, what)
    return n, n


def padding(value: Any, what: str = "padding") -> str | tuple[int, int]:
    """``same``, ``valid`` (any case), or zero pixels per side: ``1``, ``2x3``, ``(2, 3)``.

    >>> padding("SAME")
    'same'
    >>> padding("3")
    (3, 3)
    """
    if isinstance(value, str) and value.strip().lower() in ("same", "valid"):
        return value.strip().lower()
    if isinstance(value, str) and value.strip().lower() in ("causal", "full"):
        raise BadValue(f"{what} `{value}` is not supported for 2-D layers", "use `same`, `valid` or a number")
    try:
        return pair(value, what, minimum=0)
    except BadValue:
        raise BadValue(f"{what} must be `same`, `valid` or a number of pixels, got `{value}`",
                       "write `padding=same`, `padding=valid` or `padding=1`") from None


def boolean(value: Any, what: str = "the value") -> bool:
    """``true/false``, ``yes/no``, ``on/off``, ``1/0`` or a Python bool."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "yes", "on", "1"):
        return True
    if text in ("false", "no", "off", "0"):
        return False
    raise BadValue(f"{what} must be true or false, got `{value}`", "write `true` or `false`")


def rate(value: Any, what: str = "the dropout rate") -> float:
    """A fraction in ``[0, 1)``; ``50%`` is accepted too."""
    text = str(value).strip()
    try:
        r = float(text[:-1]) / 100 if text.endswith("%") else float(text)
    except ValueError:
        raise BadValue(f"{what} must be a number between 0 and 1, got `{value}`",
                       "write e.g. `dropout 0.5`") from None
    if not 0 <= r < 1:
        raise BadValue(f"{what} must be in [0, 1), got `{value}`", "a rate of 0.5 drops half the values")
    return r


def integer_list(value: Any, what: str) -> tuple[int, ...]:
    """A shape from Keras code: ``(28, 28, 1)``; ``None`` entries are refused (sizes must be known)."""
    if not isinstance(value, (tuple, list)):
        value = (value,)
    if not value:
        raise BadValue(f"{what} is empty", "write the image size, e.g. `(224, 224, 3)`")
    if any(v is None for v in value):
        raise BadValue(f"{what} has an unknown size (`None`): `{tuple(value)}`",
                       "archcalc needs every size: write the image size, e.g. `(224, 224, 3)`")
    return tuple(positive_int(v, what) for v in value)
