"""A :class:`~archcalc.pictures.layout.Drawing` painted with matplotlib (PNG, and PDF for free).

No Graphviz, no system binary: matplotlib's Agg renderer draws the very polygons and text lines the
SVG writer writes. One layout pixel is 1/100 inch, so text sizes convert to points with ``x 0.72``.
matplotlib is imported inside :func:`paint` (an optional extra, and ~0.3 s of start-up).
"""

from __future__ import annotations

from typing import IO, Any

from .layout import COLOURS, EDGE, Drawing, Text, shade
from .output import require_matplotlib

PX_TO_PT = 0.72  # 1 px = 1/100 inch and 1 pt = 1/72 inch
#: Draw a PNG's labels as stamps of strings rendered once (see :func:`_labels`); False: as matplotlib's
#: texts, which the tests compare them with.
STAMP_LABELS = True


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

    texts: list[Text] = []
    text = texts.append  # all drawn at the end, by one artist (see _labels)

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
    texts.extend(drawing.texts)
    ax.add_artist(_labels(ax, texts))
    if fmt != "png":
        # No date or software version in the file: the same network gives the same bytes.
        fig.savefig(file, format=fmt, metadata={"Creator": None, "Producer": None, "CreationDate": None},
                    facecolor="white")
        return
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from PIL import Image

    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    # The canvas itself, not a copy (a 2,000-layer network's PNG is 2,666 x 64,025 pixels: 650 MiB). zlib's
    # fastest level: compressing took longer than drawing, for a file ~20% larger. No date or software
    # version in the file: the same network gives the same bytes.
    width, height = canvas.get_width_height(physical=True)
    image = Image.frombuffer("RGBA", (width, height), canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
    image.save(file, format="png", compress_level=1, dpi=(fig.dpi, fig.dpi))


def _labels(ax: Any, texts: list[Text]) -> Any:
    """One artist that draws every label of the picture, in the order of ``texts``.

    A matplotlib ``Text`` per label cost about 1 ms each to make and to draw, glyph by glyph: a 2,000-layer
    network's 6,000 labels took most of the time of its PNG. The labels of a deep network repeat
    (``conv3-8``, ``32x32x8``), so on the Agg canvas (PNG) each distinct string is rendered once by
    FreeType, as matplotlib rendered whole strings up to 3.9, and stamped wherever it stands. Any other
    canvas (PDF) gets matplotlib's own ``Text``, drawn by this artist.
    """
    from matplotlib.artist import Artist
    from matplotlib.font_manager import FontProperties, findfont, get_font
    from matplotlib.text import Text as MText

    def properties(t: Text) -> Any:
        return FontProperties(family="DejaVu Sans", size=t.size * PX_TO_PT, weight="bold" if t.bold else "normal")

    class Labels(Artist):
        zorder = 3  # as matplotlib's texts: over the arrows (1) and the blocks (2)

        def draw(self, renderer: Any) -> None:
            canvas = getattr(renderer, "_renderer", None)
            if (not STAMP_LABELS or canvas is None or not hasattr(canvas, "draw_text_image")
                    or not hasattr(renderer, "height")):
                for t in texts:
                    label = MText(t.x, t.y, t.text, fontproperties=properties(t), color=t.colour, va="baseline",
                                  ha="center" if t.anchor == "middle" else "left")
                    label.set_figure(ax.figure)
                    label.set_transform(ax.transData)
                    label.draw(renderer)
                return
            import numpy as np
            from matplotlib.backends.backend_agg import get_hinting_flag

            stamps: dict[tuple[str, float, bool], tuple[Any, float, float, float]] = {}
            pens: dict[str, Any] = {}
            points = ax.transData.transform([(t.x, t.y) for t in texts]) if texts else []
            for t, (x, y) in zip(texts, points):
                key = (t.text, t.size, t.bold)
                if key not in stamps:
                    prop = properties(t)
                    font = get_font(findfont(prop))
                    font.clear()
                    font.set_size(prop.get_size_in_points(), renderer.dpi)
                    font.set_text(t.text, 0.0, flags=get_hinting_flag())
                    font.draw_glyphs_to_bitmap(antialiased=True)
                    stamps[key] = (np.array(font.get_image()),  # a copy: the font's buffer is reused
                                   font.get_width_height()[0] / 64, font.get_descent() / 64,
                                   font.get_bitmap_offset()[0] / 64)
                image, width, descent, offset = stamps[key]
                if t.colour not in pens:
                    pens[t.colour] = renderer.new_gc()
                    pens[t.colour].set_foreground(t.colour)
                left = x - (width / 2 if t.anchor == "middle" else 0)
                # The bitmap's left and bottom edges on the canvas, y downwards (one row lower, as matplotlib's own
                # placement: checked against it, tests/test_pictures.py).
                canvas.draw_text_image(image, round(left + offset), round(renderer.height - y + descent) + 1,
                                       0, pens[t.colour])
            for pen in pens.values():
                pen.restore()

    return Labels()
