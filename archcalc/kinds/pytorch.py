"""PyTorch's vocabulary: ``torch.nn`` classes and ``torch.nn.functional`` functions as archcalc kinds.

One table, :data:`TORCH_CLASSES`, says for every supported ``nn.Module`` class its constructor
parameters in signature order, PyTorch's defaults, the kind it becomes and how its arguments become
the kind's (a *builder*, which also checks them against the shape that reaches the layer, as PyTorch
does when the module runs). :func:`torch_layer` is the one entry the code reader
(:mod:`archcalc.torch_code`) and the bridge (``archcalc.from_torch``) use; a live module's constructor
arguments are its attributes under the same names (``conv.kernel_size``, ``bn.num_features``), except
``bias``, which a live module holds as a tensor: pass ``module.bias is not None``.

Shapes are channels-last inside archcalc; PyTorch writes them channels-first. :func:`to_channels_last`
and :func:`to_channels_first` convert one example's shape (no batch axis): ``(3, 32, 32)`` is
``(32, 32, 3)``. Nothing here imports torch.

>>> torch_layer("Conv2d", {"in_channels": 3, "out_channels": 64, "kernel_size": 3, "padding": 1}, (32, 32, 3))
('conv', {'strides': (1, 1), 'padding': (1, 1), 'dilation': (1, 1), 'groups': 1, 'bias': True, \
'activation': None, 'filters': 64, 'kernel': (3, 3)})
>>> torch_layer("MaxPool2d", {"kernel_size": 2}, (32, 32, 64))[1]["strides"]
(2, 2)
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .. import values as V
from ..errors import ShapeError, SpecError
from ..network import Shape
from .base import activation

Args = dict[str, Any]


# ---------------------------------------------------------------------------------------------
# Layout.


def to_channels_last(shape: tuple[int, ...] | list[int]) -> tuple[int, ...]:
    """One example's shape as PyTorch writes it (``C x H x W``) in archcalc's layout (``H x W x C``).

    A flat shape stays as it is; otherwise the first axis (the channels) goes last.

    >>> to_channels_last((3, 224, 224)), to_channels_last((16, 100)), to_channels_last((10,))
    ((224, 224, 3), (100, 16), (10,))
    """
    shape = tuple(shape)
    return shape if len(shape) < 2 else (*shape[1:], shape[0])


def to_channels_first(shape: tuple[int, ...] | list[int]) -> tuple[int, ...]:
    """The inverse of :func:`to_channels_last`: archcalc's ``H x W x C`` as PyTorch's ``C x H x W``.

    >>> to_channels_first((224, 224, 3)), to_channels_first((10,))
    ((3, 224, 224), (10,))
    """
    shape = tuple(shape)
    return shape if len(shape) < 2 else (shape[-1], *shape[:-1])


def torch_shape(shape: Shape) -> str:
    """A channels-last shape as PyTorch prints a batch of it: ``(N, 64, 56, 56)``.

    >>> torch_shape((56, 56, 64)), torch_shape((10,))
    ('(N, 64, 56, 56)', '(N, 10)')
    """
    return "(N, " + ", ".join(map(str, to_channels_first(shape))) + ")"


# ---------------------------------------------------------------------------------------------
# Converters of PyTorch's arguments. Each raises V.BadValue; torch_layer makes it a SpecError.


def _int(what: str, minimum: int = 1) -> Callable[[Any], int]:
    def convert(v: Any) -> int:
        return V.positive_int(v, what) if minimum >= 1 else V.non_negative_int(v, what)
    return convert


def _flag(what: str) -> Callable[[Any], bool]:
    def convert(v: Any) -> bool:
        if not isinstance(v, bool):
            raise V.BadValue(f"{what} must be True or False, got `{v!r}`", f"write {what}=True or {what}=False")
        return v
    return convert


def _per_axis(value: Any, rank: int, what: str, minimum: int = 1) -> tuple[int, ...]:
    """PyTorch's ``_pair``/``_triple``: one int for every axis, or exactly one per axis."""
    convert = _int(what, minimum)
    if isinstance(value, (tuple, list)):
        if len(value) != rank:
            raise V.BadValue(f"{what} has {len(value)} sizes, the layer has {rank} spatial "
                             f"{'axis' if rank == 1 else 'axes'}: `{tuple(value)}`",
                             f"give one number or {rank}")
        return tuple(convert(v) for v in value)
    return (convert(value),) * rank


def _rate(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
        raise V.BadValue(f"dropout probability has to be between 0 and 1, but got {value!r}",
                         "write e.g. p=0.5")
    return float(value)


def _expect(cls: str, what: str, value: int, have: int, shape: Shape, hint: str) -> None:
    if value != have:
        raise ShapeError(f"{cls}({what}={value}) but its input has {have}: {torch_shape(shape)}", hint=hint)


# ---------------------------------------------------------------------------------------------
# Builders: (class name, PyTorch's arguments with defaults filled, input shape, rank) -> kind args.


def _padding(cls: str, kw: Args, rank: int, strides: tuple[int, ...]) -> Any:
    pad = kw["padding"]
    if isinstance(pad, str):
        if pad not in ("same", "valid"):
            raise V.BadValue(f"Invalid padding string '{pad}', should be one of {{'valid', 'same'}}",
                             "write padding='same', padding='valid' or a number of pixels")
        if pad == "same" and set(strides) != {1}:
            raise V.BadValue("padding='same' is not supported for strided convolutions",
                             "give the padding in pixels, e.g. padding=1 for a 3x3 kernel")
        return pad
    return _per_axis(pad, rank, "padding", minimum=0)


def _check_padding_mode(kw: Args, shape: Shape, pad: Any) -> None:
    mode = kw.get("padding_mode", "zeros")
    if mode not in ("zeros", "reflect", "replicate", "circular"):
        raise V.BadValue(f"padding_mode must be one of zeros, reflect, replicate, circular; got '{mode}'",
                         "write padding_mode='zeros' (the default)")
    if mode in ("reflect", "circular") and isinstance(pad, tuple):
        # Same counts as zeros, but PyTorch refuses a reflection wider than the map.
        for n, p in zip(shape[:-1], pad):
            if p > n or (mode == "reflect" and p == n):
                raise ShapeError(f"padding_mode='{mode}' pads {p} but the axis has only {n} positions",
                                 hint=f"'{mode}' padding must be smaller than the map "
                                      f"({'<' if mode == 'reflect' else '≤'} the axis)")


def _conv(cls: str, kw: Args, shape: Shape, rank: int) -> Args:
    c, d, g = kw["in_channels"], kw["out_channels"], kw["groups"]
    _expect(cls, "in_channels", c, shape[-1], shape, "in_channels must be the channels of the input (dim 1)")
    if c % g:
        raise V.BadValue(f"in_channels must be divisible by groups ({c} and groups={g})",
                         "pick groups that divides both in_channels and out_channels")
    if d % g:
        raise V.BadValue(f"out_channels must be divisible by groups ({d} and groups={g})",
                         "pick groups that divides both in_channels and out_channels")
    strides = _per_axis(kw["stride"], rank, "stride")
    pad = _padding(cls, kw, rank, strides)
    _check_padding_mode(kw, shape, pad)
    return {"filters": d, "kernel": _per_axis(kw["kernel_size"], rank, "kernel_size"), "strides": strides,
            "padding": pad, "dilation": _per_axis(kw["dilation"], rank, "dilation"), "groups": g,
            "bias": kw["bias"], "activation": None}


def _linear(cls: str, kw: Args, shape: Shape, rank: int) -> Args:
    # Linear acts on the last axis of PyTorch's (C, H, W): W, archcalc's axis −2 of (H, W, C).
    last = shape[0] if len(shape) == 1 else shape[-2]
    _expect(cls, "in_features", kw.get("in_features", last), last, shape,
            "in_features must be the size of the last axis (flatten first: nn.Flatten() or torch.flatten(x, 1))")
    return {"units": kw["out_features"], "bias": kw["bias"], "activation": None, "flatten": False,
            "axis": -1 if len(shape) == 1 else -2}


def _batchnorm(cls: str, kw: Args, shape: Shape, rank: int) -> Args:
    _expect(cls, "num_features", kw["num_features"], shape[-1], shape,
            "num_features must be the channels of the input (dim 1)")
    return {"center": kw["affine"] and kw["bias"], "scale": kw["affine"],
            "stats": "torch" if kw["track_running_stats"] else "none"}


def _pool(cls: str, kw: Args, shape: Shape, rank: int) -> Args:
    if kw.get("return_indices"):
        raise V.BadValue("return_indices=True makes the layer return (output, indices); archcalc reads one tensor",
                         "leave return_indices out (MaxUnpool is not read either)")
    kernel = _per_axis(kw["kernel_size"], rank, "kernel_size")
    strides = kernel if kw["stride"] is None else _per_axis(kw["stride"], rank, "stride")
    pad = _per_axis(kw["padding"], rank, "padding", minimum=0)
    dilation = _per_axis(kw.get("dilation", 1), rank, "dilation")
    for k, p in zip(kernel, pad):
        # PyTorch's rule, dilated or not: the padding is at most half the window.
        if 2 * p > k:
            raise V.BadValue(f"pad should be at most half of kernel size, but got pad={p} and kernel_size={k}",
                             "use a padding of at most half the kernel")
    return {"pool": kernel, "strides": strides, "padding": pad, "ceil": kw["ceil_mode"], "dilation": dilation}


def _avgpool3d(cls: str, kw: Args, shape: Shape, rank: int) -> Args:
    args = _pool(cls, kw, shape, rank)
    # avg_pool3d alone checks the input without its padding (pool3d_shape_check's check_input_size).
    if any(n < k for n, k in zip(shape[:-1], args["pool"])):
        raise ShapeError(f"{cls}: the input {torch_shape(shape)} is smaller than the kernel {args['pool']}",
                         hint="avg_pool3d needs every axis of the input, padding left out, at least the kernel")
    return args


def _adaptive(cls: str, kw: Args, shape: Shape, rank: int) -> Args:
    if kw.get("return_indices"):
        raise V.BadValue("return_indices=True makes the layer return (output, indices); archcalc reads one tensor",
                         "leave return_indices out")
    size = kw["output_size"]
    sizes = tuple(size) if isinstance(size, (tuple, list)) else (size,) * rank
    if len(sizes) != rank:
        raise V.BadValue(f"output_size has {len(sizes)} sizes, the layer has {rank} spatial "
                         f"{'axis' if rank == 1 else 'axes'}: `{size}`", f"give one number or {rank}")
    # None keeps the input's size along that axis.
    out = tuple(n if o is None else V.positive_int(o, "output_size") for o, n in zip(sizes, shape[:-1]))
    return {"size": out, "grow": True}


def _fixed(args: Args) -> Callable[[str, Args, Shape, int], Args]:
    return lambda cls, kw, shape, rank: dict(args)


def _softmax(cls: str, kw: Args, shape: Shape, rank: int) -> Args:
    dim = kw["dim"]
    if dim is not None:
        n = len(shape) + 1
        d = V._number(dim, "dim")
        if not -n <= d < n:
            raise ShapeError(f"{cls}(dim={d}) is out of range for a {n}-D input {torch_shape(shape)}",
                             hint=f"dim must be in [{-n}, {n - 1}]; dim=1 is the channels")
    return {"function": {"Softmax": "softmax", "LogSoftmax": "log_softmax", "Softmin": "softmin"}[cls]}


def _flatten(cls: str, kw: Args, shape: Shape, rank: int) -> Args:
    n = len(shape) + 1  # PyTorch's dims count the batch
    start, end = (V._number(kw[k], k) for k in ("start_dim", "end_dim"))
    s, e = start % n if -n <= start < n else None, end % n if -n <= end < n else None
    if s is None or e is None:
        raise ShapeError(f"{cls}(start_dim={start}, end_dim={end}) is out of range for a {n}-D input "
                         f"{torch_shape(shape)}", hint=f"dims are in [{-n}, {n - 1}]")
    if s == 0:
        raise V.BadValue("start_dim=0 flattens the batch axis into the values",
                         "flatten from dim 1: nn.Flatten() or torch.flatten(x, 1)")
    if s > e:
        raise ShapeError(f"{cls}: start_dim {start} comes after end_dim {end} for a {n}-D input")
    dims = list(to_channels_first(shape))
    merged = [*dims[:s - 1], math.prod(dims[s - 1:e]), *dims[e:]]
    if len(merged) == 1:
        return {}
    return {"kind": "reshape", "shape": to_channels_last(merged)}


def _prelu(cls: str, kw: Args, shape: Shape, rank: int) -> Args:
    n = kw["num_parameters"]
    c = shape[-1]
    if n not in (1, c):
        raise ShapeError(f"{cls}(num_parameters={n}) needs 1 or the input's channels ({c}): {torch_shape(shape)}",
                         hint="num_parameters is 1 (one slope) or the channels (one per channel)")
    axes = tuple(range(1, len(shape) + (n == 1)))  # shared along all axes but the channels (Keras' 1-based)
    return {"shared_axes": axes}


def _lazy_conv(cls: str, kw: Args, shape: Shape, rank: int) -> Args:
    return _conv(cls, {**kw, "in_channels": shape[-1]}, shape, rank)


def _transposed(cls: str, kw: Args, shape: Shape, rank: int) -> Args:
    c, d, g = kw["in_channels"], kw["out_channels"], kw["groups"]
    _expect(cls, "in_channels", c, shape[-1], shape, "in_channels must be the channels of the input (dim 1)")
    if c % g or d % g:
        raise V.BadValue(f"in_channels and out_channels must be divisible by groups ({c}, {d} and groups={g})",
                         "pick groups that divides both in_channels and out_channels")
    if kw["padding_mode"] != "zeros":
        raise V.BadValue(f"Only \"zeros\" padding mode is supported for {cls}, got '{kw['padding_mode']}'",
                         "leave padding_mode out")
    if isinstance(kw["padding"], str):
        raise V.BadValue(f"{cls} takes its padding in pixels, got '{kw['padding']}'",
                         "write padding=0 (the default) or a number of pixels")
    return {"filters": d, "kernel": _per_axis(kw["kernel_size"], rank, "kernel_size"),
            "strides": _per_axis(kw["stride"], rank, "stride"),
            "padding": _per_axis(kw["padding"], rank, "padding", minimum=0),
            "output_padding": _per_axis(kw["output_padding"], rank, "output_padding", minimum=0),
            "dilation": _per_axis(kw["dilation"], rank, "dilation"), "groups": g, "bias": kw["bias"],
            "activation": None}


def _layernorm(cls: str, kw: Args, shape: Shape, rank: int) -> Args:
    given = kw["normalized_shape"]
    normalized = tuple(given) if isinstance(given, (tuple, list)) else (given,)
    normalized = tuple(V.positive_int(n, "normalized_shape") for n in normalized)
    torch_dims = to_channels_first(shape)
    k = len(normalized)
    if not normalized or k > len(torch_dims) or torch_dims[-k:] != normalized:
        raise ShapeError(f"{cls}(normalized_shape={list(normalized)}) needs an input whose last axes are "
                         f"{list(normalized)}, but its input is {torch_shape(shape)}",
                         hint="normalized_shape lists the last axes of the input as PyTorch lays it out (C, H, W)")
    # PyTorch's axis t of (C, H, W) is archcalc's axis t − 1 of (H, W, C), the channels (t = 0) last;
    # as Keras counts them, from 1.
    axes = tuple(sorted((t - 1 if t else len(shape) - 1) + 1 if len(shape) > 1 else t + 1
                        for t in range(len(torch_dims) - k, len(torch_dims))))
    affine = kw["elementwise_affine"]
    return {"axis": axes, "scale": affine, "center": affine and kw["bias"]}


def _groupnorm(cls: str, kw: Args, shape: Shape, rank: int) -> Args:
    g, c = kw["num_groups"], kw["num_channels"]
    if c % g:
        raise V.BadValue(f"num_channels must be divisible by num_groups ({c} and {g})",
                         "pick a number of groups that divides the channels")
    _expect(cls, "num_channels", c, shape[-1], shape, "num_channels must be the channels of the input (dim 1)")
    return {"groups": g, "scale": kw["affine"], "center": kw["affine"] and kw["bias"], "stats": "none"}


def _instancenorm(cls: str, kw: Args, shape: Shape, rank: int) -> Args:
    # Instance norm is group norm with one channel per group; tracked statistics are buffers.
    _expect(cls, "num_features", kw["num_features"], shape[-1], shape,
            "num_features must be the channels of the input (dim 1)")
    return {"groups": shape[-1], "scale": kw["affine"], "center": kw["affine"] and kw["bias"],
            "stats": "torch" if kw["track_running_stats"] else "none"}


def _embedding(cls: str, kw: Args, shape: Shape, rank: int) -> Args:
    n = kw["num_embeddings"]
    if kw["_weight"] is not None:
        raise V.BadValue("archcalc does not read `_weight`: the table's size is num_embeddings x embedding_dim",
                         "leave _weight out; the count is the same")
    if kw["padding_idx"] is not None and not -n <= V._number(kw["padding_idx"], "padding_idx") < n:
        raise V.BadValue(f"Padding_idx must be within num_embeddings ({kw['padding_idx']} for {n})",
                         f"padding_idx is a token index, from {-n} to {n - 1}")
    return {"vocabulary": n, "dim": kw["embedding_dim"], "channels_first": True}


def _padding_pairs(cls: str, padding: Any, shape: Shape, k: int) -> tuple[tuple[int, int], ...]:
    """PyTorch's padding of the last ``k`` axes (``(left, right, top, bottom, front, back)``: the last
    axis first) as (before, after) pairs of archcalc's spatial axes, in their order."""
    pads = (padding,) * 2 * k if not isinstance(padding, (tuple, list)) else tuple(padding)
    if len(pads) != 2 * k:
        raise V.BadValue(f"padding must be one number or {2 * k} numbers (before and after each of the last {k} "
                         f"{'axis' if k == 1 else 'axes'}), got `{padding}`")
    pads = tuple(V._number(p, "padding") for p in pads)
    grid = shape[:-1]
    if len(grid) < k:
        raise ShapeError(f"{cls} pads the last {k} axes of its input {torch_shape(shape)}: the channels too",
                         hint="archcalc pads spatial axes only (ZeroPad2d on N x C x H x W)")
    pairs = [(pads[2 * j], pads[2 * j + 1]) for j in range(k)][::-1]  # the last axis was first
    return ((0, 0),) * (len(grid) - k) + tuple(pairs)


def _pad(cls: str, kw: Args, shape: Shape, rank: int) -> Args:
    pairs = _padding_pairs(cls, kw["padding"], shape, rank)
    mode = kw.get("mode", "constant")
    if mode in ("reflect", "circular"):
        for n, (a, b) in zip(shape[:-1], pairs):
            if max(a, b) > n or (mode == "reflect" and max(a, b) == n):
                raise ShapeError(f"{cls}: {mode} padding of {max(a, b)} on an axis of {n} positions",
                                 hint=f"{mode} padding must be {'smaller than' if mode == 'reflect' else 'at most'} "
                                      "the axis")
    negative = [p for pair in pairs for p in pair if p < 0]
    if not negative:
        return {"padding": pairs}
    if mode != "constant" or len(negative) != sum(1 for pair in pairs for p in pair if p):
        raise V.BadValue(f"padding {kw['padding']} both pads and crops",
                         "crop and pad in two layers, or pad with numbers of one sign")
    return {"kind": "crop", "cropping": tuple((-a, -b) for a, b in pairs)}


def _shuffle(cls: str, kw: Args, shape: Shape, rank: int) -> Args:
    return {"groups": kw["groups"]}


_INTERPOLATING = {"nearest": (1, 2, 3), "nearest-exact": (1, 2, 3), "area": (1, 2, 3), "linear": (1,),
                  "bilinear": (2,), "bicubic": (2,), "trilinear": (3,)}


def _upsample(cls: str, kw: Args, shape: Shape, rank: int) -> Args:
    size, scale, mode = kw["size"], kw["scale_factor"], kw.get("mode", "nearest")
    if (size is None) == (scale is None):
        raise V.BadValue("either size or scale_factor should be defined, not both" if size is not None else
                         "either size or scale_factor should be defined", "give one of them")
    if mode not in _INTERPOLATING:
        raise V.BadValue(f"unknown mode '{mode}'", "use " + ", ".join(_INTERPOLATING))
    grid = shape[:-1]
    if len(shape) < 2 or len(grid) not in _INTERPOLATING[mode]:
        raise ShapeError(f"{cls}: mode '{mode}' needs a "
                         f"{' or '.join(f'{r + 2}-D' for r in _INTERPOLATING[mode])} input, got {torch_shape(shape)}",
                         hint="linear is for N x C x L, bilinear and bicubic for N x C x H x W, trilinear for 5-D")
    if kw.get("align_corners") is not None and mode in ("nearest", "nearest-exact", "area"):
        raise V.BadValue("align_corners option can only be set with the interpolating modes: "
                         "linear | bilinear | bicubic | trilinear", "leave align_corners out")
    r = len(grid)
    if size is not None:
        out = tuple(_per_axis(size, r, "size"))
    else:
        factors = tuple(scale) if isinstance(scale, (tuple, list)) else (scale,) * r
        if len(factors) != r or any(isinstance(f, bool) or not isinstance(f, (int, float))
                                    or not math.isfinite(f) or f <= 0 for f in factors):  # 1e400 is inf
            raise V.BadValue(f"scale_factor must be a positive number or {r} of them, got `{scale}`")
        out = tuple(math.floor(n * float(f)) for n, f in zip(grid, factors))  # PyTorch: ⌊n·s⌋ in double
        if min(out) < 1:
            raise ShapeError(f"{cls}: Input and output sizes should be greater than 0, got {list(out)}",
                             hint="use a larger scale_factor")
    if all(o % n == 0 for o, n in zip(out, grid)):
        return {"kind": "upsample", "size": tuple(o // n for o, n in zip(out, grid))}
    if r == 2:
        return {"kind": "resize", "height": out[0], "width": out[1]}
    raise ShapeError(f"{cls} to {list(out)} from {list(grid)}: archcalc resamples by whole factors, or images "
                     "(H x W) to any size", hint="use a whole scale_factor")


def _unflatten(cls: str, kw: Args, shape: Shape, rank: int) -> Args:
    dims = list(to_channels_first(shape))
    n = len(dims) + 1
    d = V._number(kw["dim"], "dim")
    if not -n <= d < n:
        raise ShapeError(f"{cls}(dim={d}) is out of range for a {n}-D input {torch_shape(shape)}")
    d %= n
    if d == 0:
        raise V.BadValue("dim=0 is the batch axis", "unflatten a dim from 1 on")
    sizes = [V._number(x, "unflattened_size") for x in kw["unflattened_size"]]
    if sizes.count(-1) > 1 or any(x < 1 and x != -1 for x in sizes):
        raise V.BadValue(f"unflattened_size must be positive sizes, one of them may be -1: `{sizes}`")
    size, known = dims[d - 1], math.prod(x for x in sizes if x != -1)
    if -1 in sizes:
        if size % known:
            raise ShapeError(f"{cls}: {sizes} cannot hold the {size} values of dim {d}")
        sizes = [size // known if x == -1 else x for x in sizes]
    if math.prod(sizes) != size:
        raise ShapeError(f"{cls}: unflattened_size {sizes} must multiply to the {size} values of dim {d}")
    return {"kind": "reshape", "shape": to_channels_last([*dims[:d - 1], *sizes, *dims[d:]])}


# ---------------------------------------------------------------------------------------------
# The table.


@dataclass(frozen=True)
class TorchClass:
    """How one ``torch.nn`` class becomes an archcalc kind.

    Attributes:
        kind: the registered kind (:data:`archcalc.kinds.KINDS`).
        params: the constructor's parameters in signature order (``self`` left out).
        defaults: PyTorch's defaults of the optional ones; the others are required.
        build: (class name, arguments, input shape, rank) → the kind's arguments; it checks what
            PyTorch checks when the module runs and raises ShapeError or V.BadValue.
        ranks: the channels-last input lengths the class takes (``Conv2d``: 3, ``H x W x C``);
            empty: any.
        rank: the spatial rank of a 1-D/2-D/3-D class (0: the input's).
        ignored: parameters that change no count (``inplace``, ``eps``, ``momentum``).
        converters: checks of single arguments (V.BadValue when bad), run before ``build``.
        keywords: keyword-only parameters (after ``*`` in the signature: batch norm's ``bias``).
    """

    kind: str
    params: tuple[str, ...]
    defaults: dict[str, Any]
    build: Callable[[str, Args, Shape, int], Args]
    ranks: tuple[int, ...] = ()
    rank: int = 0
    ignored: tuple[str, ...] = ()
    converters: dict[str, Callable[[Any], Any]] = field(default_factory=dict)
    keywords: tuple[str, ...] = ()

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(p for p in self.params if p not in self.defaults)

    @property
    def names(self) -> tuple[str, ...]:
        """Every parameter, positional ones first."""
        return self.params + self.keywords


#: Accepted by every class and ignored: where the weights live changes no count.
COMMON_IGNORED = ("device", "dtype")

_CONV_PARAMS = ("in_channels", "out_channels", "kernel_size", "stride", "padding", "dilation", "groups", "bias",
                "padding_mode")
_CONV_DEFAULTS = {"stride": 1, "padding": 0, "dilation": 1, "groups": 1, "bias": True, "padding_mode": "zeros"}
_CONV_CONVERT = {"in_channels": _int("in_channels"), "out_channels": _int("out_channels"),
                 "groups": _int("groups"), "bias": _flag("bias")}
_TRANSPOSED_PARAMS = ("in_channels", "out_channels", "kernel_size", "stride", "padding", "output_padding", "groups",
                      "bias", "dilation", "padding_mode")
_TRANSPOSED_DEFAULTS = {"stride": 1, "padding": 0, "output_padding": 0, "groups": 1, "bias": True, "dilation": 1,
                        "padding_mode": "zeros"}
#: The padding classes by their mode (all counted as zero padding: the same shape, no weights).
_PADS = {"ZeroPad": "constant", "ConstantPad": "constant", "ReflectionPad": "reflect", "ReplicationPad": "replicate",
         "CircularPad": "circular"}
_PADS_ALONE = ("ZeroPad", "ReflectionPad", "ReplicationPad", "CircularPad")


def _with(fixed: Args, build: Callable[[str, Args, Shape, int], Args]) -> Callable[[str, Args, Shape, int], Args]:
    """``build`` with some arguments fixed by the class (``UpsamplingBilinear2d``'s mode)."""
    return lambda cls, kw, shape, rank: build(cls, {**kw, **fixed}, shape, rank)


_BN_PARAMS = ("num_features", "eps", "momentum", "affine", "track_running_stats")
_BN_DEFAULTS = {"eps": 1e-5, "momentum": 0.1, "affine": True, "track_running_stats": True, "bias": True}
_BN_CONVERT = {"num_features": _int("num_features"), "affine": _flag("affine"),
               "track_running_stats": _flag("track_running_stats"), "bias": _flag("bias")}
_MAXPOOL_PARAMS = ("kernel_size", "stride", "padding", "dilation", "return_indices", "ceil_mode")
_MAXPOOL_DEFAULTS = {"stride": None, "padding": 0, "dilation": 1, "return_indices": False, "ceil_mode": False}
_AVGPOOL_PARAMS = {1: ("kernel_size", "stride", "padding", "ceil_mode", "count_include_pad"),
                   2: ("kernel_size", "stride", "padding", "ceil_mode", "count_include_pad", "divisor_override"),
                   3: ("kernel_size", "stride", "padding", "ceil_mode", "count_include_pad", "divisor_override")}
_AVGPOOL_DEFAULTS = {"stride": None, "padding": 0, "ceil_mode": False, "count_include_pad": True,
                     "divisor_override": None}  # AvgPool1d has no divisor_override
_POOL_CONVERT = {"ceil_mode": _flag("ceil_mode"), "return_indices": _flag("return_indices")}


def _activation(function: str | None, params: tuple[str, ...] = ("inplace",), defaults: Args | None = None,
                ignored: tuple[str, ...] | None = None) -> TorchClass:
    """An element-wise function: the ``activation`` kind, its parameters changing no count."""
    defaults = {"inplace": False} if defaults is None and "inplace" in params else defaults or {}
    return TorchClass("activation", params, defaults, _fixed({"function": activation(function)}),
                      ignored=params if ignored is None else ignored)


TORCH_CLASSES: dict[str, TorchClass] = {
    **{f"Conv{r}d": TorchClass("conv", _CONV_PARAMS, _CONV_DEFAULTS, _conv, (r + 1,), r, (),
                               _CONV_CONVERT) for r in (1, 2, 3)},
    **{f"LazyConv{r}d": TorchClass("conv", _CONV_PARAMS[1:], _CONV_DEFAULTS, _lazy_conv, (r + 1,), r, (),
                                   _CONV_CONVERT) for r in (1, 2, 3)},
    **{f"ConvTranspose{r}d": TorchClass("deconv", _TRANSPOSED_PARAMS, _TRANSPOSED_DEFAULTS, _transposed, (r + 1,), r,
                                        (), _CONV_CONVERT) for r in (1, 2, 3)},
    "LayerNorm": TorchClass("layernorm", ("normalized_shape", "eps", "elementwise_affine", "bias"),
                            {"eps": 1e-5, "elementwise_affine": True, "bias": True}, _layernorm, (), 0, ("eps",),
                            {"elementwise_affine": _flag("elementwise_affine"), "bias": _flag("bias")}),
    "GroupNorm": TorchClass("groupnorm", ("num_groups", "num_channels", "eps", "affine"),
                            {"eps": 1e-5, "affine": True, "bias": True}, _groupnorm, (), 0, ("eps",),
                            {"num_groups": _int("num_groups"), "num_channels": _int("num_channels"),
                             "affine": _flag("affine"), "bias": _flag("bias")}, ("bias",)),
    **{f"InstanceNorm{r}d": TorchClass("groupnorm", _BN_PARAMS, {**_BN_DEFAULTS, "affine": False,
                                                                 "track_running_stats": False},
                                       _instancenorm, (r + 1,), 0, ("eps", "momentum"), _BN_CONVERT, ("bias",))
       for r in (1, 2, 3)},
    "Embedding": TorchClass("embedding", ("num_embeddings", "embedding_dim", "padding_idx", "max_norm", "norm_type",
                                          "scale_grad_by_freq", "sparse", "_weight", "_freeze"),
                            {"padding_idx": None, "max_norm": None, "norm_type": 2.0, "scale_grad_by_freq": False,
                             "sparse": False, "_weight": None, "_freeze": False}, _embedding, (), 0,
                            ("max_norm", "norm_type", "scale_grad_by_freq", "sparse", "_freeze"),
                            {"num_embeddings": _int("num_embeddings"), "embedding_dim": _int("embedding_dim")}),
    **{f"{name}{r}d": TorchClass("zeropad", ("padding",) if name in _PADS_ALONE else ("padding", "value"), {},
                                 _with({"mode": mode}, _pad), () if mode == "constant" else (r + 1,), r)
       for name, mode in _PADS.items() for r in (1, 2, 3)},
    "ChannelShuffle": TorchClass("channel_shuffle", ("groups",), {}, _shuffle, (), 0, (), {"groups": _int("groups")}),
    "Upsample": TorchClass("upsample", ("size", "scale_factor", "mode", "align_corners", "recompute_scale_factor"),
                           {"size": None, "scale_factor": None, "mode": "nearest", "align_corners": None,
                            "recompute_scale_factor": None}, _upsample, (), 0, ("recompute_scale_factor",)),
    "UpsamplingNearest2d": TorchClass("upsample", ("size", "scale_factor"), {"size": None, "scale_factor": None},
                                      _with({"mode": "nearest"}, _upsample)),
    "UpsamplingBilinear2d": TorchClass("upsample", ("size", "scale_factor"), {"size": None, "scale_factor": None},
                                       _with({"mode": "bilinear", "align_corners": True}, _upsample)),
    "Unflatten": TorchClass("reshape", ("dim", "unflattened_size"), {}, _unflatten),
    "Linear": TorchClass("dense", ("in_features", "out_features", "bias"), {"bias": True}, _linear, (),
                         0, (), {"in_features": _int("in_features"), "out_features": _int("out_features"),
                                 "bias": _flag("bias")}),
    "LazyLinear": TorchClass("dense", ("out_features", "bias"), {"bias": True}, _linear, (), 0, (),
                             {"out_features": _int("out_features"), "bias": _flag("bias")}),
    **{f"BatchNorm{r}d": TorchClass("batchnorm", _BN_PARAMS, _BN_DEFAULTS, _batchnorm,
                                    (1, 2) if r == 1 else (r + 1,), 0, ("eps", "momentum"), _BN_CONVERT, ("bias",))
       for r in (1, 2, 3)},
    **{f"MaxPool{r}d": TorchClass("maxpool", _MAXPOOL_PARAMS, _MAXPOOL_DEFAULTS, _pool, (r + 1,), r, (),
                                  _POOL_CONVERT) for r in (1, 2, 3)},
    **{f"AvgPool{r}d": TorchClass("avgpool", _AVGPOOL_PARAMS[r],
                                  {k: v for k, v in _AVGPOOL_DEFAULTS.items() if k in _AVGPOOL_PARAMS[r]},
                                  _avgpool3d if r == 3 else _pool, (r + 1,), r,
                                  ("count_include_pad", "divisor_override"), _POOL_CONVERT) for r in (1, 2, 3)},
    **{f"Adaptive{op}Pool{r}d": TorchClass(f"adaptive_{op.lower()}pool",
                                           ("output_size", "return_indices") if op == "Max" else ("output_size",),
                                           {"return_indices": False} if op == "Max" else {}, _adaptive, (r + 1,), r,
                                           (), {"return_indices": _flag("return_indices")})
       for op in ("Avg", "Max") for r in (1, 2, 3)},
    **{name: TorchClass("dropout", ("p", "inplace"), {"p": 0.5, "inplace": False},
                        lambda cls, kw, shape, rank: {"rate": kw["p"]}, (), 0, ("inplace",), {"p": _rate})
       for name in ("Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout", "FeatureAlphaDropout")},
    "Flatten": TorchClass("flatten", ("start_dim", "end_dim"), {"start_dim": 1, "end_dim": -1}, _flatten),
    "Identity": TorchClass("activation", (), {}, _fixed({"function": None})),  # nn.Identity(*args) ignores them
    "ReLU": _activation("relu"),
    "ReLU6": _activation("relu6"),
    "Sigmoid": _activation("sigmoid", ()),
    "Tanh": _activation("tanh", ()),
    "SELU": _activation("selu"),
    "SiLU": _activation("silu"),
    "Mish": _activation("mish"),
    "Hardswish": _activation("hard_swish"),
    "Hardsigmoid": _activation("hard_sigmoid"),
    "GELU": _activation("gelu", ("approximate",), {"approximate": "none"}),
    "ELU": _activation("elu", ("alpha", "inplace"), {"alpha": 1.0, "inplace": False}),
    "CELU": _activation("celu", ("alpha", "inplace"), {"alpha": 1.0, "inplace": False}),
    "LeakyReLU": _activation("leaky_relu", ("negative_slope", "inplace"), {"negative_slope": 0.01, "inplace": False}),
    "Softplus": _activation("softplus", ("beta", "threshold"), {"beta": 1.0, "threshold": 20.0}),
    "Softsign": _activation("softsign", ()),
    "Hardtanh": _activation("hard_tanh", ("min_val", "max_val", "inplace", "min_value", "max_value"),
                            {"min_val": -1.0, "max_val": 1.0, "inplace": False, "min_value": None, "max_value": None}),
    "LogSigmoid": _activation("log_sigmoid", ()),
    "Tanhshrink": _activation("tanh_shrink", ()),
    "Hardshrink": _activation("hard_shrink", ("lambd",), {"lambd": 0.5}),
    "Softshrink": _activation("soft_shrink", ("lambd",), {"lambd": 0.5}),
    "Softmax2d": TorchClass("activation", (), {}, _fixed({"function": "softmax"}), (2, 3)),
    "Softmin": TorchClass("activation", ("dim",), {"dim": None}, _softmax),
    **{name: TorchClass("activation", ("dim",), {"dim": None}, _softmax) for name in ("Softmax", "LogSoftmax")},
    "PReLU": TorchClass("prelu", ("num_parameters", "init"), {"num_parameters": 1, "init": 0.25}, _prelu, (), 0,
                        ("init",), {"num_parameters": _int("num_parameters")}),
}

#: PyTorch class names → (kind, fixed arguments), as :data:`archcalc.kinds.KERAS_NAMES` for Keras.
TORCH_NAMES: dict[str, tuple[str, Args]] = {
    name: (spec.kind, {"rank": spec.rank} if spec.rank in (1, 3) and spec.ranks == (spec.rank + 1,) else {})
    for name, spec in TORCH_CLASSES.items()}

#: Each class's constructor parameters in signature order, to bind positional arguments.
TORCH_PARAMS: dict[str, tuple[str, ...]] = {name: spec.params for name, spec in TORCH_CLASSES.items()}


def torch_bind(class_name: str, args: list[Any] | tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
    """Positional and keyword arguments of a constructor call as one keyword dict.

    Raises:
        SpecError: an unknown class, too many positional arguments, or one given twice.

    >>> torch_bind("Conv2d", [3, 64, 3], {"padding": 1})
    {'in_channels': 3, 'out_channels': 64, 'kernel_size': 3, 'padding': 1}
    """
    spec = _spec(class_name)
    if len(args) > len(spec.params):
        raise SpecError(f"`{class_name}` takes at most {len(spec.params)} positional arguments, got {len(args)}",
                        hint=f"its arguments are: {', '.join(spec.params) or 'none'}")
    bound = dict(zip(spec.params, args))
    for key, value in kwargs.items():
        if key in bound:
            raise SpecError(f"`{class_name}` got `{key}` twice")
        bound[key] = value
    return bound


def _spec(class_name: str) -> TorchClass:
    try:
        return TORCH_CLASSES[class_name]
    except KeyError:
        close = difflib.get_close_matches(class_name, TORCH_CLASSES, n=1)
        raise SpecError(f"archcalc does not know the PyTorch layer `nn.{class_name}`",
                        hint=f"did you mean `nn.{close[0]}`?" if close else
                        "see docs/spec-language.md (PyTorch) for the layers archcalc reads") from None


def torch_layer(class_name: str, kwargs: dict[str, Any], in_shape: Shape) -> tuple[str, Args]:
    """The kind and arguments of ``torch.nn.<class_name>(**kwargs)`` applied to a channels-last shape.

    Args:
        class_name: the class's name, without its module (``Conv2d``).
        kwargs: the constructor's arguments by name (:func:`torch_bind` binds positional ones);
            PyTorch's defaults fill the others.
        in_shape: one example's input shape, channels-last (:func:`to_channels_last`).

    Returns:
        the kind's name and its arguments, every default filled in.

    Raises:
        SpecError: an unknown class or argument, a missing or bad value, or one PyTorch refuses.
        ShapeError: the layer cannot take the shape (``in_channels`` differs from the input's).

    >>> torch_layer("BatchNorm2d", {"num_features": 64}, (56, 56, 64))
    ('batchnorm', {'center': True, 'scale': True, 'stats': 'torch'})
    >>> torch_layer("Conv2d", {"in_channels": 3, "out_channels": 8, "kernel_size": 3}, (32, 32, 1))
    Traceback (most recent call last):
    ...
    archcalc.errors.ShapeError: Conv2d(in_channels=3) but its input has 1: (N, 1, 32, 32)
    """
    from . import KINDS

    spec = _spec(class_name)
    for key in kwargs:
        if key not in spec.names and key not in COMMON_IGNORED:
            close = difflib.get_close_matches(key, spec.names, n=1)
            raise SpecError(f"`nn.{class_name}` has no argument `{key}`",
                            hint=f"did you mean `{close[0]}`?" if close else
                            f"its arguments are: {', '.join(spec.names) or 'none'}")
    missing = [p for p in spec.required if p not in kwargs]
    if missing:
        raise SpecError(f"`nn.{class_name}` needs `{missing[0]}`",
                        hint=f"its arguments are: {', '.join(spec.params)}")
    shape = tuple(in_shape)
    if spec.ranks and len(shape) not in spec.ranks:
        want = " or ".join(f"{n + 1}-D" for n in spec.ranks)
        raise ShapeError(f"nn.{class_name} needs a {want} input (batch included), but its input is "
                         f"{torch_shape(shape)} ({len(shape) + 1}-D)",
                         hint="check the layer before it (Conv2d takes N x C x H x W, Conv1d N x C x L)")
    values = {**spec.defaults, **{k: v for k, v in kwargs.items() if k not in COMMON_IGNORED}}
    # A required argument that is None (a helper's `mid_channels=None` passed on) is no size: PyTorch fails
    # with a TypeError when it builds the module; the converters below leave None to the builders.
    unset = [p for p in spec.required if values[p] is None]
    if unset:
        raise SpecError(f"`nn.{class_name}`: `{unset[0]}` is None", hint=f"give `{unset[0]}` a number")
    rank = spec.rank or max(len(shape) - 1, 1)
    try:
        for key, convert in spec.converters.items():
            if key in values and values[key] is not None:
                values[key] = convert(values[key])
        args = spec.build(class_name, values, shape, rank)
    except V.BadValue as e:
        raise SpecError(f"`nn.{class_name}`: {e.message}", hint=e.hint) from None
    kind = args.pop("kind", spec.kind)
    preset = TORCH_NAMES[class_name][1] if kind == spec.kind else {}
    return kind, {**KINDS[kind].defaults, **preset, **args}


# ---------------------------------------------------------------------------------------------
# Functions: ``torch.nn.functional.relu(x)``, ``torch.flatten(x, 1)`` are their classes applied once.


@dataclass(frozen=True)
class TorchFunction:
    """A function of ``torch`` or ``torch.nn.functional`` as the class it computes.

    Attributes:
        class_name: the ``torch.nn`` class of :data:`TORCH_CLASSES` it computes.
        params: the function's parameters after the input tensor, in signature order.
        defaults: the function's defaults where they differ from the class's (``torch.flatten``
            starts at dim 0, ``nn.Flatten`` at 1).
        ignored: parameters the class has not and that change no count (``training``, ``dtype``).
    """

    class_name: str
    params: tuple[str, ...]
    defaults: dict[str, Any] = field(default_factory=dict)
    ignored: tuple[str, ...] = ()
    #: For a function whose class depends on its arguments (``F.pad``: the mode and the length of
    #: ``pad``): (arguments, input shape) → (class name, the class's arguments).
    pick: Callable[[Args, Shape], tuple[str, Args]] | None = None


_PAD_CLASSES = {"constant": "ConstantPad", "reflect": "ReflectionPad", "replicate": "ReplicationPad",
                "circular": "CircularPad"}


def _pick_pad(kw: Args, shape: Shape) -> tuple[str, Args]:
    """``F.pad(x, pad, mode, value)`` as the padding class of its mode and of ``len(pad) / 2`` axes."""
    pad, mode = kw.get("pad"), kw.get("mode", "constant")
    if mode not in _PAD_CLASSES:
        raise SpecError(f"`torch.nn.functional.pad`: unknown padding mode '{mode}'",
                        hint="use constant, reflect, replicate or circular")
    if not isinstance(pad, (tuple, list)) or len(pad) % 2 or not 2 <= len(pad) <= 6:
        raise SpecError(f"`torch.nn.functional.pad`: pad must be 2, 4 or 6 numbers (before and after each of the "
                        f"last axes, the last axis first), got `{pad}`", hint="write e.g. F.pad(x, (1, 1, 1, 1))")
    cls = f"{_PAD_CLASSES[mode]}{len(pad) // 2}d"
    args: Args = {"padding": tuple(pad)}
    if mode == "constant":
        args["value"] = 0.0 if kw.get("value") is None else kw["value"]
    elif kw.get("value") not in (None, 0, 0.0):
        raise SpecError(f"`torch.nn.functional.pad`: padding mode \"{mode}\" doesn't take in value argument")
    return cls, args


def _functions() -> dict[str, TorchFunction]:
    F, T = "torch.nn.functional.", "torch."
    table: dict[str, TorchFunction] = {}
    for name, cls in (("relu", "ReLU"), ("relu6", "ReLU6"), ("selu", "SELU"), ("silu", "SiLU"), ("mish", "Mish"),
                      ("hardswish", "Hardswish"), ("hardsigmoid", "Hardsigmoid")):
        table[F + name] = TorchFunction(cls, ("inplace",))
    for name, cls in (("sigmoid", "Sigmoid"), ("tanh", "Tanh"), ("softsign", "Softsign")):
        table[F + name] = TorchFunction(cls, ())
    for name, cls in (("relu", "ReLU"), ("sigmoid", "Sigmoid"), ("tanh", "Tanh"), ("selu", "SELU")):
        table[T + name] = TorchFunction(cls, ())
    table[F + "gelu"] = TorchFunction("GELU", ("approximate",))
    table[F + "elu"] = TorchFunction("ELU", ("alpha", "inplace"))
    table[F + "celu"] = TorchFunction("CELU", ("alpha", "inplace"))
    table[F + "leaky_relu"] = TorchFunction("LeakyReLU", ("negative_slope", "inplace"))
    table[F + "softplus"] = TorchFunction("Softplus", ("beta", "threshold"))
    for name, cls in (("softmax", "Softmax"), ("log_softmax", "LogSoftmax")):
        table[F + name] = TorchFunction(cls, ("dim", "_stacklevel", "dtype"), ignored=("_stacklevel", "dtype"))
        table[T + name] = TorchFunction(cls, ("dim", "dtype"), ignored=("dtype",))
    for r in (1, 2, 3):
        table[F + f"max_pool{r}d"] = TorchFunction(
            f"MaxPool{r}d", ("kernel_size", "stride", "padding", "dilation", "ceil_mode", "return_indices"))
        table[F + f"avg_pool{r}d"] = TorchFunction(f"AvgPool{r}d", _AVGPOOL_PARAMS[r])
        table[F + f"adaptive_avg_pool{r}d"] = TorchFunction(f"AdaptiveAvgPool{r}d", ("output_size",))
        table[F + f"adaptive_max_pool{r}d"] = TorchFunction(f"AdaptiveMaxPool{r}d", ("output_size", "return_indices"))
    table[F + "dropout"] = TorchFunction("Dropout", ("p", "training", "inplace"), ignored=("training",))
    for name in ("dropout1d", "dropout2d", "dropout3d", "alpha_dropout", "feature_alpha_dropout"):
        cls = {"alpha_dropout": "AlphaDropout", "feature_alpha_dropout": "FeatureAlphaDropout"}.get(
            name, f"Dropout{name[-2:]}")
        table[F + name] = TorchFunction(cls, ("p", "training", "inplace"), ignored=("training",))
    table[T + "dropout"] = TorchFunction("Dropout", ("p", "train"), ignored=("train",))
    table[T + "flatten"] = TorchFunction("Flatten", ("start_dim", "end_dim"), {"start_dim": 0})
    table[F + "pad"] = TorchFunction("ConstantPad2d", ("pad", "mode", "value"), pick=_pick_pad)
    upsample = ("size", "scale_factor", "mode", "align_corners", "recompute_scale_factor")
    table[F + "interpolate"] = TorchFunction("Upsample", (*upsample, "antialias"), ignored=("antialias",))
    table[F + "upsample"] = TorchFunction("Upsample", upsample)
    table[F + "upsample_nearest"] = TorchFunction("UpsamplingNearest2d", ("size", "scale_factor"))
    table[F + "upsample_bilinear"] = TorchFunction("UpsamplingBilinear2d", ("size", "scale_factor"))
    table[F + "channel_shuffle"] = TorchFunction("ChannelShuffle", ("groups",))
    table[T + "channel_shuffle"] = TorchFunction("ChannelShuffle", ("groups",))
    table[F + "hardtanh"] = TorchFunction("Hardtanh", ("min_val", "max_val", "inplace"))
    table[F + "logsigmoid"] = TorchFunction("LogSigmoid", ())
    table[F + "tanhshrink"] = TorchFunction("Tanhshrink", ())
    table[F + "hardshrink"] = TorchFunction("Hardshrink", ("lambd",))
    table[F + "softshrink"] = TorchFunction("Softshrink", ("lambd",))
    table[F + "softmin"] = TorchFunction("Softmin", ("dim", "_stacklevel", "dtype"), ignored=("_stacklevel", "dtype"))
    # Methods of a tensor (``x.flatten(1)``, ``x.relu()``): the reader calls them by these names.
    M = "torch.Tensor."
    table[M + "flatten"] = TorchFunction("Flatten", ("start_dim", "end_dim"), {"start_dim": 0})
    for name, cls in (("relu", "ReLU"), ("sigmoid", "Sigmoid"), ("tanh", "Tanh")):
        table[M + name] = TorchFunction(cls, ())
    for name, cls in (("softmax", "Softmax"), ("log_softmax", "LogSoftmax")):
        table[M + name] = TorchFunction(cls, ("dim", "dtype"), ignored=("dtype",))
    return table


#: Functions by their full dotted name (``torch.nn.functional.relu``, ``torch.flatten``) → the class
#: they compute. The reader resolves ``F.relu`` through the code's imports first; a tensor's methods
#: are ``torch.Tensor.<name>`` (``x.flatten(1)``).
TORCH_FUNCTIONS: dict[str, TorchFunction] = _functions()


def torch_function(name: str, args: list[Any] | tuple[Any, ...], kwargs: dict[str, Any],
                   in_shape: Shape) -> tuple[str, Args]:
    """The kind and arguments of a call ``name(x, *args, **kwargs)`` on a tensor of ``in_shape``.

    Args:
        name: the function's full dotted name (a key of :data:`TORCH_FUNCTIONS`).
        args: the positional arguments after the input tensor.
        kwargs: the keyword arguments.
        in_shape: the input tensor's shape, channels-last.

    >>> torch_function("torch.nn.functional.max_pool2d", [2], {}, (28, 28, 6))
    ('maxpool', {'padding': (0, 0), 'ceil': False, 'pool': (2, 2), 'strides': (2, 2), 'dilation': (1, 1)})
    >>> torch_function("torch.flatten", [], {}, (5, 5, 16))
    Traceback (most recent call last):
    ...
    archcalc.errors.SpecError: `torch.flatten`: start_dim=0 flattens the batch axis into the values
    """
    try:
        fn = TORCH_FUNCTIONS[name]
    except KeyError:
        close = difflib.get_close_matches(name, TORCH_FUNCTIONS, n=1)
        raise SpecError(f"archcalc does not know the PyTorch function `{name}`",
                        hint=f"did you mean `{close[0]}`?" if close else
                        "see docs/spec-language.md (PyTorch) for the functions archcalc reads") from None
    if len(args) > len(fn.params):
        raise SpecError(f"`{name}` takes at most {len(fn.params)} arguments after the tensor, got {len(args)}",
                        hint=f"its arguments are: {', '.join(fn.params) or 'none'}")
    bound = dict(zip(fn.params, args))
    for key, value in kwargs.items():
        if key in bound:
            raise SpecError(f"`{name}` got `{key}` twice")
        if key not in fn.params:
            close = difflib.get_close_matches(key, fn.params, n=1)
            raise SpecError(f"`{name}` has no argument `{key}`",
                            hint=f"did you mean `{close[0]}`?" if close else
                            f"its arguments are: {', '.join(fn.params) or 'none'}")
        bound[key] = value
    given = {**fn.defaults, **{k: v for k, v in bound.items() if k not in fn.ignored}}
    class_name = fn.class_name
    if fn.pick is not None:
        class_name, given = fn.pick(given, tuple(in_shape))
    try:
        return torch_layer(class_name, given, in_shape)
    except SpecError as e:
        e.message = e.message.replace(f"`nn.{class_name}`", f"`{name}`")
        e.args = (e.message,)
        raise
