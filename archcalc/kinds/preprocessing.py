"""Preprocessing and data-augmentation layers: they change the values or the size of the image,
never the learned weights (Normalization's statistics are non-trainable weights).

>>> from archcalc.kinds import KINDS
>>> e = KINDS["normalize"].infer({"given": False}, [(224, 224, 3)])
>>> e.non_trainable
7
"""

from __future__ import annotations

import re
from fractions import Fraction
from typing import Any, ClassVar

from .. import values as V
from ..errors import ShapeError
from ..formulas import Window
from ..network import Shape
from .base import Effect, Kind, dims, spatial


class Rescale(Kind):
    """Keras' ``Rescaling(scale, offset)``: ``x·scale + offset``, no weights."""

    name = "rescale"
    example = "rescale 1/255"
    defaults = {"scale": 1.0, "offset": 0.0}
    keras_params = {"scale": ("scale", lambda v: _number(v, "scale")),
                    "offset": ("offset", lambda v: _number(v, "offset"))}
    options = {"offset": ("offset", lambda v: _number(v, "offset"))}
    _in_head = ("scale",)

    def positional(self, word: str, text: str) -> dict[str, Any]:
        """``rescale 1/255``, ``rescale 0.5``."""
        if not text:
            raise V.BadValue(f"`{word}` needs the scale", f"write `{word} 1/255`")
        m = re.fullmatch(r"\s*([0-9.eE+-]+)\s*/\s*([0-9.eE+-]+)\s*", text)
        if m and _number(m.group(2), "the scale") == 0:
            raise V.BadValue(f"`{word} {text.strip()}` divides by zero", f"write e.g. `{word} 1/255`")
        value = _number(m.group(1), "the scale") / _number(m.group(2), "the scale") if m else _number(text, "the scale")
        if value in (float("inf"), float("-inf")):  # 1e308/1e-308: JSON has no infinity
            raise V.BadValue(f"`{word} {text.strip()}` is not a finite number", f"write e.g. `{word} 1/255`")
        return {"scale": value}

    def head(self, args: dict[str, Any]) -> str:
        s = args["scale"]
        if s and abs(1 / s - round(1 / s)) < 1e-9 and abs(s) < 1:
            return f"rescale 1/{round(1 / s)}"
        return f"rescale {s!r}"

    def infer(self, args: dict[str, Any], shapes: list[Shape]) -> Effect:
        (shape,) = shapes
        return Effect(tuple(shape), explain=("params = 0   (x·scale + offset, fixed numbers)",))


def _number(value: Any, what: str) -> float:
    if isinstance(value, (list, tuple)):
        raise V.BadValue(f"{what}: one number for every channel is all archcalc reads, got `{value}`",
                         "write one number")
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise V.BadValue(f"{what} must be a number, got `{value}`") from None
    if x != x or x in (float("inf"), float("-inf")):
        raise V.BadValue(f"{what} must be a finite number, got `{value}`")
    return x


class Normalize(Kind):
    """Keras' ``Normalization``: ``(x − mean)/√variance`` per channel. When it learns its
    statistics (``adapt``), Keras keeps the mean, the variance and the count as non-trainable
    weights: ``2·C + 1``; given as numbers (``mean=..., variance=...``), none."""

    name = "normalize"
    example = "normalize"
    defaults = {"given": False}
    options = {"given": ("given", lambda v: V.boolean(v, "given"))}
    keras_params = {"axis": ("_", lambda v: _channels_axis(v)), "mean": ("given", lambda v: v is not None),
                    "variance": None, "invert": None}

    def head(self, args: dict[str, Any]) -> str:
        return "normalize"

    def text(self, args: dict[str, Any]) -> str:
        return "normalize given=true" if args["given"] else "normalize"

    def infer(self, args: dict[str, Any], shapes: list[Shape]) -> Effect:
        (shape,) = shapes
        c = shape[-1]
        if args["given"]:
            return Effect(tuple(shape), explain=("params = 0   (mean and variance given as numbers)",))
        return Effect(tuple(shape), non_trainable=2 * c + 1, explain=(
            f"params = 2·{c} + 1 = {2 * c + 1}   (mean, variance per channel and the count: non-trainable)",))


def _channels_axis(value: Any) -> None:
    axes = tuple(value) if isinstance(value, (tuple, list)) else (value,)
    if len(axes) != 1 or axes[0] not in (-1, 1, 2, 3, 4):
        raise V.BadValue(f"Normalization over axes {value}: archcalc reads one statistic per channel (axis -1)",
                         "write `axis=-1`")


def _size(what: str):
    return lambda v: V.positive_int(v, what)


class _ToSize(Kind):
    """A layer that gives the image a new height and width (``Resizing``, ``CenterCrop``, ``RandomCrop``)."""

    keras_params = {"height": ("height", _size("height")), "width": ("width", _size("width")),
                    "data_format": None}
    required = ("height", "width")
    _in_head = ("height", "width")
    word: ClassVar[str]
    crop: ClassVar[bool] = False

    def positional(self, word: str, text: str) -> dict[str, Any]:
        m = re.fullmatch(r"(\d+)\s*[x×]\s*(\d+)", text.strip())
        if not m:
            raise V.BadValue(f"`{word}` needs the height and width, got `{text or 'nothing'}`",
                             f"write `{word} 224x224`")
        return {"height": V.positive_int(m.group(1), "the height"), "width": V.positive_int(m.group(2), "the width")}

    def head(self, args: dict[str, Any]) -> str:
        return f"{self.word} {args['height']}x{args['width']}"

    def infer(self, args: dict[str, Any], shapes: list[Shape]) -> Effect:
        (shape,) = shapes
        grid, c = spatial(self, shape)
        if len(grid) != 2:
            raise ShapeError(f"{self.name} works on images (H x W x C), the input is {dims(shape)}")
        target = (args["height"], args["width"])
        windows = []
        for n, m in zip(grid, target):
            if self.crop and n >= m:
                windows.append(Window(1, 1, -((n - m) // 2)))  # keeps the middle m of n positions
            else:  # resampled: output i reads around input i·n/m
                step = Fraction(n, m)
                windows.append(Window(max(1, -(-n // m)), int(step) if step.denominator == 1 else step))
        return Effect((*target, c), window=tuple(windows), explain=(
            f"{dims(grid)} → {dims(target)}; params = 0",))


class Resize(_ToSize):
    name, word, example = "resize", "resize", "resize 224x224"


class CenterCrop(_ToSize):
    name, word, example, crop = "center_crop", "center-crop", "center-crop 224x224", True


class RandomCrop(_ToSize):
    name, word, example, crop = "random_crop", "random-crop", "random-crop 224x224", True


class Augment(Kind):
    """A data-augmentation layer (``RandomFlip``, ``RandomRotation``, ...): active only in training,
    the same shape out, no weights."""

    name = "augment"
    example = "augment flip"
    required = ("what",)
    _in_head = ("what",)
    # Everything a RandomX layer takes changes no shape and no count.
    keras_params = {p: None for p in ("mode", "factor", "height_factor", "width_factor", "value_range", "fill_mode",
                                      "fill_value", "interpolation", "seed", "data_format")}

    def positional(self, word: str, text: str) -> dict[str, Any]:
        t = text.strip().lower()
        if t not in AUGMENTATIONS.values():
            raise V.BadValue(f"`{word}` needs what it does, got `{text or 'nothing'}`",
                             "write one of: " + ", ".join(sorted(set(AUGMENTATIONS.values()))))
        return {"what": t}

    def head(self, args: dict[str, Any]) -> str:
        return f"augment {args['what']}"

    def infer(self, args: dict[str, Any], shapes: list[Shape]) -> Effect:
        (shape,) = shapes
        return Effect(tuple(shape), explain=(f"params = 0   (random {args['what']} while training; the identity "
                                             "at inference)",))


#: Keras' data-augmentation classes and archcalc's word for each.
AUGMENTATIONS = {
    "RandomFlip": "flip", "RandomRotation": "rotation", "RandomZoom": "zoom", "RandomTranslation": "translation",
    "RandomContrast": "contrast", "RandomBrightness": "brightness", "RandomHue": "hue",
    "RandomSaturation": "saturation", "RandomGrayscale": "grayscale", "RandomShear": "shear",
    "RandomSharpness": "sharpness", "RandomGaussianBlur": "blur", "RandomErasing": "erasing",
    "RandomColorJitter": "color-jitter", "RandomPerspective": "perspective", "RandomInvert": "invert",
    "RandomPosterization": "posterization", "RandomColorDegeneration": "color-degeneration",
    "RandomElasticTransform": "elastic", "AutoContrast": "auto-contrast", "Solarization": "solarization",
}

KINDS = (Rescale(), Normalize(), Resize(), CenterCrop(), RandomCrop(), Augment())

WORDS: dict[str, tuple[str, dict[str, Any]]] = {
    **{w: ("rescale", {}) for w in ("rescale", "rescaling")},
    **{w: ("normalize", {}) for w in ("normalize", "normalise", "normalization", "normalisation")},
    **{w: ("resize", {}) for w in ("resize", "resizing")},
    **{w: ("center_crop", {}) for w in ("center-crop", "centre-crop", "center_crop", "centercrop")},
    **{w: ("random_crop", {}) for w in ("random-crop", "random_crop", "randomcrop")},
    "augment": ("augment", {}),
}

KERAS_NAMES: dict[str, tuple[str, dict[str, Any]]] = {
    "Rescaling": ("rescale", {}),
    "Normalization": ("normalize", {}),
    "Resizing": ("resize", {}),
    "CenterCrop": ("center_crop", {}),
    "RandomCrop": ("random_crop", {}),
    **{cls: ("augment", {"what": what}) for cls, what in AUGMENTATIONS.items()},
}
