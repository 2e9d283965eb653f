"""The value parser of `archcalc check`: arithmetic, separators, suffixes and the rounding rule.

The reference values are Python integers built alongside the text (never by evaluating the text).
"""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from archcalc.teaching.answers import parse_shape
from archcalc.teaching.numbers import BadNumber, parse_value


@pytest.mark.parametrize("text, value", [
    ("224*224*64", 3211264),
    ("(3*3*3+1)*64", 1792),
    ("1,728", 1728),
    ("102,760,448", 102760448),
    ("7*7*512*4096 = 102,760,448", 102760448),
    ("3x3x64", 576),
    ("3 × 3 × 64", 576),
    ("2^10", 1024),
    ("2**10", 1024),
    ("(56 - 3 + 2*1)/1 + 1", 56),
    ("1 728", 1728),
])
def test_exact_values(text: str, value: int) -> None:
    assert parse_value(text).exact == value


@pytest.mark.parametrize("text, right, wrong", [
    ("3.2M", 3211264, 3300000),        # CS231n: 224·224·64
    ("800K", 802816, 850001),          # 112·112·64, one significant digit
    ("150K", 150528, 155001),          # 224·224·3: "150" read to the ten thousand
    ("25K", 25088, 25501),             # 7·7·512
    ("138M", 138357544, 138500001),    # VGG16's parameters
    ("1.5e6", 1500000, 1560000),
])
def test_suffix_rounding_rule(text: str, right: int, wrong: int) -> None:
    v = parse_value(text)
    assert v.contains(right) and not v.contains(wrong) and v.rounded


def test_units_and_approximations() -> None:
    v = parse_value("24M * 4 bytes ~= 93MB / image (only forward! ~*2 for bwd)")
    assert v.unit == "bytes" and v.byte_unit == "MB"
    assert [float(s.nominal) for s in v.steps] == [96e6, 93e6]
    assert parse_value("58 MiB").contains(58 * 2**20) and parse_value("58 MiB").byte_unit == "MiB"
    assert parse_value("512 bytes").exact == 512 and parse_value("512 bytes").unit == "bytes"
    # "~15,000,000" is read to its last significant digit, the million: 14.5M to 15.5M.
    assert parse_value("~15,000,000").contains(15_237_608) and not parse_value("~15,000,000").contains(15_600_000)


@pytest.mark.parametrize("text, column", [("3..2M", 0), ("12 + ", 0), ("abc", 0), ("", 0), ("5 = ", 0),
                                          ("2**100", 0), ("1/0", 0), ("3MB 4GB", 4), ("__import__('os')", 0)])
def test_bad_values_raise_bad_number(text: str, column: int) -> None:
    with pytest.raises(BadNumber) as e:
        parse_value(text)
    assert e.value.column >= column and e.value.message


def test_shapes() -> None:
    assert parse_shape("[224x224x64]") == (224, 224, 64)
    assert parse_shape("(7, 7, 512)") == (7, 7, 512)
    assert parse_shape("14 x 14 x 512") == (14, 14, 512)
    assert parse_shape("[(224-3+2)/1+1 x 224 x 64]") == (224, 224, 64)


# ---------------------------------------------------------------------------------------------
# Properties.

def _expressions() -> st.SearchStrategy[tuple[str, int, bool]]:
    """Random arithmetic as (text, value, compound), the value computed from the pieces, not the text.

    A compound operand is always parenthesised, so the text means what the value says; redundant
    parentheses are added at random, and leaves are written with or without thousands separators.
    """
    leaf = st.integers(0, 5000).map(lambda n: (f"{n:,}" if n % 3 else str(n), n, False))

    def extend(inner: st.SearchStrategy[tuple[str, int, bool]]) -> st.SearchStrategy[tuple[str, int, bool]]:
        def combine(a: tuple[str, int, bool], op: str, b: tuple[str, int, bool], extra: bool) -> tuple[str, int, bool]:
            value = {"+": a[1] + b[1], "-": a[1] - b[1], "*": a[1] * b[1]}[op]
            text = " ".join((f"({a[0]})" if a[2] else a[0], op, f"({b[0]})" if b[2] else b[0]))
            return (f"({text})" if extra else text), value, True
        return st.builds(combine, inner, st.sampled_from("+-*"), inner, st.booleans())

    return st.recursive(leaf, extend, max_leaves=8)


@settings(max_examples=200, deadline=None)
@given(_expressions())
def test_random_arithmetic_matches_python_integers(expr: tuple[str, int, bool]) -> None:
    text, value, _ = expr
    v = parse_value(text)
    assert v.exact == value


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 10**12))
def test_thousands_separators(n: int) -> None:
    assert parse_value(f"{n:,}").exact == n


@settings(max_examples=300, deadline=None)
@given(st.integers(1000, 10**11), st.sampled_from([("K", 3), ("M", 6), ("G", 9)]), st.integers(0, 2))
def test_suffix_accepted_iff_digits_round_to_it(n: int, suffix: tuple[str, int], decimals: int) -> None:
    """`x.yS` is right for n exactly when n lies within half a unit of its last digit."""
    letter, power = suffix
    if n < 10**power:
        return
    scaled = Fraction(n, 10**power)
    written = f"{float(scaled):.{decimals}f}"
    half = Fraction(1, 2 * 10**decimals) * 10**power
    nominal = Fraction(written) * 10**power
    below = half
    if decimals == 0 and written.rstrip("0") != written:
        half *= 10 ** (len(written) - len(written.rstrip("0")))  # "800K": trailing zeros not significant
        below = half
    if written.replace(".", "").lstrip("0").rstrip("0") == "1":
        below = half / 10  # "10K" rounds from 9.5K up: the digit below a power of ten is finer
    v = parse_value(written + letter)
    assert v.contains(n) == (nominal - below <= n <= nominal + half)
    # Three units more in the last digit is out of reach.
    step = Fraction(1, 10**decimals)
    bumped = f"{float(Fraction(written) + 3 * step):.{decimals}f}"
    if bumped.rstrip("0") == bumped or decimals:
        assert not parse_value(bumped + letter).contains(n)


def test_sizes_out_of_reason_are_refused_not_computed() -> None:
    for text in ("1+" * 5000 + "1", "1e999999999", "9**64**64"):
        with pytest.raises(BadNumber):
            parse_value(text)
    assert parse_value("1+" * 199 + "1").exact == 200
