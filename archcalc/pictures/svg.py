"""A :class:`~archcalc.pictures.layout.Drawing` as SVG text, in pure Python.

The output is deterministic: the same network gives the same bytes on every machine and every run
(numbers are written with one fixed format, there are no dates and no ids drawn from memory), so
pictures can be committed and compared in tests and in the documentation build.

Every layer is a ``<g class="block STYLE">`` with ``data-index``, ``data-kind``, ``data-shape`` and
``data-params`` attributes, a ``<title>`` (the tooltip browsers show) and its three faces and label
lines; arrows are ``<g class="edge ROUTE">``. Colours are written on the elements themselves, not in a
stylesheet, so the picture looks the same in viewers that ignore CSS.
"""

from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

from .layout import COLOURS, EDGE, FONT, Drawing, Text, picture_shape, shade


def num(x: float) -> str:
    """A coordinate with at most one decimal, without a trailing ``.0``.

    >>> num(12.0), num(3.14159), num(-0.04), num(2.25)
    ('12', '3.1', '0', '2.2')
    """
    text = f"{x:.1f}"
    if text.endswith(".0"):
        text = text[:-2]
    return "0" if text == "-0" else text


def _points(poly: tuple[tuple[float, float], ...]) -> str:
    return " ".join(f"{num(x)},{num(y)}" for x, y in poly)


def _text(t: Text, indent: str) -> str:
    weight = ' font-weight="bold"' if t.bold else ""
    anchor = "" if t.anchor == "start" else f' text-anchor="{t.anchor}"'
    return (f'{indent}<text class="{t.role}" x="{num(t.x)}" y="{num(t.y)}" font-size="{num(t.size)}"'
            f'{anchor}{weight} fill="{t.colour}">{escape(t.text)}</text>\n')


def _description(drawing: Drawing) -> str:
    """What a screen reader says instead of the picture: each network's layers in order.

    >>> import archcalc
    >>> from archcalc.pictures.layout import layout
    >>> _description(layout([archcalc.analyze("network t\\ninput 8x8\\nconv3-4\\nFC-2")]))
    'Architecture diagram drawn by archcalc. t: input 8×8×1; conv3-4 8×8×4; FC-2 2.'
    """
    parts = ["Architecture diagram drawn by archcalc."]
    for panel in drawing.panels:
        layers = "; ".join(f"{b.labels[0].text} {picture_shape(b.shape)}" for b in panel.blocks)
        parts.append(f"{panel.network}: {layers}.")
    return " ".join(parts)


def to_svg(drawing: Drawing) -> str:
    """The SVG document of a drawing.

    >>> import archcalc
    >>> from archcalc.pictures.layout import layout
    >>> svg = to_svg(layout([archcalc.analyze("input 28x28\\nconv3-8\\nmaxpool\\nFC-10")]))
    >>> svg.count('<g class="block'), svg.count('<g class="edge')
    (4, 3)
    """
    w, h = num(drawing.width), num(drawing.height)
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>\n',
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" '
        f'font-family={quoteattr(FONT)} class="archcalc-diagram" role="img" '
        'aria-labelledby="archcalc-title archcalc-desc">\n',
        f'  <title id="archcalc-title">{escape(drawing.title)}</title>\n',
        f'  <desc id="archcalc-desc">{escape(_description(drawing))}</desc>\n',
        f'  <rect class="background" x="0" y="0" width="{w}" height="{h}" fill="#ffffff"/>\n',
    ]
    for panel in drawing.panels:
        out.append(f'  <g class="network" data-network={quoteattr(panel.network)}>\n')
        out.extend(_text(t, "    ") for t in panel.texts)
        # Arrows first, so that blocks sit on top of their ends.
        for e in panel.edges:
            d = f"M{num(e.start[0])},{num(e.start[1])}" + "".join(
                "C" + " ".join(f"{num(x)},{num(y)}" for x, y in c) for c in e.curves)
            out.append(f'    <g class="edge {e.route}" data-from="{e.source}" data-to="{e.target}">'
                       f'<path d="{d}" fill="none" stroke="{EDGE}" stroke-width="1.4"/>'
                       f'<polygon points="{_points(e.head)}" fill="{EDGE}"/></g>\n')
        for b in panel.blocks:
            shape = "x".join(map(str, b.shape))
            out.append(f'    <g class="block {b.style}" data-index="{b.index}" data-kind="{b.kind}" '
                       f'data-shape="{shape}" data-params="{b.params}">\n')
            out.append(f'      <title>{escape(b.tooltip)}</title>\n')
            for face, fill, poly in b.faces:
                out.append(f'      <polygon class="{face}" points="{_points(poly)}" fill="{fill}" '
                           f'stroke="{shade(COLOURS[b.style], -0.5)}" stroke-width="0.8" stroke-linejoin="round"/>\n')
            out.extend(_text(t, "      ") for t in b.labels)
            out.append("    </g>\n")
        out.append("  </g>\n")
    if drawing.legend:
        out.append('  <g class="legend">\n')
        for style, x, y, size in drawing.legend:
            out.append(f'    <rect class="swatch {style}" x="{num(x)}" y="{num(y)}" width="{num(size)}" '
                       f'height="{num(size)}" fill="{COLOURS[style]}" stroke="{shade(COLOURS[style], -0.5)}" '
                       f'stroke-width="0.8"/>\n')
        out.extend(_text(t, "    ") for t in drawing.texts)
        out.append("  </g>\n")
    out.append("</svg>\n")
    return "".join(out)
