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

from dataclasses import dataclass

Padding = int | str  # "same", "valid", or a number of zero pixels added on each side


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
    return 2 * int(padding)


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


def conv_weights(kernel_h: int, kernel_w: int, in_channels: int, filters: int, groups: int = 1) -> int:
    """Weights of a 2-D convolution: ``kh·kw·(C/groups)·D``.

    >>> conv_weights(3, 3, 3, 64)
    1728
    """
    return kernel_h * kernel_w * (in_channels // groups) * filters


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


@dataclass(frozen=True)
class Field:
    """Receptive field of one tensor along one axis: its size and its jump (effective stride).

    ``size`` is how many input pixels one output value sees; ``jump`` is how many input pixels
    apart two neighbouring output values are (Araujo et al., "Computing Receptive Fields of
    Convolutional Neural Networks", Distill 2019).
    """

    size: int = 1
    jump: int = 1

    def through(self, kernel: int, stride: int) -> Field:
        """The field after a window of ``kernel`` (already dilated) and ``stride``.

        ``r_out = r_in + (k − 1)·j_in``, ``j_out = j_in·s``.

        >>> Field().through(3, 1).through(3, 1).through(2, 2)
        Field(size=6, jump=2)
        """
        return Field(self.size + (kernel - 1) * self.jump, self.jump * stride)


def widest(fields: list[Field]) -> Field:
    """The field of a merge: the largest over its inputs (used by branching networks).

    >>> widest([Field(3, 1), Field(7, 2)])
    Field(size=7, jump=2)
    """
    return max(fields, key=lambda f: (f.size, f.jump))
