"""Reading the numbers students write: ``1,728``, ``3.2M``, ``93MB``, ``224*224*64``, ``(3*3*3+1)*64``.

A written value is turned into an *interval*: the set of exact values consistent with the digits
written. ``3.2M`` stands for anything that rounds to 3.2 million, i.e. [3,150,000, 3,250,000];
``1,728`` stands for 1,728 alone. An answer is right when the expected value lies in the interval,
so ``3.2M`` is right for 3,211,264 and ``3.3M`` is not. Arithmetic carries the intervals through
(``24M * 4 bytes``), so the rule is the same however the value was written.

The arithmetic is read with :mod:`ast` and evaluated by walking a whitelist of node types
(numbers, ``+ - * / // **`` and parentheses): nothing is ever executed.

>>> v = parse_value("224*224*64=3.2M")
>>> v.contains(3211264), v.contains(3300000)
(True, False)
>>> parse_value("(3*3*3+1)*64").exact
1792
>>> parse_value("93MB").unit, parse_value("93MB").nominal
('bytes', Fraction(93000000, 1))
"""

from __future__ import annotations

import ast
import re
import warnings
from dataclasses import dataclass, field
from fractions import Fraction

from ..limits import MAX_CELL_LENGTH, MAX_VALUE_BITS

#: Decimal prefixes of counts (``3.2M`` values), as the CS231n notes write them.
PREFIXES = {"": 1, "k": 10**3, "m": 10**6, "g": 10**9, "t": 10**12}
#: Byte units; a bare ``KB``/``MB``/``GB`` is decimal, ``KiB``/``MiB``/``GiB`` binary.
BYTE_UNITS = {
    "b": 1, "byte": 1, "bytes": 1,
    "kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12,
    "kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40,
}
#: The longest cell read: the evaluator recurses once per operator, and no working needs more.
MAX_LENGTH = MAX_CELL_LENGTH
_MAX_EXPONENT = 64  # 2**64 is already far beyond any layer; bigger powers are a typo, not an answer


class BadNumber(ValueError):
    """A value that cannot be read; ``column`` is the 0-based offset of the culprit in the text."""

    def __init__(self, message: str, column: int = 0, length: int = 1, hint: str | None = None) -> None:
        super().__init__(message)
        self.message, self.column, self.length, self.hint = message, column, length, hint


@dataclass(frozen=True)
class Interval:
    """A closed interval of exact rationals: the values a written number may stand for."""

    lo: Fraction
    hi: Fraction

    @staticmethod
    def point(x: Fraction | int) -> Interval:
        return Interval(Fraction(x), Fraction(x))

    def __add__(self, o: Interval) -> Interval:
        return Interval(self.lo + o.lo, self.hi + o.hi)

    def __sub__(self, o: Interval) -> Interval:
        return Interval(self.lo - o.hi, self.hi - o.lo)

    def __mul__(self, o: Interval) -> Interval:
        p = [self.lo * o.lo, self.lo * o.hi, self.hi * o.lo, self.hi * o.hi]
        return Interval(min(p), max(p))

    def __truediv__(self, o: Interval) -> Interval:
        if o.lo <= 0 <= o.hi:
            raise ZeroDivisionError
        return self * Interval(1 / o.hi, 1 / o.lo)

    def contains(self, x: Fraction | int) -> bool:
        return self.lo <= x <= self.hi


@dataclass(frozen=True)
class Value:
    """A value as written, read.

    Attributes:
        text: the text as written.
        interval: the exact values it may stand for.
        nominal: the value the digits say (``3.2M`` → 3,200,000).
        unit: ``"count"`` or ``"bytes"``.
        byte_unit: the byte unit written (``"MB"``, ``"MiB"``), when there is one.
        steps: for ``a = b = c``, every side read in order; the last one is the answer.
        rounded: whether the digits were rounded (a suffix, decimals, ``~``).
    """

    text: str
    interval: Interval
    nominal: Fraction
    unit: str = "count"
    byte_unit: str | None = None
    steps: tuple[Value, ...] = field(default=(), compare=False)
    rounded: bool = False

    @property
    def exact(self) -> int | None:
        """The integer written, when it was written exactly; ``None`` when rounded or fractional."""
        if self.interval.lo == self.interval.hi and self.nominal.denominator == 1:
            return int(self.nominal)
        return None

    def contains(self, expected: int) -> bool:
        """Whether ``expected`` is consistent with what was written (the rounding rule)."""
        return self.interval.contains(expected)

    @property
    def working(self) -> tuple[Value, ...]:
        """The sides before the answer in ``a = b = c`` (``a`` and ``b``)."""
        return self.steps[:-1]


_NUMBER = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(?:e([+-]?\d+))?", re.I)
# A number followed by a prefix letter that is not the start of a word (``3.2M``, ``150 K``) and not a
# byte unit (``93MB`` is handled by the unit pass).
_SUFFIXED = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(?:e([+-]?\d+))?\s*([kmgt])(?![a-z])", re.I)
_BYTES = re.compile(r"(?<![a-z])(ki?b|mi?b|gi?b|ti?b|bytes?)(?![a-z])", re.I)
_WORDS = re.compile(r"\b(values?|activations?|params?|parameters?|weights?|floats?|numbers?|each)\b|"
                    r"(?:\bper\s*|/\s*)(?:image|img|example|sample|input)\b", re.I)
# Remarks in parentheses, like the CS231n notes' "(only forward! ~*2 for bwd)": any with a word in it.
_REMARK = re.compile(r"\([^()]*[A-Za-z]{2,}[^()]*\)|//.*$|#.*$")
_APPROX = re.compile(r"~=|≈|~|\babout\b|\bapprox\.?|\bapproximately\b|\broughly\b", re.I)


def _literal_interval(digits: str, exponent: str | None, scale: int,
                      lenient_zeros: bool) -> tuple[Fraction, Fraction, Fraction]:
    """The nominal value of a literal and how far below and above it the digits written reach.

    ``3.2`` with scale 10^6 → 3,200,000 ± 50,000. An integer's trailing zeros are taken as not
    significant when ``lenient_zeros`` (``800K`` may be 802,816 rounded to one digit), which is how
    people write rounded numbers; a plain integer with no suffix is exact.
    """
    if exponent and abs(int(exponent)) > _MAX_EXPONENT:
        raise BadNumber(f"the exponent e{exponent} is out of range", 0, 1, "write e.g. `1.5e6`")
    value = _bounded(Fraction(digits) * (Fraction(10) ** int(exponent or 0)) * scale)
    if "." in digits:
        decimals = len(digits.split(".", 1)[1])
        unit = Fraction(1, 10**decimals)
    elif lenient_zeros:
        stripped = digits.rstrip("0")
        unit = Fraction(10 ** (len(digits) - len(stripped))) if stripped else Fraction(1)
    else:
        return value, Fraction(0), Fraction(0)
    unit = unit * (Fraction(10) ** int(exponent or 0)) * scale
    # Significant digits "1", "10", "1.0": the number is a power of ten, and a value just below it
    # has one more digit of precision (9,500 rounds to "10K", 9,400 to "9K"), so the gap below is
    # a tenth of the gap above.
    significant = digits.replace(".", "").lstrip("0").rstrip("0")
    below = unit / 20 if significant == "1" else unit / 2
    return value, below, unit / 2


def _normalise(text: str) -> str:
    t = text
    t = re.sub(r"(?<=\d),(?=\d{3}(?!\d))", "", t)          # thousands separators: 1,728
    t = re.sub(r"(?<=\d)[ _'](?=\d{3}(?!\d))", "", t)        # 1 728, 1_728, 1'728
    t = t.replace("×", "*").replace("·", "*").replace("⋅", "*").replace("−", "-").replace("^", "**")
    t = re.sub(r"(?<=[\d)\s])[xX](?=[\s\d(])", "*", t)       # 3x3x64 in a value is a product
    return t


def parse_value(text: str) -> Value:
    """Read a written value: plain, with commas, K/M/G suffixes, byte units, arithmetic, ``a = b``.

    Raises:
        BadNumber: the text is not a value; ``column`` points at the culprit.

    >>> parse_value("1,728").exact
    1728
    >>> parse_value("3.2M").contains(3211264), parse_value("3.3M").contains(3211264)
    (True, False)
    >>> parse_value("800K").contains(802816)
    True
    >>> parse_value("~93MB").byte_unit
    'MB'
    """
    if not text or not text.strip():
        raise BadNumber("no value written", 0, max(1, len(text)), "write a number, e.g. `1,728` or `3.2M`")
    if len(text) > MAX_LENGTH:  # a cell, not a program: also keeps the evaluator's recursion shallow
        raise BadNumber(f"a value of {len(text):,} characters is longer than archcalc reads ({MAX_LENGTH})", 0,
                        len(text), "write the number, or a short working like `(3*3*64+1)*128`")
    # Blank out remarks (same length, so columns still point into the text as written).
    text = _REMARK.sub(lambda m: " " * len(m.group()), text)
    approx = bool(_APPROX.search(text))
    parts = re.split(r"~=|≈|(?<![<>!=])=(?!=)", text)
    steps: list[Value] = []
    offset = 0
    for part in parts:
        if part.strip():
            try:
                steps.append(_parse_side(part, offset, approx))
            except _TooLarge:
                raise BadNumber("it is larger than any number archcalc reads (about 10^120, MAX_VALUE_BITS)",
                                offset, max(1, len(part)),
                                "write the number a layer has: sizes and counts are far smaller") from None
        elif len(parts) > 1:
            raise BadNumber("an `=` with nothing on one side", offset, max(1, len(part)),
                            "write `224*224*64 = 3211264` or just one of them")
        offset += len(part) + 1
    if not steps:
        raise BadNumber("no value written", 0, max(1, len(text)), "write a number, e.g. `1,728` or `3.2M`")
    last = steps[-1]
    return Value(text.strip(), last.interval, last.nominal, last.unit, last.byte_unit, tuple(steps),
                 last.rounded)


def _parse_side(raw: str, offset: int, approx: bool) -> Value:
    """One side of ``a = b``: an arithmetic expression with optional suffixes and a byte unit."""
    text = _normalise(_APPROX.sub(" ", raw))
    text = _WORDS.sub(" ", text)
    unit, byte_unit, scale = "count", None, 1
    # A byte unit anywhere (``93MB``, ``24M * 4 bytes``) makes the side a number of bytes.
    units = list(_BYTES.finditer(text))
    if len(units) > 1:
        u = units[1]
        raise BadNumber(f"two units in one value: `{units[0].group()}` and `{u.group()}`",
                        offset + u.start(), len(u.group()), "write one value per cell")
    if units:
        u = units[0]
        word = u.group().lower()
        unit, scale = "bytes", BYTE_UNITS[word]
        if word not in ("b", "byte", "bytes"):
            byte_unit = word[0].upper() + ("iB" if "i" in word else "B")
        text = text[:u.start()] + " " * len(u.group()) + text[u.end():]
    literals: dict[str, tuple[Fraction, Fraction, Fraction]] = {}
    rounded = approx

    def suffixed(m: re.Match[str]) -> str:
        nonlocal rounded
        rounded = True
        name = f"_v{len(literals)}"
        literals[name] = _literal_interval(m.group(1), m.group(2), PREFIXES[m.group(3).lower()], True)
        return f" {name} "

    text = _SUFFIXED.sub(suffixed, text)

    def plain(m: re.Match[str]) -> str:
        nonlocal rounded
        name = f"_v{len(literals)}"
        digits, exponent = m.group(1), m.group(2)
        if "." in digits or exponent:
            rounded = True
        # "93MB" is rounded to the megabyte as "3.2M" is to the tenth of a million.
        literals[name] = _literal_interval(digits, exponent, 1, approx or byte_unit is not None)
        return f" {name} "

    text = re.sub(r"(?<![\w.])" + _NUMBER.pattern + r"(?![\w.])", plain, text, flags=re.I)
    if not text.strip():
        raise BadNumber("a unit without a number", offset, max(1, len(raw)), "write e.g. `93MB`")
    try:
        with warnings.catch_warnings():  # `0.infMB` would print Python's "invalid decimal literal" warning first
            warnings.simplefilter("ignore")
            tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError:
        # The text was rewritten before parsing (suffixes, separators), so a position inside it
        # would not point at what was written: underline the whole side instead.
        lead = len(raw) - len(raw.lstrip())
        raise BadNumber(f"`{raw.strip()}` is not a number archcalc can read", offset + lead,
                        max(1, len(raw.strip())),
                        "write a number (`1,728`, `3.2M`, `93MB`) or arithmetic (`(3*3*3+1)*64`)") from None
    try:
        interval, nominal = _eval(tree.body, literals)
    except ZeroDivisionError:
        raise BadNumber(f"`{raw.strip()}` divides by zero", offset, max(1, len(raw))) from None
    if scale != 1:
        interval = interval * Interval.point(scale)
        nominal = nominal * scale
        if unit == "bytes" and byte_unit:
            rounded = True
    if byte_unit and not literals:
        raise BadNumber("a unit without a number", offset, max(1, len(raw)), "write e.g. `93MB`")
    return Value(raw.strip(), interval, nominal, unit, byte_unit, (), rounded)


class _TooLarge(ArithmeticError):
    """A value past MAX_VALUE_BITS: :func:`_parse_side` says which side it was."""


def _bounded(x: Fraction) -> Fraction:
    if x.numerator.bit_length() > MAX_VALUE_BITS or x.denominator.bit_length() > MAX_VALUE_BITS:
        raise _TooLarge
    return x


def _eval(node: ast.AST, literals: dict[str, tuple[Fraction, Fraction, Fraction]]) -> tuple[Interval, Fraction]:
    """Evaluate the whitelisted expression: returns the interval and the nominal value, each bounded by
    MAX_VALUE_BITS (a power's size is foreseen before it is computed)."""
    interval, nominal = _eval_node(node, literals)
    for x in (interval.lo, interval.hi, nominal):
        _bounded(x)
    return interval, nominal


def _eval_node(node: ast.AST, literals: dict[str, tuple[Fraction, Fraction, Fraction]]) -> tuple[Interval, Fraction]:
    if isinstance(node, ast.Name) and node.id in literals:
        value, below, above = literals[node.id]
        return Interval(value - below, value + above), value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        i, n = _eval(node.operand, literals)
        return (Interval(-i.hi, -i.lo), -n) if isinstance(node.op, ast.USub) else (i, n)
    if isinstance(node, ast.BinOp):
        a, an = _eval(node.left, literals)
        b, bn = _eval(node.right, literals)
        if isinstance(node.op, ast.Add):
            return a + b, an + bn
        if isinstance(node.op, ast.Sub):
            return a - b, an - bn
        if isinstance(node.op, ast.Mult):
            return a * b, an * bn
        if isinstance(node.op, ast.Div):
            return a / b, an / bn
        if isinstance(node.op, ast.FloorDiv):
            if bn == 0 or b.lo <= 0 <= b.hi:
                raise ZeroDivisionError
            q = a / b
            return Interval(Fraction(q.lo.__floor__()), Fraction(q.hi.__floor__())), Fraction((an / bn).__floor__())
        if isinstance(node.op, ast.Pow):
            if b.lo != b.hi or bn.denominator != 1 or not 0 <= bn <= _MAX_EXPONENT:
                raise BadNumber("only small whole powers are allowed (`2**10`)", 0, 1)
            e = int(bn)
            bits = max(abs(x.numerator).bit_length() + x.denominator.bit_length() for x in (a.lo, a.hi, an))
            if bits * e > 2 * MAX_VALUE_BITS:  # before computing it: 9**64**64 would not finish
                raise _TooLarge
            ends = [a.lo**e, a.hi**e] + ([Fraction(0)] if a.lo < 0 < a.hi and e % 2 == 0 else [])
            return Interval(min(ends), max(ends)), an**e
    raise BadNumber("only numbers, + - * / ** and parentheses are allowed", 0, 1,
                    "write e.g. `(3*3*3+1)*64`")


def format_count(n: int) -> str:
    """Thousands separators: ``3,211,264``."""
    return f"{n:,}"


def rounded_like(expected: int, value: Value) -> str:
    """The expected value written the way the student wrote theirs (``3.2M`` for ``3.3M``).

    >>> rounded_like(3211264, parse_value("3.3M"))
    '3.2M'
    >>> rounded_like(1792, parse_value("1,728"))
    '1,792'
    """
    m = _SUFFIXED.search(value.steps[-1].text if value.steps else value.text)
    if not m or value.unit != "count":
        return format_count(expected)
    digits, suffix = m.group(1), m.group(3)
    decimals = len(digits.split(".", 1)[1]) if "." in digits else 0
    scaled = Fraction(expected, PREFIXES[suffix.lower()])
    return f"{float(scaled):.{decimals}f}{suffix}"
