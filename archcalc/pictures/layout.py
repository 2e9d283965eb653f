"""Geometry of an architecture diagram: where every block, label and arrow goes, in pixels.

Pure arithmetic on an :class:`~archcalc.analysis.Analysis`; no drawing library. The SVG writer
(:mod:`archcalc.pictures.svg`) and the PNG painter (:mod:`archcalc.pictures.png`) both draw the
:class:`Drawing` this module returns, so the two pictures are the same picture.

The figure is the one of lecture notes and papers: each feature map is a box (a "volume") whose
height follows its height H, whose slanted depth follows its width W and whose thickness along the
flow follows its channels C; a flat vector (FC output) is a tall thin bar. Sizes are logarithmic:
VGG-16 goes from 224x224x64 to 7x7x512 and then 4096 values, and linear boxes would make the last
ones invisible while the first would not fit on a page; a 3-layer toy stays readable too.

The network is a graph (node 0 is the input), laid out as a DAG: a node's column is one more than
its furthest parent's, nodes that share a column get separate lanes (branches side by side), and
columns wrap into rows when the picture would be wider than ``max_width``.

Coordinates follow SVG: x to the right, y down, origin at the top left.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any, Protocol

from ..render import human_count, short_name

# --------------------------------------------------------------------------------------------
# Scales and styles. Numbers are pixels of the SVG (1 px = 1/100 inch in the PNG at scale 1).

#: How each canonical layer kind is drawn. Kinds not listed are drawn as "op" (no parameters, thin
#: slab), and a node with several parents (add, concatenate) as "merge", whatever its kind.
STYLE_OF_KIND = {
    "input": "input",
    "conv": "conv", "depthwise": "conv", "separable": "conv", "deconv": "conv",
    "dense": "fc", "embedding": "fc",
    "maxpool": "pool", "avgpool": "pool", "global_avgpool": "pool", "global_maxpool": "pool",
    "adaptive_avgpool": "pool", "adaptive_maxpool": "pool",
    "block": "block",  # a box that stands for a block of layers (draw --collapse)
}
#: Legend text of each style, in legend order.
STYLE_NAMES = {"input": "input", "conv": "convolution", "pool": "pooling", "fc": "fully connected (FC)",
               "op": "no parameters (activation, dropout, flatten, ...)", "merge": "merge (add, concatenate)",
               "block": "block of layers (--collapse)"}
#: Base colour of each style; the top face is lighter and the side face darker (see :func:`shade`).
COLOURS = {"input": "#59a14f", "conv": "#4e79a7", "pool": "#e15759", "fc": "#8e6bbf", "op": "#a8a29e",
           "merge": "#f28e2b", "block": "#76b7b2"}
INK = "#222222"      # titles
MUTED = "#555555"    # shapes, options, parameters
EDGE = "#666666"     # arrows
FONT = "DejaVu Sans, Verdana, Arial, sans-serif"

TITLE_SIZE, OPTION_SIZE, TEXT_SIZE = 12.0, 10.0, 11.0
HEADING_SIZE, SUBHEADING_SIZE = 18.0, 12.0
LINE = 1.25           # line height, in font sizes
CHAR = 0.62           # average character width, in font sizes (DejaVu Sans is wide; erring wide avoids overlaps)
MARGIN = 20.0
PAD = 9.0             # on each side of a column: the gap between two blocks is at least 2·PAD
LABEL_GAP = 10.0      # between the lowest block of a lane and the labels under it
ROW_GAP = 34.0        # between two wrapped rows (room for the arrow that carries on)
ARC_ROOM = 26.0       # above a lane that has arrows jumping over blocks
ARROW = 6.0           # arrow head length
SLAB = 7.0            # thickness of a parameter-free layer (it keeps the shape it receives)


def side(n: int) -> float:
    """Pixels for a spatial side of ``n`` values (the height H, and the depth from W).

    >>> side(1), side(7), side(224)
    (12.0, 71.0, 176.0)
    """
    return round(12.0 + 21.0 * math.log2(max(n, 1)), 1)


def thickness(channels: int) -> float:
    """Pixels along the flow for ``channels`` feature maps.

    >>> thickness(1), thickness(64), thickness(512)
    (5.0, 29.0, 41.0)
    """
    return round(5.0 + 4.0 * math.log2(max(channels, 1)), 1)


def bar(n: int) -> float:
    """Height of the bar of a flat vector of ``n`` values (an FC layer's output).

    >>> bar(10), bar(4096)
    (58.5, 180.0)
    """
    return round(12.0 + 14.0 * math.log2(max(n, 1)), 1)


def text_width(text: str, size: float) -> float:
    """Estimated width of a line of text: archcalc lays out without a font engine, so it must guess,
    and guesses wide.

    >>> text_width("conv3-64", 12.0)
    59.5
    """
    return round(len(text) * size * CHAR, 1)


def shade(colour: str, amount: float) -> str:
    """``colour`` mixed with white (``amount`` > 0) or black (< 0), as ``#rrggbb``.

    >>> shade("#4e79a7", 0.4), shade("#4e79a7", -0.25)
    ('#95afca', '#3a5b7d')
    """
    rgb = [int(colour[i:i + 2], 16) for i in (1, 3, 5)]
    target = 255 if amount > 0 else 0
    mixed = [round(c + (target - c) * abs(amount)) for c in rgb]
    return "#" + "".join(f"{c:02x}" for c in mixed)


def picture_shape(shape: Sequence[int]) -> str:
    """A shape as the picture writes it: ``224×224×64``, ``4096``.

    >>> picture_shape((224, 224, 64)), picture_shape((4096,))
    ('224×224×64', '4096')
    """
    return "×".join(map(str, shape))


# --------------------------------------------------------------------------------------------
# What a drawing is made of.


class RowLike(Protocol):
    """What the layout reads of a :class:`~archcalc.analysis.Row` (tests pass their own)."""

    index: int
    name: str
    kind: str
    output_shape: tuple[int, ...]
    params: int
    activations: int
    inputs: tuple[int, ...]


class AnalysisLike(Protocol):
    network: str
    input_shape: tuple[int, ...]
    rows: Sequence[RowLike]


@dataclass(frozen=True)
class Text:
    """One line of text, anchored at its baseline's centre."""

    x: float
    y: float
    text: str
    size: float
    role: str  # "title", "option", "shape", "params", "heading", "subheading", "legend"
    anchor: str = "middle"  # or "start"
    bold: bool = False
    colour: str = INK


@dataclass(frozen=True)
class Block:
    """One layer (or the input) drawn as a volume: a front rectangle, a top and a side face.

    The front face is ``x .. x+w`` by ``y .. y+h``; the top and side faces go up and right by
    ``(dx, dy)``. ``points`` gives the three faces as polygons (front, top, side).
    """

    index: int
    name: str
    kind: str
    style: str
    shape: tuple[int, ...]
    params: int
    inputs: tuple[int, ...]
    column: int
    lane: int
    x: float
    y: float
    w: float
    h: float
    dx: float
    dy: float
    labels: tuple[Text, ...]
    tooltip: str

    @property
    def faces(self) -> tuple[tuple[str, str, tuple[tuple[float, float], ...]], ...]:
        """(face, fill colour, polygon) for the front, top and side faces, drawn in this order."""
        x, y, w, h, dx, dy = self.x, self.y, self.w, self.h, self.dx, self.dy
        base = COLOURS[self.style]
        return (
            ("front", base, ((x, y), (x + w, y), (x + w, y + h), (x, y + h))),
            ("top", shade(base, 0.4), ((x, y), (x + dx, y - dy), (x + w + dx, y - dy), (x + w, y))),
            ("side", shade(base, -0.25), ((x + w, y), (x + w + dx, y - dy), (x + w + dx, y + h - dy), (x + w, y + h))),
        )

    @property
    def centre_y(self) -> float:
        return self.y + self.h / 2


@dataclass(frozen=True)
class Edge:
    """An arrow from block ``source`` to block ``target``: a path of cubic Bézier segments
    (``start`` then triples of points) and a triangular head."""

    source: int
    target: int
    start: tuple[float, float]
    curves: tuple[tuple[tuple[float, float], tuple[float, float], tuple[float, float]], ...]
    head: tuple[tuple[float, float], ...]
    route: str  # "next" (neighbours), "jump" (over blocks of a lane), "cross" (between lanes), "wrap" (to the next row)


@dataclass(frozen=True)
class Panel:
    """One network: its heading, blocks and arrows, inside ``(x, y, width, height)``."""

    network: str
    x: float
    y: float
    width: float
    height: float
    blocks: tuple[Block, ...]
    edges: tuple[Edge, ...]
    texts: tuple[Text, ...]


@dataclass(frozen=True)
class Drawing:
    """The whole picture: panels (one per network) and a legend of the styles used."""

    width: float
    height: float
    panels: tuple[Panel, ...]
    legend: tuple[tuple[str, float, float, float], ...]  # (style, x, y, size) of each legend swatch
    texts: tuple[Text, ...]                               # the legend's words
    title: str


# --------------------------------------------------------------------------------------------
# Layout.


@dataclass
class _Item:
    """A block before it has a position."""

    index: int
    name: str
    kind: str
    style: str
    shape: tuple[int, ...]
    params: int
    inputs: tuple[int, ...]
    w: float
    h: float
    dx: float
    dy: float
    lines: list[tuple[str, float, str, bool]]  # (text, size, role, bold)
    tooltip: str
    column: int = 0
    lane: int = 0

    @property
    def extent(self) -> float:
        return self.w + self.dx

    @property
    def label_width(self) -> float:
        return max(text_width(t, s) for t, s, _, _ in self.lines)

    @property
    def label_height(self) -> float:
        return sum(s * LINE for _, s, _, _ in self.lines)


def _style(kind: str, inputs: tuple[int, ...]) -> str:
    if len(inputs) > 1:
        return "merge"
    return STYLE_OF_KIND.get(kind, "op")


def _volume(style: str, shape: tuple[int, ...]) -> tuple[float, float, float, float]:
    """(w, h, dx, dy) of a block showing ``shape``: a 2-D map ``(H, W, C)`` as a volume; a 3-D map
    ``(D, H, W, C)`` as its ``(H, W, C)`` volume (the label gives D); a 1-D map ``(steps, C)`` as a
    volume one step deep, its height following the steps; a flat vector as a thin bar."""
    if len(shape) >= 3:
        h, w, c = shape[-3:]
        depth = side(w)
        thick = SLAB if style in ("op", "merge") else thickness(c)
        # The depth is drawn at about 35° and foreshortened, as in the textbook figures.
        return thick, side(h), round(depth * 0.32, 1), round(depth * 0.22, 1)
    if len(shape) == 2:
        steps, c = shape
        return (SLAB if style in ("op", "merge") else thickness(c)), side(steps), 3.0, 2.0
    (n,) = shape if len(shape) == 1 else (math.prod(shape),)
    return (SLAB if style == "op" else 12.0), bar(n), 5.0, 4.0


def _item(index: int, name: str, kind: str, shape: tuple[int, ...], params: int, inputs: tuple[int, ...],
          show_params: bool) -> _Item:
    style = _style(kind, inputs)
    w, h, dx, dy = _volume(style, shape)
    words = short_name(name).split()
    lines: list[tuple[str, float, str, bool]] = [(words[0] if words else kind, TITLE_SIZE, "title", True)]
    # One option a line keeps the columns narrow: `conv11-64 stride=4 padding=2` is three short lines.
    lines += [(w_, OPTION_SIZE, "option", False) for w_ in words[1:]]
    lines.append((picture_shape(shape), TEXT_SIZE, "shape", False))
    if show_params and params:
        lines.append((f"{human_count(params)} params", TEXT_SIZE, "params", False))
    tooltip = f"{index}: {short_name(name)}\noutput {picture_shape(shape)}\nparams {params:,}"
    return _Item(index, name, kind, style, shape, params, inputs, w, h, dx, dy, lines, tooltip)


def _items(analysis: AnalysisLike, show_params: bool) -> list[_Item]:
    shape = tuple(analysis.input_shape)
    first = _item(0, "input", "input", shape, 0, (), show_params)
    first.tooltip = f"0: input\nshape {picture_shape(shape)}"
    items = [first]
    for r in analysis.rows:
        items.append(_item(r.index, r.name, r.kind, tuple(r.output_shape), r.params, tuple(r.inputs), show_params))
    # Columns: one more than the furthest parent (rows are in topological order). Lanes: a layer
    # stays in its parent's lane (a merge in its first parent's) unless another layer took that lane
    # of the column first; then it takes the next free one below, so parallel branches sit one under
    # the other and each branch stays on its own line.
    by_index = {it.index: it for it in items}
    taken: dict[int, set[int]] = {0: {0}}
    for it in items[1:]:
        parents = [by_index[p] for p in it.inputs if p in by_index]
        it.column = 1 + max((p.column for p in parents), default=0)
        lane = min((p.lane for p in parents), default=0)
        used = taken.setdefault(it.column, set())
        while lane in used:
            lane += 1
        it.lane = lane
        used.add(lane)
    return items


def _rows_of_columns(widths: list[float], max_width: float | None) -> list[list[int]]:
    """Split columns into as few rows no wider than ``max_width`` as the greedy fill needs, then even
    the rows out (no last row with a lonely layer). A column wider than the limit gets a row alone.

    >>> _rows_of_columns([50, 50, 50, 50], 120), _rows_of_columns([50, 50], None)
    ([[0, 1], [2, 3]], [[0, 1]])
    >>> _rows_of_columns([50, 50, 50, 50, 50], 200)
    [[0, 1, 2], [3, 4]]
    """
    def greedy(limit: float | None) -> list[list[int]]:
        rows: list[list[int]] = [[]]
        used = 0.0
        for col, w in enumerate(widths):
            if limit and rows[-1] and used + w > limit:
                rows.append([])
                used = 0.0
            rows[-1].append(col)
            used += w
        return rows

    rows = greedy(max_width)
    if len(rows) < 2 or not max_width:
        return rows
    # The narrowest limit that still needs no more rows: found by bisection, to a tenth of a pixel.
    low, high = max(max(widths), sum(widths) / len(rows)) - 0.1, float(max_width)
    while high - low > 0.1:
        mid = (low + high) / 2
        if len(greedy(mid)) <= len(rows):
            high = mid
        else:
            low = mid
    return greedy(high)


def layout_panel(analysis: AnalysisLike, *, top: float = 0.0, max_width: float | None = None,
                 title: str | None = None, subtitle: str | None = None, show_params: bool = True) -> Panel:
    """Lay out one network below ``top``.

    Args:
        analysis: the network's analysis (its rows and input shape).
        top: y of the panel's top edge.
        max_width: wrap the columns into rows no wider than this many pixels (``None``: one row).
        title: the heading (default: the network's name).
        subtitle: the line under the heading (default: none).
        show_params: write each layer's parameter count under it.

    >>> import archcalc
    >>> p = layout_panel(archcalc.analyze("input 28x28\\nconv3-8\\nmaxpool\\nFC-10"))
    >>> [(b.index, b.style, b.column) for b in p.blocks]
    [(0, 'input', 0), (1, 'conv', 1), (2, 'pool', 2), (3, 'fc', 3)]
    >>> [e.route for e in p.edges]
    ['next', 'next', 'next']
    """
    items = _items(analysis, show_params)
    columns = max(it.column for it in items) + 1
    col_width = [0.0] * columns
    for it in items:
        col_width[it.column] = max(col_width[it.column], it.extent + 2 * PAD, it.label_width + 2 * PAD)
    col_width = [round(w, 1) for w in col_width]
    rows = _rows_of_columns(col_width, max_width - 2 * MARGIN if max_width else None)
    row_of_column = {c: r for r, cols in enumerate(rows) for c in cols}

    texts: list[Text] = []
    y = top + MARGIN
    heading = title if title is not None else analysis.network
    if heading:
        y += HEADING_SIZE
        texts.append(Text(MARGIN, y, heading, HEADING_SIZE, "heading", "start", True))
        y += HEADING_SIZE * 0.5
    if subtitle:
        y += SUBHEADING_SIZE * LINE
        texts.append(Text(MARGIN, y, subtitle, SUBHEADING_SIZE, "subheading", "start", False, MUTED))
    if heading or subtitle:
        y += 10.0

    jumps = _jumping_lanes(items)
    placed: dict[int, Block] = {}
    row_bounds: list[tuple[float, float, float]] = []  # (top, bottom, right end) of each wrapped row
    width = 0.0
    for r, cols in enumerate(rows):
        x0 = MARGIN
        col_x: dict[int, float] = {}
        for c in cols:
            col_x[c] = x0
            x0 += col_width[c]
        width = max(width, x0 + MARGIN)
        row_items = [it for it in items if row_of_column[it.column] == r]
        row_top = y
        for lane in sorted({it.lane for it in row_items}):
            members = [it for it in row_items if it.lane == lane]
            up = max(it.h / 2 + it.dy for it in members)
            down = max(it.h / 2 for it in members)
            label = max(it.label_height for it in members)
            if lane in jumps:
                y += ARC_ROOM
            centre = y + up
            for it in members:
                cx = col_x[it.column] + col_width[it.column] / 2
                bx = round(cx - it.extent / 2, 1)
                by = round(centre - it.h / 2, 1)
                ly = centre + down + LABEL_GAP
                labels = []
                for text, size, role, bold in it.lines:
                    ly += size * LINE
                    labels.append(Text(round(cx, 1), round(ly - size * (LINE - 1), 1), text, size, role, "middle",
                                       bold, INK if role == "title" else MUTED))
                placed[it.index] = Block(it.index, it.name, it.kind, it.style, it.shape, it.params, it.inputs,
                                         it.column, it.lane, bx, by, it.w, it.h, it.dx, it.dy, tuple(labels),
                                         it.tooltip)
            y = centre + down + LABEL_GAP + label + PAD
        row_bounds.append((row_top, y, x0))
        y += ROW_GAP
    y -= ROW_GAP
    cells = {(b.column, b.lane): b for b in placed.values()}
    edges = tuple(_edge(placed[p], placed[it.index], row_of_column, row_bounds, cells)
                  for it in items for p in it.inputs if p in placed)
    height = y + MARGIN - top
    return Panel(analysis.network, 0.0, top, round(width, 1), round(height, 1),
                 tuple(placed[it.index] for it in items), edges, tuple(texts))


def _between(a_column: int, b_column: int, lane: int, cells: Any) -> list[Any]:
    """What stands in ``lane`` strictly between two columns: the blocks an arrow would run through."""
    return [cells[(c, lane)] for c in range(a_column + 1, b_column) if (c, lane) in cells]


def _jumping_lanes(items: list[_Item]) -> set[int]:
    """Lanes with an arrow that must jump over blocks (a residual connection): they get room above for its arc."""
    by_index = {it.index: it for it in items}
    cells = {(it.column, it.lane): it for it in items}
    return {it.lane for it in items for p in it.inputs
            if p in by_index and by_index[p].lane == it.lane
            and _between(by_index[p].column, it.column, it.lane, cells)}


def _edge(a: Block, b: Block, row_of_column: dict[int, int], rows: list[tuple[float, float, float]],
          cells: dict[tuple[int, int], Block]) -> Edge:
    """The arrow from block ``a`` to block ``b``: straight along a lane, an arc over the blocks a skip
    connection skips, an S-curve between lanes, a return path to the next row after a wrap."""
    between = _between(a.column, b.column, a.lane, cells) if a.lane == b.lane else []
    sx, sy = round(a.x + a.w + a.dx, 1), round(a.centre_y, 1)
    ex, ey = round(b.x, 1), round(b.centre_y, 1)
    ra, rb = row_of_column[a.column], row_of_column[b.column]
    tip = ex - ARROW
    if ra != rb:
        # Leave the row to the right, run left in the gap under it, enter the next row from the left.
        gap_y = round(rows[ra][1] + ROW_GAP / 2, 1)
        right = round(max(sx + 8.0, rows[ra][2]), 1)  # past the row's last label, inside the margin
        left = MARGIN / 2
        corners = ((sx, sy), (right, sy), (right, gap_y), (left, gap_y), (left, ey), (tip, ey))
        curves = tuple(_line(p, q) for p, q in pairwise(corners))
        route = "wrap"
    elif a.lane == b.lane and not between:
        ey = sy  # same lane, same centre line (up to rounding): a level arrow
        curves = (_line((sx, sy), (tip, ey)),)
        route = "next"
    elif a.lane == b.lane:
        # Over the top of the blocks in between: the control points sit in the room left above the lane.
        top = round(min(c.y - c.dy for c in (a, b, *between)) - ARC_ROOM * 1.2, 1)
        sx, sy = round(a.x + a.w / 2 + a.dx / 2, 1), round(a.y - a.dy, 1)
        ex, ey = round(b.x + b.dx / 2, 1), round(b.y - b.dy, 1)
        return Edge(a.index, b.index, (sx, sy), (((sx, top), (ex, top), (ex, ey - ARROW)),),
                    ((ex, ey), (ex - ARROW / 2, ey - ARROW), (ex + ARROW / 2, ey - ARROW)), "jump")
    else:
        mid = round((sx + tip) / 2, 1)
        curves = (((mid, sy), (mid, ey), (tip, ey)),)
        route = "cross"
    head = ((ex, ey), (tip, round(ey - ARROW / 2, 1)), (tip, round(ey + ARROW / 2, 1)))
    return Edge(a.index, b.index, (sx, sy), curves, head, route)


def _line(p: tuple[float, float], q: tuple[float, float]) -> tuple[tuple[float, float], ...]:
    """A straight segment written as a cubic Bézier (control points on the line)."""
    return (p, q, q)


def network_subtitle(analysis: object) -> str:
    """The line under a network's name: input, depth, parameters and MACs.

    >>> import archcalc
    >>> network_subtitle(archcalc.analyze("input 28x28\\nconv3-8\\nFC-10"))
    'input 28×28×1 · 2 layers · 62.81 K params · 119.17 K MACs'
    """
    a = analysis
    # A collapsed drawing (draw --collapse) has fewer boxes than layers: the subtitle counts layers.
    layers = getattr(a, "layer_count", len(a.rows))  # type: ignore[attr-defined]
    return (f"input {picture_shape(a.input_shape)} · {layers} layer{'' if layers == 1 else 's'} · "  # type: ignore[attr-defined]
            f"{human_count(a.totals.params)} params · {human_count(a.totals.macs)} MACs")  # type: ignore[attr-defined]


def layout(analyses: Sequence[AnalysisLike], *, title: str | None = None, max_width: float | None = 1400.0,
           show_params: bool = True, subtitles: bool = True) -> Drawing:
    """Lay out one or several networks, one panel each, stacked, with a legend at the bottom.

    Args:
        analyses: the networks to draw (several for a file like ``vgg``: the columns of Table 1).
        title: heading of the first panel instead of its network's name (one network only).
        max_width: wrap a network wider than this many pixels into several rows; ``None`` never wraps.
        show_params: write the parameter counts under the blocks.
        subtitles: write input, depth, parameters and MACs under each network's name.

    >>> import archcalc
    >>> d = layout([archcalc.analyze("vgg16")])
    >>> len(d.panels[0].blocks), d.width <= 1400
    (22, True)
    """
    panels: list[Panel] = []
    y = 0.0
    for i, a in enumerate(analyses):
        head = title if (title is not None and i == 0) else _heading(a.network)
        sub = network_subtitle(a) if subtitles and hasattr(a, "totals") else None
        p = layout_panel(a, top=y, max_width=max_width, title=head, subtitle=sub, show_params=show_params)
        panels.append(p)
        y += p.height
    width = max([p.width for p in panels] + [0.0])
    used = [s for s in STYLE_NAMES if any(b.style == s for p in panels for b in p.blocks)]
    legend: list[tuple[str, float, float, float]] = []
    texts: list[Text] = []
    x, size = MARGIN, 12.0
    ly = y + 4.0
    for s in used:
        label = STYLE_NAMES[s]
        step = size + 6.0 + text_width(label, TEXT_SIZE) + 18.0
        if x + step > max(width, 400.0) - MARGIN and x > MARGIN:
            x, ly = MARGIN, ly + size + 8.0
        legend.append((s, round(x, 1), round(ly, 1), size))
        texts.append(Text(round(x + size + 6.0, 1), round(ly + size - 2.0, 1), label, TEXT_SIZE, "legend", "start",
                          False, MUTED))
        x += step
        width = max(width, x + MARGIN)
    height = ly + size + MARGIN if used else y
    return Drawing(round(max(width, 400.0), 1), round(height, 1), tuple(panels), tuple(legend), tuple(texts),
                   title or (analyses[0].network if analyses else ""))


def _heading(name: str) -> str:
    """A network's name as a heading; spec text given directly has the pseudo-name ``<text>``.

    >>> _heading("vgg16"), _heading("<text>")
    ('vgg16', 'network')
    """
    return "network" if name.startswith("<") else name
