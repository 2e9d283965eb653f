"""Architecture diagrams of analysed networks, as SVG text or as SVG/PNG/PDF files.

The library side of ``archcalc draw``:

>>> import archcalc
>>> from archcalc.pictures.draw import diagram_svg
>>> svg = diagram_svg([archcalc.analyze("input 28x28\\nconv3-8\\nmaxpool\\nFC-10")])
>>> svg.startswith("<?xml") and 'data-shape="28x28x8"' in svg
True
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path

from ..analysis import Analysis
from .layout import Drawing, layout
from .output import picture_format, write_atomic

FORMATS = ("svg", "png", "pdf")
#: Wrap a network into several rows beyond this width (pixels): VGG-16 becomes two rows that fit a page.
DEFAULT_MAX_WIDTH = 1400.0


def diagram(analyses: Sequence[Analysis], *, title: str | None = None, max_width: float | None = DEFAULT_MAX_WIDTH,
            show_params: bool = True, collapse: bool = False) -> Drawing:
    """The laid-out diagram of one or several networks (see :func:`archcalc.pictures.layout.layout`);
    ``collapse`` draws one box per block or run of equal layers (:mod:`archcalc.pictures.collapse`)."""
    if collapse:
        from .collapse import collapse as one_box_per_unit

        analyses = [one_box_per_unit(a) for a in analyses]  # type: ignore[misc]
    # A file name or --title of bytes that are not UTF-8 reaches Python as lone surrogates, which neither
    # UTF-8 (SVG) nor a font (PNG) can hold: they are drawn as U+FFFD, as a terminal shows them.
    analyses = [a if _drawable(a.network) == a.network else dataclasses.replace(a, network=_drawable(a.network))
                for a in analyses]
    return layout(analyses, title=None if title is None else _drawable(title), max_width=max_width,
                  show_params=show_params)


def _drawable(text: str) -> str:
    """``text`` with each lone surrogate (an undecodable byte of a name) as U+FFFD.

    >>> _drawable("net\\udcff"), _drawable("réseau")
    ('net�', 'réseau')
    """
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace") if any(
        "\ud800" <= c <= "\udfff" for c in text) else text


def diagram_svg(analyses: Sequence[Analysis], **options: object) -> str:
    """The SVG document of the diagram; options as :func:`diagram`."""
    from .svg import to_svg

    return to_svg(diagram(analyses, **options))  # type: ignore[arg-type]


def write_diagram(analyses: Sequence[Analysis], path: str, *, overwrite: bool = True, scale: float = 2.0,
                  **options: object) -> Path:
    """Write the diagram to ``path``; the suffix picks the format (``.svg``, ``.png``, ``.pdf``).

    Args:
        analyses: the networks to draw, one panel each.
        path: the output file.
        overwrite: ``False`` refuses to replace an existing file.
        scale: PNG pixels per layout pixel.
        **options: as :func:`diagram` (``title``, ``max_width``, ``show_params``, ``collapse``).

    Raises:
        UsageError: unknown suffix.
        MissingDependency: PNG or PDF asked for without matplotlib.
        OutputError: the file cannot be written.
    """
    fmt = picture_format(path, FORMATS, "-o")
    drawing = diagram(analyses, **options)  # type: ignore[arg-type]
    if fmt == "svg":
        from .svg import to_svg

        data = to_svg(drawing).encode("utf-8")
        return write_atomic(path, lambda f: f.write(data), overwrite=overwrite)
    from .output import require_matplotlib
    from .png import paint

    require_matplotlib(f"a .{fmt} picture")  # before the file is opened: no empty file on failure
    return write_atomic(path, lambda f: paint(drawing, f, fmt=fmt, scale=scale), overwrite=overwrite)
