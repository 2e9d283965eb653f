"""Pure integer formulas: the arithmetic behind every number archcalc prints.

Nothing here knows about layers, specs or text; every function takes and returns plain integers so
that it can be checked against a brute-force count (``tests/test_formulas.py``). The conventions
follow Keras (``keras/src/ops/operation_utils.py``) and the CS231n notes; ``docs/formulas.md``
cites each one.

>>> conv_output_size(224, 3, stride=1, padding=1)
224
>>> conv_output_size(224, 11, stride=4, padding="valid")
54
>>> conv_output_size(7, 2, stride=2, padding="same")   # Keras 'same': ceil(n / stride)
4
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

#: "same", "valid", a number of zero pixels added on each side, or (before, after) pixels.
Padding = int | str | tuple[int, int]


def effective_kernel(kernel: int, dilation: int = 1) -> int:
    """Extent of a dilated kernel: ``d·(k − 1) + 1`` input pixels.

    >>> effective_kernel(3, 2)
    5
    """
    return dilation * (kernel - 1) + 1


def padding_total(size: int, kernel: int, stride: int = 1, padding: Padding = "valid",
                  dilation: int = 1) -> int:
    """Zero pixels added along one axis, both sides together.

    ``same`` pads just enough that the output is ``ceil(size / stride)`` (TensorFlow's rule: the
    extra pixel, when the total is odd, goes to the bottom/right).

    >>> padding_total(224, 3, 1, "same")
    2
    >>> padding_total(5, 3, 2, 1)
    2
    """
    if padding == "valid":
        return 0
    if padding == "same":
        out = -(-size // stride)
        return max((out - 1) * stride + effective_kernel(kernel, dilation) - size, 0)
    if isinstance(padding, tuple):
        return padding[0] + padding[1]
    return 2 * int(padding)


def padding_before(size: int, kernel: int, stride: int = 1, padding: Padding = "valid",
                   dilation: int = 1) -> int:
    """Zero pixels added before the first input pixel (top, left, front); the rest go after it.

    TensorFlow's ``same`` puts the odd pixel after: ``total // 2`` before.

    >>> padding_before(224, 7, 2, "same"), padding_before(10, 3, 1, (0, 2)), padding_before(5, 3, 1, 1)
    (2, 0, 1)
    """
    if isinstance(padding, tuple):
        return padding[0]
    if padding in ("same", "valid"):
        return padding_total(size, kernel, stride, padding, dilation) // 2
    return int(padding)


def conv_output_size(size: int, kernel: int, stride: int = 1, padding: Padding = "valid",
                     dilation: int = 1) -> int:
    """Output length of a convolution or pooling window sliding along one axis.

    ``⌊(n + p_total − d·(k − 1) − 1) / s⌋ + 1``; with ``same`` that is ``⌈n / s⌉``. May return 0 or
    less: the caller decides whether that is an error (it always is for a layer).

    >>> conv_output_size(28, 5)
    24
    >>> conv_output_size(5, 3, stride=2, padding=1)
    3
    >>> conv_output_size(2, 3)
    0
    """
    if padding == "same":
        return -(-size // stride)
    total = padding_total(size, kernel, stride, padding, dilation)
    span = size + total - effective_kernel(kernel, dilation)
    if span < 0:
        return 0
    return span // stride + 1


def ceil_output_size(size: int, kernel: int, stride: int = 1, padding: Padding = 0, dilation: int = 1) -> int:
    """Output length of PyTorch's ``ceil_mode=True`` pooling: ``⌈(n + p_total − k)/s⌉ + 1``, but only
    windows that start inside the input or the padding before it: at most ``⌈(n + p_before)/s⌉``
    (``torch.nn.MaxPool2d``'s rule, which drops one window, in general).

    >>> ceil_output_size(112, 3, 2), conv_output_size(112, 3, 2)   # GoogLeNet's pool after conv1
    (56, 55)
    >>> ceil_output_size(5, 2, 2, 1)    # the last window would start at the padding: dropped
    3
    >>> ceil_output_size(1, 2, 2), ceil_output_size(1, 2, 1)    # one window hangs over the end, if it may
    (1, 0)
    """
    before = padding_before(size, kernel, stride, padding, dilation)
    span = size + padding_total(size, kernel, stride, padding, dilation) - effective_kernel(kernel, dilation)
    # Rounding up lets the last window hang over the end (even the first: ⌈−1/2⌉ + 1 = 1), but a
    # window must start inside the input or the padding before it: PyTorch drops the last one when
    # it would not (with its symmetric padding, at most one); with padding after, maybe more.
    return max(0, min(-(-span // stride) + 1, -(-(size + before) // stride)))


def transposed_output_size(size: int, kernel: int, stride: int = 1, padding: Padding = "valid",
                           output_padding: int | None = None, dilation: int = 1) -> int:
    """Output length of a transposed convolution along one axis, as Keras computes it.

    With ``output_padding``: ``(n − 1)·s − 2p + k + output_padding`` where ``p`` is ``k // 2`` for
    ``same`` and 0 for ``valid`` (``k`` dilated); without it Keras picks ``n·s`` for ``same`` and
    ``n·s + max(k − s, 0)`` for ``valid`` (``keras/src/utils/conv_utils`` ``deconv_output_length``).

    >>> transposed_output_size(28, 2, 2, "same"), transposed_output_size(7, 3, 2, "valid")
    (56, 15)
    >>> transposed_output_size(7, 3, 2, "same", output_padding=1)
    14
    """
    k = effective_kernel(kernel, dilation)
    if output_padding is None:
        if padding == "same":
            return size * stride
        if padding == "valid":
            return size * stride + max(k - stride, 0)
    pad = k // 2 if padding == "same" else 0 if padding == "valid" else padding_before(size, kernel, stride, padding)
    total = 2 * pad if not isinstance(padding, tuple) else padding[0] + padding[1]
    return (size - 1) * stride + k - total + (output_padding or 0)


def conv_weights(kernel_h: int, kernel_w: int, in_channels: int, filters: int, groups: int = 1) -> int:
    """Weights of a 2-D convolution: ``kh·kw·(C/groups)·D`` (:func:`kernel_weights` for any rank).

    >>> conv_weights(3, 3, 3, 64)
    1728
    """
    return kernel_h * kernel_w * (in_channels // groups) * filters


def kernel_weights(kernel: tuple[int, ...], in_channels: int, filters: int, groups: int = 1) -> int:
    """Weights of a convolution of any rank: ``∏k·(C/groups)·D``.

    >>> kernel_weights((3,), 16, 32), kernel_weights((3, 3, 3), 1, 8)
    (1536, 216)
    """
    return math.prod(kernel) * (in_channels // groups) * filters


def conv_macs(out_h: int, out_w: int, kernel_h: int, kernel_w: int, in_channels: int,
              filters: int, groups: int = 1) -> int:
    """Multiply-accumulates of a convolution for one example: one per weight per output position.

    >>> conv_macs(224, 224, 3, 3, 3, 64)
    86704128
    """
    return out_h * out_w * conv_weights(kernel_h, kernel_w, in_channels, filters, groups)


def dense_weights(inputs: int, units: int) -> int:
    """Weights of a fully connected layer: ``N_in·N_out``.

    >>> dense_weights(25088, 4096)
    102760448
    """
    return inputs * units


Number = int | Fraction  # a stride below one (upsampling) makes jumps and offsets fractions


@dataclass(frozen=True)
class Window:
    """What one layer does to the positions of one spatial axis, for the receptive field.

    Attributes:
        kernel: input positions one output position reads (already dilated).
        stride: input positions between two neighbouring outputs.
        before: padding before the first input position (negative: cropping removes positions).
        up: 1 for an ordinary window; ``s > 1`` for a transposed convolution or an upsampling by
            ``s``: the output grid is ``s`` times finer than the input's (a stride of ``1/s``), and
            ``kernel``/``before`` are counted on the output grid.
    """

    kernel: int = 1
    stride: int = 1
    before: int = 0
    up: int = 1


@dataclass(frozen=True)
class Field:
    """Receptive field of one tensor along one axis: size, jump (effective stride) and offset.

    ``size`` is how many input pixels one output value sees; ``jump`` is how many input pixels
    apart two neighbouring output values are; ``offset`` is the input coordinate of the first
    pixel that output position 0 sees, so ``-offset`` is the *effective padding* of
    google-research/receptive_field (Araujo et al., "Computing Receptive Fields of Convolutional
    Neural Networks", Distill 2019). Below a stride of one (upsampling) jump and offset are
    fractions and ``size`` is the largest field over the output positions.
    """

    size: Number = 1
    jump: Number = 1
    offset: Number = 0

    @property
    def padding(self) -> Number:
        """Effective padding: input pixels the first window hangs over the input's start."""
        return -self.offset

    def through(self, window: Window | int, stride: int | None = None) -> Field:
        """The field after a window (``through(kernel, stride)`` is the centred, unpadded one).

        ``r_out = r_in + (k − 1)·j_in``, ``j_out = j_in·s``, ``o_out = o_in − p·j_in``. A transposed
        window with factor ``u`` gives output ``n`` the inputs ``i`` with ``0 ≤ n + p − i·u ≤ k − 1``:
        at most ``⌈k/u⌉`` of them, the first at ``i = ⌈(p − k + 1)/u⌉``; the jump becomes ``j/u``.

        >>> Field().through(3, 1).through(3, 1).through(2, 2)
        Field(size=6, jump=2, offset=0)
        >>> Field().through(Window(3, 1, before=1)).padding
        1
        >>> Field().through(Window(2, 2, up=2))     # a 2x2/2 transposed conv: each output sees one input
        Field(size=1, jump=Fraction(1, 2), offset=0)
        """
        if not isinstance(window, Window):
            window = Window(window, stride or 1)
        if window.up == 1:
            return Field(self.size + (window.kernel - 1) * self.jump, _num(self.jump * window.stride),
                         _num(self.offset - window.before * self.jump))
        u, k, p = window.up, window.kernel, window.before
        seen = -(-k // u)
        first = -((k - 1 - p) // u)  # ⌈(p − k + 1)/u⌉
        return Field(self.size + (seen - 1) * self.jump, _num(Fraction(self.jump) / u),
                     _num(self.offset + first * self.jump))


def _num(x: Number) -> Number:
    """A Fraction with denominator 1 as a plain int (so integer networks print integers)."""
    if isinstance(x, Fraction) and x.denominator == 1:
        return int(x)
    return x


def union(fields: list[Field]) -> Field:
    """The field of a merge: the union of its inputs' windows for output position 0.

    A symmetric 3x3 conv (window −1..1) added to a branch padded ``(0, 2)`` then convolved 3x3
    without padding (window 0..2) sees −1..2: 4 pixels, not 3. The jump is the finest input's
    largest one (the branches of a merge have equal grids, save a broadcast 1x1 one).

    >>> union([Field(3, 1, -1), Field(3, 1, 0)])
    Field(size=4, jump=1, offset=-1)
    >>> union([Field(2, 1, -1), Field(2, 1, 0)])
    Field(size=3, jump=1, offset=-1)
    """
    start = min(f.offset for f in fields)
    end = max(f.offset + f.size for f in fields)
    return Field(_num(end - start), max(f.jump for f in fields), _num(start))


def widest(fields: list[Field]) -> Field:
    """The largest field over some inputs (archcalc's merge rule before :func:`union`).

    >>> widest([Field(3, 1), Field(7, 2)])
    Field(size=7, jump=2, offset=0)
    """
    return max(fields, key=lambda f: (f.size, f.jump))
