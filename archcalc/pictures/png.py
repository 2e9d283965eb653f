"""A :class:`~archcalc.pictures.layout.Drawing` painted with matplotlib (PNG, and PDF for free).

No Graphviz, no system binary: matplotlib's Agg renderer draws the very polygons and text lines the
SVG writer writes. One layout pixel is 1/100 inch, so text sizes convert to points with ``x 0.72``.
matplotlib is imported inside :func:`paint` (an optional extra, and ~0.3 s of start-up).
"""

from __future__ import annotations

from typing import IO

from .layout import COLOURS, EDGE, Drawing, Text, shade
from .output import require_matplotlib

PX_TO_PT = 0.72  # 1 px = 1/100 inch and 1 pt = 1/72 inch


def paint(drawing: Drawing, file: IO[bytes], *, fmt: str = "png", scale: float = 2.0) -> None:
    """Paint ``drawing`` into ``file`` as ``fmt`` (``png`` or ``pdf``).

    Args:
        drawing: the laid-out picture.
        file: a binary file open for writing.
        fmt: ``png`` or ``pdf``.
        scale: pixels of the PNG per layout pixel (2 gives sharp text on high-resolution screens).
    """
    require_matplotlib("a PNG picture")
    from matplotlib.collections import PathCollection, PolyCollection
    from matplotlib.figure import Figure
    from matplotlib.patches import Rectangle
    from matplotlib.path import Path as MPath

    fig = Figure(figsize=(drawing.width / 100, drawing.height / 100), dpi=100 * scale)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, drawing.width)
    ax.set_ylim(drawing.height, 0)  # y down, as in the layout and in SVG
    ax.set_axis_off()
    fig.patch.set_facecolor("white")

    def text(t: Text) -> None:
        ax.text(t.x, t.y, t.text, fontsize=t.size * PX_TO_PT, ha="center" if t.anchor == "middle" else "left",
                va="baseline", color=t.colour, fontweight="bold" if t.bold else "normal", family="DejaVu Sans")

    # One collection for all the arrows and one for all the faces, drawn in the order of the lists (a
    # block's faces over the arrows, later blocks over earlier ones): thousands of separate patches made
    # a 2,000-layer PNG take most of a minute.
    curves, heads, faces, fills, strokes = [], [], [], [], []
    for panel in drawing.panels:
        for t in panel.texts:
            text(t)
        for e in panel.edges:
            verts = [e.start]
            codes = [MPath.MOVETO]
            for c in e.curves:
                verts.extend(c)
                codes.extend([MPath.CURVE4] * 3)
            curves.append(MPath(verts, codes))
            heads.append(e.head)
        for b in panel.blocks:
            stroke = shade(COLOURS[b.style], -0.5)
            for _face, fill, poly in b.faces:
                faces.append(poly)
                fills.append(fill)
                strokes.append(stroke)
            for t in b.labels:
                text(t)
    ax.add_collection(PathCollection(curves, facecolors="none", edgecolors=EDGE, linewidths=1.4 * PX_TO_PT,
                                     zorder=1))
    ax.add_collection(PolyCollection(heads, facecolors=EDGE, edgecolors="none", zorder=1))
    ax.add_collection(PolyCollection(faces, facecolors=fills, edgecolors=strokes, linewidths=0.8 * PX_TO_PT,
                                     joinstyle="round", zorder=2))
    for style, x, y, size in drawing.legend:
        ax.add_patch(Rectangle((x, y), size, size, facecolor=COLOURS[style], edgecolor=shade(COLOURS[style], -0.5),
                               linewidth=0.8 * PX_TO_PT))
    for t in drawing.texts:
        text(t)
    # No date or software version in the file: the same network gives the same bytes.
    metadata = {"Software": None} if fmt == "png" else {"Creator": None, "Producer": None, "CreationDate": None}
    # zlib's fastest level: a tall PNG's compression took longer than its drawing, for a file ~20% larger.
    options = {"pil_kwargs": {"compress_level": 1}} if fmt == "png" else {}
    fig.savefig(file, format=fmt, metadata=metadata, facecolor="white", **options)
