"""The evaluator of the Python subset: plain Python semantics where it answers, refusals where it cannot
know; hypothesis checks its arithmetic against Python's own."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from archcalc.blocks import evaluate as block_evaluate
from archcalc.code.evaluator import evaluate_expression
from archcalc.code.keras import read
from archcalc.errors import SpecError
from archcalc.paper import parse_paper
from archcalc.values import BadValue


@st.composite
def arithmetic(draw: st.DrawFn, depth: int = 0) -> str:
    if depth > 3 or draw(st.booleans()):
        return str(draw(st.integers(-50, 50)))
    op = draw(st.sampled_from(["+", "-", "*", "//", "%", "**"]))
    left, right = draw(arithmetic(depth + 1)), draw(arithmetic(depth + 1))
    if op == "**":
        right = str(draw(st.integers(0, 4)))
    return f"({left} {op} {right})"


@settings(max_examples=300, deadline=None, derandomize=True)
@given(arithmetic())
def test_arithmetic_is_pythons(expression: str) -> None:
    try:
        expected = eval(expression)
    except ZeroDivisionError:
        with pytest.raises(SpecError, match="division by zero"):
            evaluate_expression(expression)
        return
    if abs(expected).bit_length() > 256:
        with pytest.raises(SpecError, match="more than 256 bits"):
            evaluate_expression(expression)
        return
    assert evaluate_expression(expression) == expected


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.lists(st.integers(-9, 9), max_size=6), st.integers(0, 5))
def test_sequences_and_comprehensions_are_pythons(xs: list[int], n: int) -> None:
    for expression in (
        f"[x * 2 for x in {xs} if x > 0]", f"sorted({xs}, reverse=True)", f"list(reversed({xs}))",
        f"[(i, x) for i, x in enumerate({xs}, 1)]", f"list(zip({xs}, range({n})))", f"sum({xs}) + len({xs})",
        f"{xs}[1:{n}]", f"tuple({xs}) + ({n},)", f"{{x: x % 3 for x in {xs}}}", f"max({xs} + [{n}])",
        f"[a + b for a in range({n}) for b in {xs[:2]}]", f"(*{xs}, {n})", f"{n} in {xs}",
    ):
        assert evaluate_expression(expression) == eval(expression), expression


def model_units(code: str) -> list[int]:
    """The `units` of each Dense layer of the one model the code builds."""
    (network,) = read("import keras\n" + code + "\nmodel = keras.Sequential([keras.Input((4,)), "
                      "*[keras.layers.Dense(u) for u in units]])\n")
    return [n.args["units"] for n in network.nodes[1:]]


@pytest.mark.parametrize(("code", "units"), [
    ("units = []\ndef f(n, k=2, *rest, scale=1, **extra):\n    return n * k * scale + len(rest) + len(extra)\n"
     "units.append(f(1))\nunits.append(f(1, 3, 9, 9, scale=2, z=1))", [2, 9]),
    ("n = 0\ndef bump():\n    global n\n    n += 5\nbump()\nbump()\nunits = [n]", [10]),
    ("s = set()\ns.add(3)\ns.add(3)\ns.update([4, 3])\nunits = list(s)", [3, 4]),
    ("units = [int('{}{}'.format(1, 2)), len(f'{7:>4}')]", [12, 4]),
    ("class C:\n    base = 8\n    def __init__(self, k):\n        self.k = k\n    def width(self):\n"
     "        return self.base * self.k\nunits = [C(2).width(), C.base]", [16, 8]),
    ("class A:\n    def w(self):\n        return 3\nclass B(A):\n    def w(self):\n        return super().w() * 2\n"
     "units = [B().w()]", [6]),
    ("i = 0\nunits = []\nwhile True:\n    i += 1\n    if i % 2:\n        continue\n    units.append(i)\n"
     "    if i >= 6:\n        break\nelse:\n    units.append(99)", [2, 4, 6]),
    ("a, *b, c = 1, 2, 3, 4\nunits = [a, len(b), c, (w := 5)]", [1, 2, 4, 5]),
    ("try:\n    import tensorflow_addons as tfa\nexcept ImportError:\n    tfa = None\nunits = [1]", [1]),
    ("d = dict(a=1)\nd.setdefault('b', 2)\nunits = [d.get('a'), d['b'], d.get('c', 7)]", [1, 2, 7]),
    ("f = lambda x, y=2: x ** y\nunits = list(map(f, [2, 3]))", [4, 9]),
    ("units = [x for x in range(10) if x > 7] if 3 > 2 else [1]", [8, 9]),
])
def test_python_semantics(code: str, units: list[int]) -> None:
    assert model_units(code) == units


@pytest.mark.parametrize(("code", "detail"), [
    ("flags = [get()]\nunits = [1] if any(flags) else [2]",
     "`units` (line 3: set from `[1] if any(flags) else [2]`, which depends on `get`) decides a comprehension "
     "that builds layers at 4:47"),
    ("x = (get(), 1)\nunits = [1] if x == (1, 1) else [2]",
     "`units` (line 3: set from `[1] if x == (1, 1) else [2]`, which depends on `get`) decides a comprehension "
     "that builds layers at 4:47"),
    ("units = [n for n in range(count)]",
     "`units` (line 2: set from `[n for n in range(count)]`) decides a comprehension that builds layers at 3:47"),
])
def test_unknown_values_are_never_guessed(code: str, detail: str) -> None:
    with pytest.raises(SpecError) as e:
        model_units(code)
    assert e.value.message.endswith("`units`") and e.value.details == (detail,)


def test_nonlocal_is_refused() -> None:
    with pytest.raises(SpecError) as e:
        model_units("def f():\n    x = 1\n    def g():\n        nonlocal x\n    g()\nf()\nunits = [1]")
    assert (e.value.message, str(e.value.location)) == ("archcalc does not read `nonlocal`", "<text>:5:9")


def test_block_fields_use_the_evaluator_and_hex_is_not_a_number() -> None:
    assert block_evaluate("filters * 4 // 2 - 1", {"filters": 64}) == 127
    with pytest.raises(BadValue) as e:
        block_evaluate("0x3", {})
    assert e.value.message == "`{0x3}` is not arithmetic on the block's parameters"


def test_a_nested_block_call_reads_0x3_as_at_the_top_level() -> None:
    """The bug found against torchvision: `pad=0x3` nested in a block was hexadecimal 3."""
    text = ("input 17x17x8\nblock inner(p)\n  conv1x7-8 pad={p}\nblock outer(p)\n  inner(p)\n"
            "outer(0x3)\ninner(0x3)\n")
    (network,) = parse_paper(text)
    assert [n.args["padding"] for n in network.nodes[1:]] == [(0, 3), (0, 3)]
