"""hypothesis: random programs (loops, ifs, helper functions over layer calls) run by Keras and read by
archcalc agree; random text and token soup never raise anything but archcalc's own errors."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archcalc.errors import ArchcalcError
from archcalc.keras_code import parse_keras

HELPERS = '''import keras
from keras import layers


def block(x, filters, n=1, kernel=3):
    for _ in range(n):
        x = layers.Conv2D(filters, kernel, padding="same", activation="relu")(x)
    return x


def residual(x):
    y = layers.Conv2D(x.shape[-1], 3, padding="same")(x)
    return layers.Add()([x, y])


def pick(flag, x, filters):
    if flag:
        return block(x, filters)
    else:
        return layers.MaxPooling2D(padding="same")(x)

'''


@st.composite
def statements(draw: st.DrawFn, depth: int = 0) -> list[str]:
    """One statement of the grammar (lines of code, indented by the caller)."""
    f = draw(st.integers(1, 12))
    choices = ["conv", "bn", "pool", "block", "residual", "pick"] + (["for", "if", "while"] if depth < 2 else [])
    what = draw(st.sampled_from(choices))
    if what == "conv":
        k = draw(st.sampled_from([1, 3, "(1, 3)"]))
        return [f"x = layers.Conv2D({f}, {k}, padding='same', use_bias={draw(st.booleans())})(x)"]
    if what == "bn":
        return ["x = layers.BatchNormalization()(x)"]
    if what == "pool":
        return [f"x = layers.{draw(st.sampled_from(['MaxPooling2D', 'AveragePooling2D']))}(2, padding='same')(x)"]
    if what == "block":
        return [f"x = block(x, {f} * 2, n={draw(st.integers(0, 3))})"]
    if what == "residual":
        return ["x = residual(x)"]
    if what == "pick":
        return [f"x = pick({draw(st.integers(0, 3))} > {draw(st.integers(0, 3))}, x, {f})"]
    body = [line for _ in range(draw(st.integers(1, 2))) for line in draw(statements(depth + 1))]
    indented = ["    " + line for line in body]
    if what == "for":
        seq = draw(st.sampled_from(["range({n})", "[{f}, {g}]", "reversed(range({n}))", "enumerate([1, 2])"]))
        return [f"for i in {seq.format(n=draw(st.integers(0, 3)), f=f, g=f + 1)}:", *indented]
    if what == "if":
        a, b = draw(st.integers(0, 4)), draw(st.integers(0, 4))
        other = ["    " + line for line in draw(statements(depth + 1))]
        return [f"if {a} * 2 >= {b} + 1:", *indented, "else:", *other]
    n = draw(st.integers(0, 2))
    return [f"count = {n}", "while count > 0:", *indented, "    count -= 1"]


@st.composite
def programs(draw: st.DrawFn) -> str:
    size, channels = draw(st.integers(4, 12)), draw(st.integers(1, 3))
    body = [line for _ in range(draw(st.integers(1, 4))) for line in draw(statements())]
    return (HELPERS + f"inputs = keras.Input(shape=({size}, {size}, {channels}))\nx = inputs\n" + "\n".join(body)
            + "\nx = layers.GlobalAveragePooling2D()(x)\nmodel = keras.Model(inputs, layers.Dense(3)(x))\n")


@pytest.mark.filterwarnings("ignore")
@settings(max_examples=25, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(programs())
def test_random_programs_agree_with_keras(code: str) -> None:
    pytest.importorskip("keras")
    from keras_reference import compare

    assert compare(code, "random.py", defines={}, input_shape=None) == [], code


TOKENS = ["model", "=", "Sequential", "(", ")", "[", "]", "Dense", "Conv2D", "for", "in", "range", ":", "\n",
          "    ", "if", "else", "def", "return", "x", ",", "10", "0x3", "**", "*", "-", "'same'", "add", ".",
          "Input", "lambda", "while", "True", "class", "keras.Model", "self", "import", "from", "with", "**k",
          "Model", "layers", "1e309", "99999999999", "None", "not", "'", '"', "\\", "#", "@", "yield", "global"]


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.lists(st.sampled_from(TOKENS), max_size=40).map(" ".join))
def test_token_soup_raises_only_archcalc_errors(text: str) -> None:
    try:
        parse_keras(text, "soup.py")
    except ArchcalcError:
        pass


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.text(max_size=200))
def test_random_text_raises_only_archcalc_errors(text: str) -> None:
    try:
        parse_keras(text, "text.py")
    except ArchcalcError:
        pass


MUTABLE = (HELPERS + "inputs = keras.Input(shape=(8, 8, 3))\nx = block(inputs, 4, n=2)\nx = residual(x)\n"
           "x = pick(1 > 0, x, 8)\nmodel = keras.Model(inputs, layers.Dense(3)(layers.Flatten()(x)))\n")


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.integers(0, len(MUTABLE) - 1), st.integers(0, 8), st.sampled_from(["", "(", ")", "x", "0", ":", "\n",
                                                                               "-", "*", "[", "'", "99"]))
def test_mutated_programs_raise_only_archcalc_errors(at: int, cut: int, insert: str) -> None:
    try:
        parse_keras(MUTABLE[:at] + insert + MUTABLE[at + cut:], "mutant.py")
    except ArchcalcError:
        pass


@st.composite
def sequential_statements(draw: st.DrawFn, depth: int = 0) -> list[str]:
    """Statements that add to a Sequential `model`, directly, in loops and ifs, or through a helper."""
    f = draw(st.integers(1, 8))
    what = draw(st.sampled_from(["conv", "pool", "helper", "bn"] + (["for", "if"] if depth < 2 else [])))
    if what == "conv":
        return [f"model.add(layers.Conv2D({f}, {draw(st.sampled_from([1, 3]))}, padding='same'))"]
    if what == "pool":
        return ["model.add(layers.MaxPooling2D(2, padding='same'))"]
    if what == "bn":
        return ["model.add(layers.BatchNormalization())"]
    if what == "helper":
        return [f"add_convs(model, {f}, n={draw(st.integers(0, 2))})"]
    body = ["    " + line for line in draw(sequential_statements(depth + 1))]
    if what == "for":
        return [f"for width in {draw(st.lists(st.integers(1, 6), max_size=3))}:", *body]
    return [f"if {draw(st.integers(0, 3))} in {draw(st.lists(st.integers(0, 3), max_size=3))}:", *body,
            "else:", "    model.add(layers.Dropout(0.1))"]


@st.composite
def sequential_programs(draw: st.DrawFn) -> str:
    size = draw(st.integers(3, 10))
    body = [line for _ in range(draw(st.integers(1, 4))) for line in draw(sequential_statements())]
    return ("import keras\nfrom keras import layers\n\n\ndef add_convs(m, f, n=1):\n    for _ in range(n):\n"
            "        m.add(layers.Conv2D(f, 3, padding='same', activation='relu'))\n\n\n"
            f"model = keras.Sequential([keras.Input(shape=({size}, {size}, 2))])\n" + "\n".join(body)
            + "\nmodel.add(layers.Flatten())\nmodel.add(layers.Dense(3))\n")


@pytest.mark.filterwarnings("ignore")
@settings(max_examples=15, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(sequential_programs())
def test_random_sequential_programs_agree_with_keras(code: str) -> None:
    pytest.importorskip("keras")
    from keras_reference import compare

    assert compare(code, "random.py", defines={}, input_shape=None) == [], code
