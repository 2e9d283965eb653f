"""Property tests of the parsers, the printer and the analysis, on randomly generated networks.

What is checked, and against what:

* the parsers never let anything but :class:`ArchcalcError` escape, whatever the text (random
  unicode, shuffled plausible tokens, Keras calls with random literal arguments);
* ``format_paper`` is an exact inverse of ``parse_paper`` on random valid paper-notation networks
  (same nodes, same rows), and a faithful translation of random Keras code (same numbers);
* the per-layer rows add up to the totals, and the byte counts follow their definition;
* ``largest_batch`` agrees with the memory of analyses recomputed at that batch and the next.

The generators track the feature-map size themselves (with their own arithmetic, not archcalc's)
so that every network they produce is valid and the interesting properties are exercised instead
of the "map shrinks below 1x1" error.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archcalc.analysis import Analysis, analyze_network, largest_batch
from archcalc.errors import ArchcalcError
from archcalc.kinds import KERAS_NAMES, KINDS, WORDS
from archcalc.network import Network
from archcalc.paper import format_paper, parse_paper
from archcalc.source import parse_text

# No example database (a run leaves nothing behind) and no deadline (timing is not the property).
PROPS = settings(max_examples=200, deadline=None, database=None,
                 suppress_health_check=[HealthCheck.too_slow])
FUZZ = settings(max_examples=1000, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow])

#: Bytes per value, from the dtypes' definitions (IEEE 754 binary64/32/16, bfloat16, int8).
DTYPE_BYTES = {"float64": 8, "float32": 4, "float16": 2, "bfloat16": 2, "int8": 1}
OPTIMIZERS = ["sgd", "momentum", "rmsprop", "adam", "adamw"]

#: Activation spellings the paper notation reads as a layer of their own (and writes back).
ACTIVATION_LINES = ["relu", "soft-max", "softmax", "tanh", "sigmoid", "elu", "selu", "gelu", "silu",
                    "swish", "leaky-relu", "softplus", "softsign", "hard-sigmoid", "mish",
                    "log-softmax", "linear", "ReLU", "Soft-Max"]  # relu6: see test_relu6_line_parses
#: Values of a fused ``activation=`` option.
FUSED = ["relu", "none", "linear", "tanh", "sigmoid", "softmax", "gelu", "swish", "relu6", "elu",
         "leaky_relu", "identity"]


def only_archcalc_errors(text: str) -> None:
    """Parse a text and analyse what it holds; an ArchcalcError is an acceptable answer, any other
    exception propagates and fails the test (it would be an internal error of the CLI)."""
    try:
        networks = parse_text(text)
    except ArchcalcError:
        return
    for network in networks:
        with contextlib.suppress(ArchcalcError):
            analyze_network(network)


def _out(size: int, kernel: int, stride: int, dilation: int, padding: object) -> int:
    """Output length along one axis (the generators' own arithmetic, used only to stay valid)."""
    if padding == "same":
        return -(-size // stride)
    pad = 0 if padding == "valid" else 2 * int(padding)  # type: ignore[call-overload]
    return max(0, (size + pad - dilation * (kernel - 1) - 1) // stride + 1)


def _pair(a: int, b: int) -> str:
    return str(a) if a == b else f"{a}x{b}"


def _case(draw: st.DrawFn, word: str) -> str:
    """Kind words are case-insensitive: write them the way a user might."""
    return draw(st.sampled_from([word, word.upper(), word.capitalize()]))


# ---------------------------------------------------------------------------------------------
# Generator of valid paper-notation networks.

@st.composite
def paper_networks_with_shape(draw: st.DrawFn) -> tuple[str, tuple[int, ...]]:
    """A valid paper-notation spec (input, then 1-9 layers of every kind with random options) and
    the output shape of its last layer, as the generator's own bookkeeping has it."""
    h, w = draw(st.integers(6, 48)), draw(st.integers(6, 48))
    c = draw(st.integers(1, 4))
    lines = []
    if draw(st.booleans()):
        lines.append(f"network {draw(st.sampled_from(['net', 'tiny-net', 'Net_2']))}")
    form = draw(st.integers(0, 3))
    if form == 0:
        lines.append(f"input {h}x{w}x{c}")
    elif form == 1:
        lines.append(f"input {h} x {w} x {c}")
    elif form == 2:
        c = 1
        lines.append(f"input {h}x{w}")
    else:
        c = 3
        lines.append(f"input ({h} x {w} RGB image)")
    spatial = True
    n = 0  # length of a flat vector once `spatial` is False

    def window_options(kh: int, kw: int, allow_dilation: bool) -> tuple[list[str], int, int]:
        """Stride/padding/dilation options of a window and the map they give; 'same' when the
        drawn ones would shrink the map below 1x1."""
        sh, sw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
        dh, dw = (draw(st.integers(1, 2)), draw(st.integers(1, 2))) if allow_dilation else (1, 1)
        padding: object = draw(st.sampled_from(["same", "valid", 0, 1, 2, (0, 1)]))
        ph, pw = padding if isinstance(padding, tuple) else (padding, padding)
        oh, ow = _out(h, kh, sh, dh, ph), _out(w, kw, sw, dw, pw)
        if oh < 1 or ow < 1:
            padding, ph, pw = "same", "same", "same"
            oh, ow = _out(h, kh, sh, dh, ph), _out(w, kw, sw, dw, pw)
        opts = []
        if (sh, sw) != (1, 1) or draw(st.booleans()):
            opts.append(f"{draw(st.sampled_from(['stride', 'strides']))}={_pair(sh, sw)}")
        pad_text = f"{ph}x{pw}" if isinstance(padding, tuple) else str(padding)
        if padding != "same" or draw(st.booleans()):
            opts.append(f"{draw(st.sampled_from(['padding', 'pad']))}={pad_text}")
        if (dh, dw) != (1, 1):
            opts.append(f"dilation={_pair(dh, dw)}")
        return opts, oh, ow

    def fused_options() -> list[str]:
        opts = []
        if draw(st.booleans()):
            opts.append(f"bias={draw(st.sampled_from(['false', 'true', 'no', 'yes', '0', '1']))}")
        if draw(st.booleans()):
            opts.append(f"{draw(st.sampled_from(['activation', 'act']))}={draw(st.sampled_from(FUSED))}")
        return opts

    for _ in range(draw(st.integers(1, 9))):
        if spatial:
            choice = draw(st.sampled_from(["conv", "conv", "conv", "dwconv", "sepconv", "pool", "pool",
                                           "batchnorm", "dropout", "lrn", "zeropad", "act", "prelu",
                                           "global", "flatten", "fc"]))
        else:
            choice = draw(st.sampled_from(["fc", "fc", "dropout", "batchnorm", "act", "prelu"]))
        repeat = ""
        if choice in ("conv", "dwconv", "sepconv"):
            kh = draw(st.integers(1, 5))
            kw = kh if draw(st.booleans()) else draw(st.integers(1, 5))
            opts, oh, ow = window_options(kh, kw, allow_dilation=True)
            if choice == "conv":
                groups = draw(st.sampled_from([g for g in (1, 2, 3, 4) if c % g == 0]))
                filters = groups * draw(st.integers(1, 6))
                head = f"{_case(draw, 'conv')}{_pair(kh, kw)}-{filters}"
                if groups > 1:
                    opts.append(f"groups={groups}")
                c = filters
            elif choice == "dwconv":
                m = draw(st.integers(1, 2))
                head = f"{_case(draw, 'dwconv')}{_pair(kh, kw)}"
                if m > 1 or draw(st.booleans()):
                    opts.append(f"multiplier={m}")
                c = c * m
            else:
                m, filters = draw(st.integers(1, 2)), draw(st.integers(1, 12))
                head = f"{_case(draw, 'sepconv')}{_pair(kh, kw)}-{filters}"
                if m > 1:
                    opts.append(f"multiplier={m}")
                c = filters
            opts += fused_options()
            if (oh, ow) == (h, w) and not any(o.startswith("multiplier") for o in opts) \
                    and draw(st.integers(0, 4)) == 0:
                repeat = f" x{draw(st.integers(1, 3))}"  # a size-keeping layer may repeat
            h, w = oh, ow
            line = " ".join([head, *draw(st.permutations(opts))])
        elif choice == "pool":
            word = draw(st.sampled_from(["maxpool", "avgpool", "pool", "max-pool", "avg-pool"]))
            kh = draw(st.integers(1, 3))
            kw = kh if draw(st.booleans()) else draw(st.integers(1, 3))
            head = _case(draw, word) + ("" if (kh, kw) == (2, 2) and draw(st.booleans()) else _pair(kh, kw))
            explicit = draw(st.booleans())  # without stride=, a pool steps by its own size
            sh, sw = (draw(st.integers(1, 3)), draw(st.integers(1, 3))) if explicit else (kh, kw)
            padding = draw(st.sampled_from(["valid", "same", 0, 1]))
            oh, ow = _out(h, kh, sh, 1, padding), _out(w, kw, sw, 1, padding)
            if oh < 1 or ow < 1:
                padding = "same"
                oh, ow = _out(h, kh, sh, 1, padding), _out(w, kw, sw, 1, padding)
            opts = [f"stride={_pair(sh, sw)}"] if explicit else []
            if padding != "valid" or draw(st.booleans()):
                opts.append(f"padding={padding}")
            h, w = oh, ow
            line = " ".join([head, *draw(st.permutations(opts))])
        elif choice == "batchnorm":
            word = draw(st.sampled_from(["batchnorm", "bn", "batch-norm", "BatchNormalization"]))
            opts = [f"{k}={draw(st.sampled_from(['false', 'true']))}"
                    for k in ("center", "scale") if draw(st.booleans())]
            line = " ".join([word, *opts])
            repeat = draw(st.sampled_from(["", "", " x2"]))
        elif choice == "dropout":
            pct = draw(st.integers(0, 99))
            line = draw(st.sampled_from([f"dropout {pct / 100}", f"dropout {pct}%", f"dropout p={pct / 100}",
                                         f"Dropout rate={pct / 100}"]))
        elif choice == "lrn":
            line = draw(st.sampled_from(["LRN", "lrn", "LRN size=3", "LRN depth_radius=2", "lrn size=7"]))
        elif choice == "zeropad":
            t, b, left, r = (draw(st.integers(0, 2)) for _ in range(4))
            line = draw(st.sampled_from([f"zeropad{t}", f"zeropad {t}x{left}",
                                         f"zeropad (({t},{b}),({left},{r}))", f"zero-pad{t}"]))
            if line.startswith("zeropad (("):
                h, w = h + t + b, w + left + r
            elif "x" in line:
                h, w = h + 2 * t, w + 2 * left
            else:
                h, w = h + 2 * t, w + 2 * t
        elif choice == "act":
            line = draw(st.sampled_from(ACTIVATION_LINES))
        elif choice == "prelu":
            line = draw(st.sampled_from(["prelu", "PReLU", "prelu shared_axes=1,2"]
                                        if spatial else ["prelu"]))
        elif choice == "global":
            line = draw(st.sampled_from(["global-avgpool", "gap", "global-maxpool", "GMP",
                                         "global-avgpool keepdims=true"]))
            if "keepdims" in line:
                h = w = 1
            else:
                spatial, n = False, c
        elif choice == "flatten":
            line, spatial, n = "flatten", False, h * w * c
        else:  # fc
            units = draw(st.integers(1, 64))
            head = draw(st.sampled_from([f"FC-{units}", f"fc-{units}", f"FC {units}", f"dense-{units}"]))
            opts = fused_options()
            if spatial and draw(st.integers(0, 3)) == 0:
                opts.append("flatten=false")  # Keras' Dense: per position, the map stays
                c = units
            else:
                spatial, n = False, units
            line = " ".join([head, *draw(st.permutations(opts))])
        line += repeat
        if draw(st.integers(0, 5)) == 0:
            line += "   # a comment"
        lines.append(line)
        if draw(st.integers(0, 6)) == 0:
            lines.append(draw(st.sampled_from(["", "# just a comment", "   "])))
    return "\n".join(lines) + "\n", ((h, w, c) if spatial else (n,))


def paper_networks() -> st.SearchStrategy[str]:
    """A valid paper-notation spec (see :func:`paper_networks_with_shape`)."""
    return paper_networks_with_shape().map(lambda spec: spec[0])


# ---------------------------------------------------------------------------------------------
# Generator of valid Keras code.

@st.composite
def keras_networks(draw: st.DrawFn) -> str:
    """Keras code of a valid Sequential model: a list or ``model.add`` lines, any prefix."""
    h0, w0, c0 = draw(st.integers(8, 40)), draw(st.integers(8, 40)), draw(st.integers(1, 3))
    h, w = h0, w0
    calls: list[tuple[str, list[str]]] = []  # (class name, arguments as written)
    spatial = True

    def q(s: str) -> str:
        return draw(st.sampled_from([f"'{s}'", f'"{s}"']))

    for _ in range(draw(st.integers(1, 7))):
        name = draw(st.sampled_from(
            ["Conv2D", "Conv2D", "MaxPooling2D", "MaxPool2D", "AveragePooling2D", "Dense", "Flatten",
             "Dropout", "BatchNormalization", "Activation", "ReLU", "DepthwiseConv2D", "SeparableConv2D",
             "GlobalAveragePooling2D", "GlobalMaxPooling2D", "ZeroPadding2D", "SpatialDropout2D",
             "LeakyReLU", "ELU", "Softmax", "PReLU"] if spatial else
            ["Dense", "Dropout", "BatchNormalization", "Activation", "ReLU", "LeakyReLU", "Softmax"]))
        args: list[str] = []
        if name in ("Conv2D", "DepthwiseConv2D", "SeparableConv2D"):
            kh, kw = draw(st.integers(1, 5)), draw(st.integers(1, 5))
            sh, sw = draw(st.integers(1, 2)), draw(st.integers(1, 2))
            # Keras refuses a stride and a dilation both above 1: dilate only unstrided convs.
            d = draw(st.integers(1, 2)) if (sh, sw) == (1, 1) else 1
            padding = draw(st.sampled_from(["valid", "same", "SAME", None]))
            eff = padding.lower() if padding else "valid"  # Keras' default is 'valid'
            if _out(h, kh, sh, d, eff) < 1 or _out(w, kw, sw, d, eff) < 1:
                padding, eff = "same", "same"
            keyword = draw(st.booleans())  # Python wants positional arguments first
            if name != "DepthwiseConv2D":
                filters = draw(st.integers(1, 16))
                args.append(f"filters={filters}" if keyword else str(filters))
            square = str(kh) if kh == kw else f"({kh}, {kw})"
            args.append(f"kernel_size=({kh},{kw})" if keyword
                        else draw(st.sampled_from([f"({kh}, {kw})", square])))
            if name == "DepthwiseConv2D" and draw(st.booleans()):
                args.append("depth_multiplier=2")
            if (sh, sw) != (1, 1) or draw(st.booleans()):
                args.append(draw(st.sampled_from([f"strides=({sh}, {sw})", f"strides=[{sh}, {sw}]"])))
            if d > 1:
                args.append(f"dilation_rate={d}")
            if padding:
                args.append(f"padding={q(padding)}")
            if draw(st.booleans()):
                args.append(f"activation={q(draw(st.sampled_from(['relu', 'softmax', 'tanh', 'sigmoid'])))}")
            if draw(st.integers(0, 3)) == 0:
                args.append(f"use_bias={draw(st.sampled_from(['True', 'False']))}")
            if draw(st.integers(0, 5)) == 0:
                args.append("kernel_initializer='he_normal'")  # changes no number
            h, w = _out(h, kh, sh, d, eff), _out(w, kw, sw, d, eff)
        elif name in ("MaxPooling2D", "MaxPool2D", "AveragePooling2D"):
            p, s = draw(st.integers(1, 3)), draw(st.sampled_from([None, 1, 2]))
            padding = draw(st.sampled_from(["valid", "same", None]))
            eff, step = padding or "valid", s or p  # strides=None means the pool size
            if _out(h, p, step, 1, eff) < 1 or _out(w, p, step, 1, eff) < 1:
                padding, eff = "same", "same"
            if p != 2 or draw(st.booleans()):
                args.append(draw(st.sampled_from([f"({p}, {p})", f"pool_size=({p}, {p})", str(p)])))
            if s is not None:
                args.append(f"strides={s}")
            if padding:
                args.append(f"padding={q(padding)}")
            h, w = _out(h, p, step, 1, eff), _out(w, p, step, 1, eff)
        elif name == "Dense":
            units = draw(st.integers(1, 64))
            args.append(draw(st.sampled_from([str(units), f"units={units}"])))
            if draw(st.booleans()):
                args.append(f"activation={q(draw(st.sampled_from(['relu', 'softmax', 'linear'])))}")
            if draw(st.integers(0, 3)) == 0:
                args.append("use_bias=False")
        elif name in ("Flatten", "GlobalAveragePooling2D", "GlobalMaxPooling2D"):
            spatial = False
        elif name in ("Dropout", "SpatialDropout2D"):
            args.append(draw(st.sampled_from(["0.25", "0.5", "rate=0.2", "0.1"])))
        elif name == "BatchNormalization":
            if draw(st.integers(0, 3)) == 0:
                args.append(draw(st.sampled_from(["center=False", "scale=False", "momentum=0.9"])))
        elif name == "Activation":
            args.append(q(draw(st.sampled_from(["relu", "softmax", "tanh", "sigmoid", "elu", "linear"]))))
        elif name == "ZeroPadding2D":
            p = draw(st.integers(0, 2))
            args.append(draw(st.sampled_from([str(p), f"padding=({p}, {p})", f"(({p}, 0), (0, {p}))"])))
            h, w = (h + p, w + p) if args[-1].startswith("((") else (h + 2 * p, w + 2 * p)
        calls.append((name, args))

    prefix = draw(st.sampled_from(["", "layers.", "keras.layers.", "tf.keras.layers."]))
    shape = f"({h0}, {w0}, {c0})"
    texts = []
    if draw(st.booleans()):
        texts.append(f"keras.Input(shape={shape})")
    else:
        first, first_args = calls[0]
        calls[0] = (first, [*first_args, f"input_shape={shape}"])
    texts += [f"{prefix}{name}({', '.join(args)})" for name, args in calls]
    header = "import tensorflow as tf\nfrom tensorflow import keras\nfrom keras import layers\n\n"
    if draw(st.booleans()):
        body = "model = keras.Sequential([\n" + "".join(f"    {t},\n" for t in texts) + "])\n"
    else:
        body = "model = Sequential()\n" + "".join(f"model.add({t})\n" for t in texts)
    footer = "model.compile(optimizer='adam', loss='categorical_crossentropy')\n"
    return header + body + footer


networks = st.one_of(paper_networks(), keras_networks())


def _parse_one(text: str) -> Network:
    (network,) = parse_text(text)
    return network


# ---------------------------------------------------------------------------------------------
# 5. The parsers fail only with ArchcalcError.

PLAUSIBLE_TOKENS = [
    # the paper notation, right and wrong
    "input", "image", "32x32x3", "28x28", "(224", "x", "224", "RGB", "image)", "0x0", "1x2x3x4",
    "conv3-64", "CONV3-64", "conv1x7-128", "conv", "3-64", "conv3", "conv3-", "conv0-3", "conv3-0",
    "FC-10", "fc-4096", "FC", "10", "-10", "FC-0", "soft-max", "softmax", "relu", "relu6", "ReLU",
    "maxpool", "maxpool3", "pool2", "POOL2", "avgpool", "maxpool0", "global-avgpool", "gap", "GMP",
    "LRN", "batchnorm", "bn", "dropout", "0.5", "50%", "1.5", "-1", "nan", "inf", "flatten",
    "zeropad1", "zeropad", "((0,1),(0,1))", "((1,2),(3))", "dwconv3", "dwconv", "sepconv3-32",
    "prelu", "stride=2", "stride=0", "stride=2x1", "strides=", "padding=valid", "padding=same",
    "padding=3", "padding=-1", "padding=causal", "padding=1x2x3", "dilation=2", "dilation=999",
    "groups=2", "groups=0", "groups=7", "bias=false", "bias=maybe", "activation=none",
    "activation=foo", "act=softmax", "keepdims=true", "center=false", "scale=no", "size=3",
    "size=0", "depth_radius=2", "shared_axes=1,2", "shared_axes=", "multiplier=2", "flatten=false",
    "p=0.3", "rate=", "x3", "x0", "×2", "*2", "x", "#", "# comment", "network", "net1", "network:",
    "=", "==", "-", "--", "garbage", "ünïcödé", "卷积3-64", "٣", "conv٣-٦٤", "ǅ", "İnput", "\t", "\r",
    "\u2028", "\x0c", "\x00",
    # Keras-looking pieces (never a number too big for a float: see the xfail tests below)
    "Conv2D(", "model.add(", "model = Sequential([", "Sequential(", "])", ")", "(", ",", "[", "]",
    "Dense(10)", "Dense(", "input_shape=(28, 28, 1)", "MaxPooling2D((2, 2))", "Flatten()",
    "Dropout(0.25)", "Dropout(", "activation='relu'", "activation=tf.nn.relu", "padding='same'",
    "import", "tf.keras.layers.", "layers.", "%matplotlib inline", "'", '"', "\\", "**kwargs",
    "units", "=", "num_classes", "num_classes = 10", "Dense(num_classes)", "lambda", ":",
    "Conv2D(32, (3,3))", "BatchNormalization()", "keras.Input(shape=(8, 8, 3))", "None", "True",
    "3.0", "2.5", "-3", "1//0", "(1, 2, 3)",
]


@st.composite
def token_texts(draw: st.DrawFn) -> str:
    """Lines of plausible tokens, glued by spaces or not, in any order."""
    lines = []
    for _ in range(draw(st.integers(1, 8))):
        tokens = draw(st.lists(st.sampled_from(PLAUSIBLE_TOKENS), min_size=1, max_size=7))
        lines.append(draw(st.sampled_from([" ", "", "  "])).join(tokens))
    if draw(st.booleans()):
        lines.insert(0, draw(st.sampled_from(["input 32x32x3", "input 28x28", "model = Sequential()"])))
    return "\n".join(lines)


# A random Python literal, as source text, for the arguments of a Keras call.
_scalars = st.one_of(
    st.integers(-3, 300).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),  # inf/nan come out as names
    st.sampled_from(["'same'", "'valid'", "'SAME'", "'causal'", "'relu'", "'softmax'", "'bogus'",
                     "'channels_first'", "'channels_last'", "''", "None", "True", "False", "b'1'",
                     "1j", "num_classes", "tf.nn.relu", "x + 1", "[]", "{}", "-0", "2 * 3", "7 // 2"]),
)
_literals = st.recursive(_scalars, lambda inner: st.lists(inner, max_size=3).map(
    lambda xs: "(" + ", ".join(xs) + ("," if len(xs) == 1 else "") + ")"), max_leaves=6)
# Input shapes: never empty and always subscriptable, so that only the bugs of the xfail tests
# below are kept out of this fuzz (they would hide any other finding).
_shapes = st.lists(st.one_of(st.integers(-1, 40).map(str), st.just("None"), _scalars),
                   min_size=2, max_size=4).map(lambda xs: "(" + ", ".join(xs) + ")")


@st.composite
def keras_call_texts(draw: st.DrawFn) -> str:
    """Keras code whose calls have random arguments: real and unknown layers, real and unknown
    keywords, and values of every type."""
    names = [*sorted(KERAS_NAMES), "Conv3D", "Lambda", "Reshape"]
    calls = []
    for i in range(draw(st.integers(1, 6))):
        name = draw(st.sampled_from(names))
        kind = KINDS[KERAS_NAMES[name][0]] if name in KERAS_NAMES else None
        params = list(kind.keras_params) if kind else []
        args = draw(st.lists(_shapes if name in ("Input", "InputLayer") else _literals, max_size=3))
        for key in draw(st.lists(st.sampled_from([*params, "name", "input_shape", "batch_input_shape",
                                                  "shape", "batch_shape", "bogus", "kernel_initializer"]),
                                 max_size=4, unique=True)):
            shaped = key in ("input_shape", "batch_input_shape", "shape", "batch_shape")
            args.append(f"{key}={draw(_shapes if shaped else _literals)}")
        if i == 0 and draw(st.booleans()):
            args.append(f"input_shape={draw(_shapes)}")
        calls.append(f"{draw(st.sampled_from(['', 'layers.', 'tf.keras.layers.']))}{name}({', '.join(args)})")
    if draw(st.booleans()):
        return "num_classes = 10\nmodel = Sequential([\n" + ",\n".join(calls) + "\n])\n"
    return "model = Sequential()\n" + "".join(f"model.add({c})\n" for c in calls)


# ast.parse warns (SyntaxWarning: invalid decimal literal) about garbage that looks like Keras
# code before refusing it; the warning is noise here, the exception is what is checked.
no_syntax_warnings = pytest.mark.filterwarnings("ignore::SyntaxWarning")


@FUZZ
@no_syntax_warnings
@given(text=st.text())
def test_random_text_raises_only_archcalc_errors(text: str) -> None:
    """Arbitrary unicode: parsed, or refused with an ArchcalcError; never a crash."""
    only_archcalc_errors(text)


@FUZZ
@no_syntax_warnings
@given(text=token_texts())
def test_plausible_tokens_raise_only_archcalc_errors(text: str) -> None:
    """Near-misses of real specs reach deep into the parsers and the analysis."""
    only_archcalc_errors(text)


@FUZZ
@no_syntax_warnings
@given(text=keras_call_texts())
def test_keras_calls_with_random_arguments_raise_only_archcalc_errors(text: str) -> None:
    """Every Keras argument converter meets values of the wrong type, sign and size."""
    only_archcalc_errors(text)


@PROPS
@no_syntax_warnings
@given(text=networks, cut=st.integers(0, 10_000), junk=st.sampled_from(["", "x", "(", "=", "-", "3", "'"]))
def test_damaged_valid_specs_raise_only_archcalc_errors(text: str, cut: int, junk: str) -> None:
    """A valid spec cut anywhere, with junk inserted, is either read or refused cleanly."""
    cut %= len(text) + 1
    only_archcalc_errors(text[:cut] + junk + text[cut:])


# Each bug below makes the CLI report an internal error (exit 70) for a bad input.

def test_huge_repeat_count_is_a_spec_error() -> None:
    only_archcalc_errors("input 8x8x3\nconv3-4 x99999999999999999999")


@pytest.mark.parametrize("code", [
    "model = Sequential([Dense(1e400, input_shape=(4,))])",
    "model = Sequential([Dense(-1e400, input_shape=(4,))])",
    "model = Sequential([Conv2D(8, 1e999, input_shape=(8, 8, 1))])",
])
def test_infinite_float_literal_is_a_spec_error(code: str) -> None:
    only_archcalc_errors(code)


@pytest.mark.parametrize("code", [
    "model = Sequential([Dense(10, batch_input_shape=5)])",
    "model = Sequential([Input(batch_shape=5), Dense(3)])",
    "model = Sequential([Input(batch_shape=None), Dense(3)])",
])
def test_scalar_batch_shape_is_a_spec_error(code: str) -> None:
    only_archcalc_errors(code)


@pytest.mark.parametrize("code", [
    "model = Sequential([Dense(10, input_shape=())])",
    "model = Sequential([Input(shape=()), BatchNormalization()])",
    "model = Sequential([Dense(10, batch_input_shape=(None,))])",
])
def test_empty_input_shape_is_a_spec_error(code: str) -> None:
    only_archcalc_errors(code)


def test_deeply_nested_expression_is_a_spec_error() -> None:
    only_archcalc_errors("model = Sequential([Dense(" + "+".join(["1"] * 1000) + ", input_shape=(4,))])")


# ---------------------------------------------------------------------------------------------
# 6. format_paper and parse_paper are inverses.

def _rows(analysis: Analysis) -> list:
    """The rows, without how the user happened to write each layer (``source``)."""
    return [dataclasses.replace(row, source="") for row in analysis.rows]


NUMBERS = ("kind", "output_shape", "params", "weights", "biases", "trainable", "non_trainable",
           "activations", "macs", "rf_size", "rf_stride", "inputs", "activation")


def _numbers(analysis: Analysis) -> tuple:
    """Every number of an analysis, row by row, plus the totals and the memory budget."""
    return ([tuple(getattr(row, f) for f in NUMBERS) for row in analysis.rows],
            analysis.totals, analysis.memory, analysis.receptive_field, analysis.input_shape)


@PROPS
@given(text=paper_networks())
def test_format_then_parse_gives_the_same_network(text: str) -> None:
    """Printing a paper-notation network and reading it back changes nothing: same name, nodes
    (kind, every argument, inputs) and rows; printing again gives the same text."""
    network = _parse_one(text)
    printed = format_paper(network)
    again = parse_paper(printed)
    assert len(again) == 1, printed
    assert again[0].name == network.name
    assert again[0].nodes == network.nodes, printed
    assert _rows(analyze_network(again[0])) == _rows(analyze_network(network))
    assert format_paper(again[0]) == printed


@PROPS
@given(spec=paper_networks_with_shape())
def test_output_shape_matches_the_generators_bookkeeping(spec: tuple[str, tuple[int, ...]]) -> None:
    """The last layer's output shape is the one the generator tracked with its own arithmetic
    (window counts, zero padding per side, flattening, channels of each kind)."""
    text, shape = spec
    assert analyze_network(_parse_one(text)).rows[-1].output_shape == shape


@PROPS
@given(code=keras_networks())
def test_keras_code_printed_in_paper_notation_keeps_every_number(code: str) -> None:
    """A Keras model translated by format_paper reads back to the same nodes and numbers."""
    network = _parse_one(code)
    printed = format_paper(network)
    (again,) = parse_paper(printed)
    assert again.nodes == network.nodes, printed
    assert _numbers(analyze_network(again)) == _numbers(analyze_network(network)), printed


@pytest.mark.parametrize("rate", ["0.1234567", "0.33333333", "0.987654321"])
def test_dropout_rate_survives_a_round_trip(rate: str) -> None:
    network = _parse_one(f"input 8x8x3\ndropout {rate}")
    (again,) = parse_paper(format_paper(network))
    assert again.nodes == network.nodes


@pytest.mark.parametrize("function", ["celu", "exponential", "hard_silu", "hard_swish", "relu6"])
def test_every_keras_activation_survives_a_round_trip(function: str) -> None:
    network = _parse_one(f"model = Sequential([Dense(8, input_shape=(4, 4, 1)), Activation('{function}')])")
    (again,) = parse_paper(format_paper(network))
    assert again.nodes == network.nodes


def test_relu6_line_parses() -> None:
    (network,) = parse_paper("input 8x8x3\nrelu6")
    assert network.nodes[1].kind == "activation"
    assert network.nodes[1].args["function"] == "relu6"


def test_flat_keras_input_survives_a_round_trip() -> None:
    code = "model = Sequential([Dense(512, activation='relu', input_shape=(784,)), Dense(10)])"
    network = _parse_one(code)
    (again,) = parse_paper(format_paper(network))
    assert again.input_shape == network.input_shape == (784,)
    assert _numbers(analyze_network(again)) == _numbers(analyze_network(network))


@pytest.mark.parametrize("name", ["my net", "", "a#b"])
def test_keras_model_name_survives_a_round_trip(name: str) -> None:
    network = _parse_one(f"model = Sequential([Dense(3, input_shape=(4, 4, 1))], name={name!r})")
    (again,) = parse_paper(format_paper(network))
    assert again.name == network.name


# Each spelling a paper-notation word needs after it to be a complete layer.
_WORD_SUFFIX = {"conv": "3-8", "depthwise": "3", "separable": "3-8", "dense": "-8", "dropout": " 0.5",
                "reshape": " 192", "add": "\n  identity\n  identity", "concat": "\n  identity\n  identity",
                "deconv": "2-8", "adaptive_avgpool": " 2", "adaptive_maxpool": " 2", "embedding": " 10-4",
                "rescale": " 1/255", "resize": " 4x4", "center_crop": " 4x4", "random_crop": " 4x4",
                "augment": " flip", "permute": " 2x1x3", "channel_shuffle": " 3", "slice": " 0:2",
                **{k: "\n  identity\n  identity" for k in ("subtract", "multiply", "average", "maximum",
                                                            "minimum", "scaled_add")}}


@pytest.mark.parametrize("word", sorted(w for w, (k, _) in WORDS.items() if k != "input" and w != "relu6"))
def test_every_listed_word_reads_as_its_kind(word: str) -> None:
    """Every spelling in the WORDS table is reachable from the text (relu6: xfail above)."""
    kind = WORDS[word][0]
    (network,) = parse_paper(f"input 8x8x3\n{word}{_WORD_SUFFIX.get(kind, '')}")
    assert network.nodes[1].kind == kind


# ---------------------------------------------------------------------------------------------
# 7. Rows add up to the totals.

@PROPS
@given(text=networks, batch=st.integers(1, 256), dtype=st.sampled_from(sorted(DTYPE_BYTES)),
       count_bias=st.booleans(), optimizer=st.sampled_from(OPTIMIZERS))
def test_rows_add_up_to_the_totals(text: str, batch: int, dtype: str, count_bias: bool,
                                   optimizer: str) -> None:
    """Each total is the sum of its column; each row is consistent with itself; bytes are values
    times the dtype's size times the batch."""
    a = analyze_network(_parse_one(text), batch=batch, dtype=dtype, count_bias=count_bias,
                        optimizer=optimizer)
    t = a.totals
    assert t.params == sum(r.params for r in a.rows)
    assert t.trainable_params == sum(r.trainable for r in a.rows)
    assert t.non_trainable_params == sum(r.non_trainable for r in a.rows)
    assert t.weights == sum(r.weights for r in a.rows)
    assert t.biases == sum(r.biases for r in a.rows)
    assert t.activations == sum(r.activations for r in a.rows)
    assert t.macs == sum(r.macs for r in a.rows)
    assert t.flops == 2 * t.macs
    assert t.params == t.trainable_params + t.non_trainable_params
    assert t.activation_bytes == t.activations * DTYPE_BYTES[dtype] * batch
    for r in a.rows:
        assert r.activations == math.prod(r.output_shape)
        assert r.params == r.trainable + r.non_trainable
        assert r.trainable == r.weights + r.biases
        assert min(r.params, r.weights, r.biases, r.non_trainable, r.macs) >= 0
        if not count_bias:
            assert r.biases == 0
    # The memory budget's pieces, from their definitions.
    m, size = a.memory, DTYPE_BYTES[dtype]
    # Memory holds every parameter, biases included even when --no-bias leaves them out of the counts.
    with_bias = analyze_network(_parse_one(text), count_bias=True).totals
    assert m.parameters == with_bias.params * size
    assert m.gradients == with_bias.trainable_params * size
    assert m.forward == m.backward == t.activation_bytes
    assert m.input == math.prod(a.input_shape) * size * batch


@PROPS
@given(text=networks, batch=st.integers(2, 64))
def test_counts_per_example_do_not_depend_on_the_batch(text: str, batch: int) -> None:
    """Rows count one example: only the byte counts scale with the batch, and linearly."""
    network = _parse_one(text)
    one, many = analyze_network(network), analyze_network(network, batch=batch)
    assert _rows(one) == _rows(many)
    assert many.totals.activation_bytes == batch * one.totals.activation_bytes


# ---------------------------------------------------------------------------------------------
# 8. largest_batch.

@PROPS
@given(text=networks, batch=st.integers(1, 32), dtype=st.sampled_from(sorted(DTYPE_BYTES)),
       optimizer=st.sampled_from(OPTIMIZERS), count_bias=st.booleans(),
       scale=st.floats(0, 80), jitter=st.integers(-3, 3))
def test_largest_batch_fits_and_one_more_does_not(text: str, batch: int, dtype: str, optimizer: str,
                                                  count_bias: bool, scale: float, jitter: int) -> None:
    """The answer's training memory fits the budget and the next batch's does not, both computed
    afresh by analyze_network at those batch sizes (whatever batch the given analysis used)."""
    network = _parse_one(text)
    options = {"dtype": dtype, "optimizer": optimizer, "count_bias": count_bias}
    one = analyze_network(network, batch=1, **options).memory.training
    budget = max(0, int(one * scale) + jitter)
    n = largest_batch(analyze_network(network, batch=batch, **options), budget)
    assert n >= 0
    if n > 0:
        assert analyze_network(network, batch=n, **options).memory.training <= budget
    assert analyze_network(network, batch=n + 1, **options).memory.training > budget


@PROPS
@given(text=networks, n=st.integers(1, 500), dtype=st.sampled_from(sorted(DTYPE_BYTES)))
def test_largest_batch_at_an_exact_budget(text: str, n: int, dtype: str) -> None:
    """A budget of exactly what batch n needs gives n; one byte less gives n - 1."""
    network = _parse_one(text)
    exact = analyze_network(network, batch=n, dtype=dtype).memory.training
    analysis = analyze_network(network, dtype=dtype)
    assert largest_batch(analysis, exact) == n
    assert largest_batch(analysis, exact - 1) == n - 1
