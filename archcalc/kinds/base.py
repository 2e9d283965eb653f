"""What every layer kind shares: :class:`Kind`, :class:`Effect`, activations, and the rank-generic
arithmetic of sliding windows (one code path for 1-D, 2-D and 3-D maps, as Keras 3's
``compute_conv_output_shape`` is one function for every rank).

A feature map is channels-last: ``(steps, C)``, ``(H, W, C)`` or ``(D, H, W, C)``; its *spatial
axes* are all but the last. Options that hold one size per spatial axis (kernel, strides,
dilation, pool) are tuples; one number written for every axis is kept as two equal entries
(``conv3-64`` → ``(3, 3)``) and :func:`per_axis` spreads it over the rank of the input.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from .. import formulas as F
from .. import values as V
from ..errors import ShapeError
from ..formulas import Window
from ..network import Shape

Converter = Callable[[Any], Any]

#: Names of the spatial axes of each rank, for the working and for errors.
AXES = {1: ("steps",), 2: ("H", "W"), 3: ("D", "H", "W")}


def _n(x: int) -> str:
    """Thousands separators, as a teacher writes them: 1,792."""
    return f"{x:,}"


def dims(shape: Shape) -> str:
    """``224x224x3``."""
    return "x".join(map(str, shape))


@dataclass(frozen=True)
class Effect:
    """What one layer does: its output and what it costs. All counts are for one example.

    Attributes:
        shape: output shape, channels-last: ``(steps, C)``, ``(H, W, C)``, ``(D, H, W, C)`` or ``(N,)``.
        weights: trainable multiplicative parameters (kernels, BN's gamma, PReLU's alpha).
        biases: trainable additive parameters (biases, BN's beta).
        non_trainable: parameters Keras keeps but does not train (BN's moving mean and variance).
        macs: multiply-accumulates (convolutions and dense only; see docs/formulas.md).
        window: one :class:`~archcalc.formulas.Window` per spatial axis of the input, for the
            receptive field; ``None`` means "over the whole grid" (dense, global pooling); ``()``
            (the default) means "position by position" (an element-wise layer).
        explain: the working behind the numbers, one equation a line.
        buffers: values a PyTorch module keeps that are not parameters (``module.buffers()``:
            batch norm's running mean and variance and its ``num_batches_tracked``).
    """

    shape: Shape
    weights: int = 0
    biases: int = 0
    non_trainable: int = 0
    macs: int = 0
    window: tuple[Window, ...] | None = ()
    explain: tuple[str, ...] = ()
    buffers: int = 0


# ---------------------------------------------------------------------------------------------
# Activation functions: the names Keras knows, and the other spellings people use.
ACTIVATIONS = (
    "relu", "relu6", "sigmoid", "tanh", "softmax", "log_softmax", "elu", "selu", "gelu", "silu",
    "swish", "leaky_relu", "softplus", "softsign", "hard_sigmoid", "hard_silu", "hard_swish",
    "mish", "exponential", "celu", "hard_tanh", "log_sigmoid", "tanh_shrink", "hard_shrink", "soft_shrink",
    "softmin", "linear",
)
_ACTIVATION_ALIASES = {"soft-max": "softmax", "leakyrelu": "leaky_relu", "leaky-relu": "leaky_relu",
                       "hard-sigmoid": "hard_sigmoid", "hard-swish": "hard_swish", "hard-silu": "hard_silu",
                       "log-softmax": "log_softmax", "identity": "linear", "none": "linear"}


def activation(value: Any) -> str | None:
    """Canonical activation name, ``None`` for no activation (``none``, ``linear``).

    >>> activation("ReLU"), activation("soft-max"), activation("none")
    ('relu', 'softmax', None)
    """
    if value is None:
        return None
    text = str(value).strip().lower()
    text = _ACTIVATION_ALIASES.get(text, text)
    if text not in ACTIVATIONS:
        import difflib  # only on the error path

        close = difflib.get_close_matches(text, ACTIVATIONS, n=1)
        raise V.BadValue(f"unknown activation `{value}`",
                         f"did you mean `{close[0]}`?" if close else
                         "use one of: " + ", ".join(ACTIVATIONS[:8]) + ", …, or `none`")
    return None if text == "linear" else text


# ---------------------------------------------------------------------------------------------
class Kind:
    """A layer kind. Subclasses fill in the class attributes and :meth:`infer`.

    Attributes:
        name: canonical name, the ``kind`` field of the JSON output.
        example: how a user writes one, for hints.
        defaults: default options in the paper notation (after the kind's own positional text).
        keras_defaults: default options in Keras code, where they differ (Keras' own defaults).
        options: paper-notation ``key=value`` options: key → (argument, converter).
        keras_params: Keras constructor parameters in signature order → (argument, converter);
            a converter of ``None`` marks a parameter that changes no number (initializers, name).
        required: arguments that must be given (``filters`` of a convolution).
        fused_activation: the layer takes an ``activation=`` of its own (conv, dense).
        inputs: how many parents it takes: 1, or 0 for "two or more" (merges).
    """

    name: ClassVar[str]
    example: ClassVar[str]
    defaults: ClassVar[dict[str, Any]] = {}
    keras_defaults: ClassVar[dict[str, Any]] = {}
    options: ClassVar[dict[str, tuple[str, Converter]]] = {}
    keras_params: ClassVar[dict[str, tuple[str, Converter] | None]] = {}
    required: ClassVar[tuple[str, ...]] = ()
    fused_activation: ClassVar[bool] = False
    inputs: ClassVar[int] = 1

    # -- reading ---------------------------------------------------------------------------
    def positional(self, word: str, text: str) -> dict[str, Any]:
        """Arguments written right after the kind's word: ``3-64`` in ``conv3-64``.

        Args:
            word: the word the user wrote (``maxpool``), already lower case.
            text: the rest, stripped of a leading ``-``; may be empty.
        """
        if text:
            raise V.BadValue(f"`{word}` takes no size, got `{text}`", f"write just `{word}`")
        return {}

    # -- computing -------------------------------------------------------------------------
    def infer(self, args: dict[str, Any], shapes: list[Shape]) -> Effect:
        """Apply the layer to the shapes of its inputs. Raises ShapeError when it cannot."""
        raise NotImplementedError  # every registered kind overrides it

    # -- writing ---------------------------------------------------------------------------
    def head(self, args: dict[str, Any]) -> str:
        """The kind's word with its positional arguments: ``conv3-64``."""
        return self.name

    def text(self, args: dict[str, Any]) -> str:
        """The layer in the paper notation, every option that differs from its default spelled out.

        Parsing the result gives back the same arguments (tests/test_properties.py).
        """
        parts, done = [self.head(args)], set(self._in_head)
        for key, (arg, _conv) in self.options.items():
            if arg in args and arg not in done and args[arg] != self.defaults.get(arg, _MISSING):
                parts.append(f"{key}={fmt(args[arg])}")
            done.add(arg)  # several keys may name one argument (stride/strides): write it once
        return " ".join(parts)

    def shown(self, args: dict[str, Any], shapes: list[Shape]) -> str:
        """The row's name in the table: :meth:`text`, leaving out options that change nothing for
        the shapes that reach the layer (Keras' ``Dense`` after ``Flatten`` is not ``flatten=false``)."""
        return self.text(args)

    _in_head: ClassVar[tuple[str, ...]] = ()


_MISSING = object()


def fmt(value: Any) -> str:
    """An option's value as the paper notation writes it: ``3``, ``1x7``, ``((0,1),(0,1))``, ``none``.

    >>> fmt((3, 3)), fmt((1, 7)), fmt((2, 2, 2)), fmt(((0, 1), (1, 1))), fmt(None), fmt(False)
    ('3', '1x7', '2', '((0,1),(1,1))', 'none', 'false')
    """
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple) and value and all(isinstance(v, tuple) for v in value):
        return "(" + ",".join(f"({a},{b})" for a, b in value) + ")"
    if isinstance(value, tuple) and value:
        return hw(value)
    return str(value)


def hw(sizes: tuple[int, ...]) -> str:
    """One size per axis, one number when they agree: ``3``, ``1x7``, ``3x3x1``."""
    return str(sizes[0]) if len(set(sizes)) == 1 else "x".join(map(str, sizes))


def sizes(value: Any, what: str, *, minimum: int = 1) -> tuple[int, ...]:
    """One number for every axis, or one per axis (1 to 3): ``3``, ``3x5``, ``(3, 5, 5)``.

    One number is kept as two equal entries, the form of the 2-D notation (:func:`per_axis`
    spreads it).

    >>> sizes(3, "kernel_size"), sizes((3,), "kernel_size"), sizes("1x3x3", "the kernel"), sizes([2, 2, 2], "size")
    ((3, 3), (3,), (1, 3, 3), (2, 2, 2))
    """
    convert = V.positive_int if minimum >= 1 else V.non_negative_int
    if isinstance(value, str) and re.fullmatch(r"\s*\d+(\s*[x×]\s*\d+){1,2}\s*", value):
        value = tuple(re.split(r"[x×]", value))
    if isinstance(value, (tuple, list)):
        if not 1 <= len(value) <= 3:
            raise V.BadValue(f"{what} takes one to three numbers, got {len(value)}: `{value}`",
                             "write `3`, `(3, 3)` or `(3, 3, 3)`")
        return tuple(convert(v, what) for v in value)
    n = convert(value, what)
    return n, n


def per_axis(kind: Kind, value: tuple[Any, ...], rank: int, what: str) -> tuple[Any, ...]:
    """``value`` with one entry per spatial axis: as it is when it has ``rank`` entries, spread
    when it is one number for every axis (all entries equal).

    >>> per_axis(KIND_FOR_DOCS, (3, 3), 1, "kernel"), per_axis(KIND_FOR_DOCS, (3, 3), 3, "kernel")
    ((3,), (3, 3, 3))
    """
    value = tuple(value)
    if len(value) == rank:
        return value
    if value and all(v == value[0] for v in value):
        return (value[0],) * rank
    axes = "1 spatial axis" if rank == 1 else f"{rank} spatial axes"
    raise ShapeError(f"{kind.name}: {what} {fmt(value)} has {len(value)} sizes but its input has {axes}",
                     hint=f"give one size, or {rank} (one per axis)")


def spatial(kind: Kind, shape: Shape) -> tuple[tuple[int, ...], int]:
    """The spatial sizes and the channels of a feature map of any rank; ShapeError when flat."""
    if len(shape) < 2:
        raise ShapeError(
            f"{kind.name} needs a feature map (H x W x C, steps x C or D x H x W x C), "
            f"but its input is flat: {list(shape)}",
            hint="put convolutions and pooling before `flatten`/FC layers")
    if len(shape) > 4:
        raise ShapeError(f"{kind.name}: archcalc knows 1-, 2- and 3-D maps, the input is {dims(shape)}")
    return tuple(shape[:-1]), shape[-1]


def axis_names(rank: int) -> tuple[str, ...]:
    return AXES.get(rank, tuple(f"axis {i + 1}" for i in range(rank)))


def axis_working(size: int, kernel: int, stride: int, padding: Any, dilation: int, out: int,
                 ceil: bool = False) -> str:
    """`⌊(224 + 2·1 − 3)/1⌋ + 1 = 224`, the way the CS231n notes write it."""
    keff = F.effective_kernel(kernel, dilation)
    k = str(keff) if dilation == 1 else f"{keff} (dilated {dilation}·({kernel}−1)+1)"
    total = F.padding_total(size, kernel, stride, padding, dilation)
    if total == 0:
        pad = ""
    elif isinstance(padding, tuple) and padding[0] != padding[1]:
        pad = f" + {padding[0]} + {padding[1]}"
    elif total % 2 == 0:
        pad = f" + 2·{total // 2}"
    else:
        pad = f" + {total}"
    note = f"   ('same' pads {total})" if padding == "same" and total else ""
    if ceil:
        return f"⌈({size}{pad} − {k})/{stride}⌉ + 1 = {out}   (ceil mode)"
    return f"⌊({size}{pad} − {k})/{stride}⌋ + 1 = {out}{note}"


def paddings(kind: Kind, padding: Any, rank: int) -> tuple[Any, ...]:
    """``same``/``valid`` for every axis, or per axis a number of pixels or a (before, after) pair."""
    if isinstance(padding, str):
        return (padding,) * rank
    if padding and all(isinstance(p, tuple) for p in padding):
        return per_axis(kind, padding, rank, "padding")
    return per_axis(kind, padding, rank, "padding")


def windowed(kind: Kind, shape: Shape, kernel: tuple[int, ...], strides: tuple[int, ...], padding: Any,
             dilation: tuple[int, ...] | None = None, ceil: bool = False
             ) -> tuple[tuple[int, ...], tuple[Window, ...], list[str]]:
    """Output sizes of a sliding window over every spatial axis, its windows and the working.

    Raises:
        ShapeError: an axis shrinks below 1.

    >>> windowed(KIND_FOR_DOCS, (224, 224, 3), (3, 3), (1, 1), "same")[0]
    (224, 224)
    >>> windowed(KIND_FOR_DOCS, (100, 8), (5, 5), (2, 2), "valid")[2]
    ['steps: ⌊(100 − 5)/2⌋ + 1 = 48']
    """
    grid, _c = spatial(kind, shape)
    rank = len(grid)
    ks = per_axis(kind, kernel, rank, "the kernel")
    ss = per_axis(kind, strides, rank, "the stride")
    ds = per_axis(kind, dilation or (1,) * rank, rank, "the dilation")
    ps = paddings(kind, padding, rank)
    outs, lines, windows = [], [], []
    for axis, size, k, s, p, d in zip(axis_names(rank), grid, ks, ss, ps, ds):
        out = (F.ceil_output_size if ceil else F.conv_output_size)(size, k, s, p, d)
        working = axis_working(size, k, s, p, d, out, ceil)
        if out < 1:
            raise ShapeError(
                f"{kind.name} shrinks the feature map below {'x'.join('1' * rank)}: {axis} = {working}",
                details=(f"input {dims(grid)}, kernel {hw(ks)}, stride {hw(ss)}, "
                         f"padding {padding if isinstance(padding, str) else fmt(padding)}",),
                hint="use padding=same, a smaller kernel or stride, or fewer pooling layers before it")
        outs.append(out)
        lines.append(f"{axis}: {working}")
        windows.append(Window(F.effective_kernel(k, d), s, F.padding_before(size, k, s, p, d)))
    if len(lines) > 1 and len({line.split(": ", 1)[1] for line in lines}) == 1:
        lines = [f"{' = '.join(axis_names(rank))}: {lines[0].split(': ', 1)[1]}"]
    return tuple(outs), tuple(windows), lines


def rank(r: int) -> dict[str, Any]:
    """The preset of a Keras class made for one rank: ``Conv1D`` → ``{"rank": 1}``. 2-D classes
    carry none (the paper notation's layers take the rank of their input, and 2-D is the common case).
    """
    return {} if r == 2 else {"rank": r}


def check_rank(kind: Kind, args: dict[str, Any], shapes: list[Shape]) -> None:
    """A 1-D or 3-D Keras layer must meet a map of its rank: ``Conv1D`` on an image is an error, not a
    2-D convolution.

    >>> check_rank(KIND_FOR_DOCS, {"rank": 1}, [(128, 9, 1)])
    Traceback (most recent call last):
    ...
    archcalc.errors.ShapeError: a 1-D layer (sequences: steps x C) but its input is 128x9x1 (2 spatial axes)
    """
    want = args.get("rank")
    if want is None or not shapes or len(shapes[0]) - 1 == want:
        return
    have = len(shapes[0]) - 1
    what = {1: "sequences: steps x C", 2: "images: H x W x C", 3: "volumes: D x H x W x C"}[want]
    raise ShapeError(f"a {want}-D layer ({what}) but its input is {dims(shapes[0])} "
                     f"({have} spatial {'axis' if have == 1 else 'axes'})",
                     hint=f"give it a {want}-D input (a sequence: `input 128x9 sequence`, or "
                          "keras.Input(shape=(steps, channels)) read as such)")


class _DocKind(Kind):
    name = "layer"


KIND_FOR_DOCS = _DocKind()

KERAS_IGNORED = frozenset({
    # Parameters that change no shape and no count: accepted and left out of the analysis.
    "name", "dtype", "kernel_initializer", "bias_initializer", "kernel_regularizer",
    "bias_regularizer", "activity_regularizer", "kernel_constraint", "bias_constraint",
    "depthwise_initializer", "pointwise_initializer", "depthwise_regularizer",
    "pointwise_regularizer", "depthwise_constraint", "pointwise_constraint", "seed",
    "noise_shape", "lora_rank", "lora_alpha", "trainable", "autocast", "batch_size",
    "beta_initializer", "gamma_initializer", "moving_mean_initializer",
    "moving_variance_initializer", "beta_regularizer", "gamma_regularizer", "beta_constraint",
    "gamma_constraint", "momentum", "epsilon", "synchronized", "renorm", "renorm_clipping",
    "renorm_momentum", "fused", "virtual_batch_size", "adjustment", "axis", "alpha_initializer",
    "alpha_regularizer", "alpha_constraint", "max_value", "negative_slope", "threshold", "alpha",
    "input_dim", "sparse", "ragged", "batch_input_shape", "embeddings_initializer",
    "embeddings_regularizer", "embeddings_constraint", "value_range", "fill_mode", "fill_value",
    "interpolation", "rms_scaling", "invert", "crop_to_aspect_ratio", "pad_to_aspect_ratio",
    "antialias",
})


def data_format(value: Any) -> None:
    if value not in (None, "channels_last"):
        raise V.BadValue(f"data_format `{value}` is not supported: archcalc works channels-last (H x W x C)",
                         "drop `data_format=` or write `data_format='channels_last'`")
