"""Pictures: the diagram's geometry and SVG, PNG output, the per-layer charts, and `draw` on the command line."""

from __future__ import annotations

import os
import re
import struct
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path

import pytest

import archcalc
from archcalc.cli import main
from archcalc.pictures.draw import diagram_svg, write_diagram
from archcalc.pictures.layout import Block, layout, layout_panel, text_width
from archcalc.pictures.output import MissingDependency, OutputError
from archcalc.source import bundled_files

SVG = "{http://www.w3.org/2000/svg}"
TINY = "network tiny\ninput 28x28\nconv3-32\nmaxpool\nconv3-64 stride=2 padding=valid\nFC-10\nsoft-max\n"
GOLDEN = Path(__file__).with_name("test_pictures_tiny.svg")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(args)
    out, err = capsys.readouterr()
    return int(exc.value.code or 0), out, err


def blocks_of(svg: str) -> list[ET.Element]:
    root = ET.fromstring(svg)
    return [g for g in root.iter(f"{SVG}g") if g.get("class", "").split()[0] == "block"]


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == PNG_SIGNATURE
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


# ---------------------------------------------------------------------------------------------
# The SVG diagram.


def test_vgg16_svg_has_one_labelled_block_per_layer() -> None:
    a = archcalc.analyze("vgg16")
    blocks = blocks_of(diagram_svg([a]))
    assert len(blocks) == len(a.rows) + 1  # the input, then one per layer
    assert [int(b.get("data-index", -1)) for b in blocks] == list(range(len(a.rows) + 1))
    for row, block in zip(a.rows, blocks[1:]):
        assert block.get("data-shape") == "x".join(map(str, row.output_shape))
        assert block.get("data-params") == str(row.params)
        texts = [t.text for t in block.iter(f"{SVG}text")]
        assert "×".join(map(str, row.output_shape)) in texts
        assert texts[0] == archcalc.render.short_name(row.name).split()[0]
        assert len(block.findall(f"{SVG}polygon")) == 3  # front, top and side: a volume
        assert f"params {row.params:,}" in block.find(f"{SVG}title").text  # type: ignore[union-attr]
    first = [t.text for t in blocks[1].iter(f"{SVG}text")]
    assert first == ["conv3-64", "224×224×64", "1.79 K params"]
    fc = [t.text for t in blocks[19].iter(f"{SVG}text")]
    assert fc == ["FC-4096", "4096", "102.76 M params"]


def test_pooling_and_fc_are_visually_distinct() -> None:
    a = archcalc.analyze("vgg16")
    blocks = blocks_of(diagram_svg([a]))
    styles = {b.get("data-kind"): b.get("class") for b in blocks}
    assert styles == {"input": "block input", "conv": "block conv", "maxpool": "block pool", "dense": "block fc"}
    fill = {b.get("class"): b.find(f"{SVG}polygon").get("fill") for b in blocks}  # type: ignore[union-attr]
    assert len(set(fill.values())) == 4
    # An FC output is a thin bar, a feature map a volume.
    geometry = {b.index: b for b in layout([a]).panels[0].blocks}
    assert geometry[19].w < geometry[1].w and geometry[19].dx < geometry[1].dx


def test_parameter_free_layers_are_thin_grey_slabs() -> None:
    a = archcalc.analyze("input 32x32x3\nconv3-16\ndropout 0.5\nbatchnorm\nflatten\nFC-10")
    blocks = {b.index: b for b in layout([a]).panels[0].blocks}
    assert [blocks[i].style for i in range(6)] == ["input", "conv", "op", "op", "op", "fc"]
    assert blocks[2].w < blocks[1].w


def test_svg_is_deterministic_and_matches_the_golden_file(tmp_path: Path) -> None:
    a = archcalc.analyze(TINY)
    svg = diagram_svg([a])
    assert svg == diagram_svg([archcalc.analyze(TINY)])
    if os.environ.get("ARCHCALC_OVERWRITE_GOLDEN"):
        GOLDEN.write_text(svg, encoding="utf-8")
    assert svg == GOLDEN.read_text(encoding="utf-8"), (
        "the diagram changed; look at it, then regenerate with ARCHCALC_OVERWRITE_GOLDEN=1")
    # Numbers are written one way only: no float noise like 12.300000000000001.
    geometry = re.findall(r' (?:x|y|d|points|width|height|font-size)="([^"]*)"', svg)
    assert len(geometry) > 50 and not any(re.search(r"\d\.\d\d|\de-\d", g) for g in geometry)


def test_labels_and_blocks_never_overlap_in_any_bundled_spec() -> None:
    for f in bundled_files():
        for a in archcalc.analyze_all(str(f)):
            for wrap in (None, 900.0):
                panel = layout_panel(a, max_width=wrap)
                for p, q in combinations(panel.blocks, 2):
                    assert not _overlap(_box(p), _box(q)), (a.network, p.name, q.name)
                    for s in p.labels:
                        for t in q.labels:
                            assert not _overlap(_text_box(s), _text_box(t)), (a.network, s.text, t.text)
                if wrap:
                    assert panel.width <= wrap or len({b.column for b in panel.blocks}) == 1


def _box(b: Block) -> tuple[float, float, float, float]:
    return b.x, b.y - b.dy, b.x + b.w + b.dx, b.y + b.h


def _text_box(t: object) -> tuple[float, float, float, float]:
    w = text_width(t.text, t.size)  # type: ignore[attr-defined]
    x, y, size = t.x, t.y, t.size  # type: ignore[attr-defined]
    return x - w / 2, y - size, x + w / 2, y + 0.25 * size


def _overlap(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def test_log_scales_keep_vgg16_and_a_toy_readable() -> None:
    vgg = {b.index: b for b in layout_panel(archcalc.analyze("vgg16")).blocks}
    assert vgg[1].h > vgg[4].h > vgg[7].h > vgg[11].h > vgg[15].h > vgg[18].h  # 224 → 7 shrinks steadily
    assert vgg[18].h >= 60 and vgg[1].h <= 200  # the smallest map is still a box, the largest fits
    assert vgg[11].w > vgg[4].w > vgg[1].w  # more channels, thicker
    toy = layout_panel(archcalc.analyze("input 8x8\nconv3-4\nFC-2"))
    assert all(b.h >= 12 for b in toy.blocks) and toy.width < 600


def test_wide_networks_wrap_into_rows() -> None:
    a = archcalc.analyze("vgg16")
    one_row = layout_panel(a)
    wrapped = layout_panel(a, max_width=1000)
    assert wrapped.width <= 1000 < one_row.width
    assert [e.route for e in wrapped.edges].count("wrap") >= 1
    assert all(e.route == "next" for e in one_row.edges)
    assert wrapped.height > one_row.height


def test_several_networks_get_one_panel_each() -> None:
    svg = diagram_svg(archcalc.analyze_all("vgg"))
    root = ET.fromstring(svg)
    nets = [g.get("data-network") for g in root.iter(f"{SVG}g") if g.get("class") == "network"]
    assert nets == ["vgg-a", "vgg-a-lrn", "vgg-b", "vgg-c", "vgg16", "vgg19"]


# ---------------------------------------------------------------------------------------------
# Branches: the layout is a DAG (residual add, inception-style concatenation), tested on rows
# built by hand until the spec language has merge layers.


@dataclass(frozen=True)
class FakeRow:
    index: int
    name: str
    kind: str
    output_shape: tuple[int, ...]
    params: int
    activations: int
    inputs: tuple[int, ...]


@dataclass(frozen=True)
class FakeAnalysis:
    network: str
    input_shape: tuple[int, ...]
    rows: list[FakeRow]


def _row(index: int, kind: str, inputs: tuple[int, ...], shape: tuple[int, ...] = (32, 32, 64)) -> FakeRow:
    return FakeRow(index, kind, kind, shape, 100 if kind == "conv" else 0, 1, inputs)


def test_residual_connection_arcs_over_the_blocks_it_skips() -> None:
    net = FakeAnalysis("res", (32, 32, 3), [_row(1, "conv", (0,)), _row(2, "conv", (1,)), _row(3, "conv", (2,)),
                                            _row(4, "add", (1, 3))])
    panel = layout_panel(net)
    blocks = {b.index: b for b in panel.blocks}
    assert [blocks[i].column for i in range(5)] == [0, 1, 2, 3, 4]
    assert blocks[4].style == "merge"
    routes = {(e.source, e.target): e.route for e in panel.edges}
    assert routes == {(0, 1): "next", (1, 2): "next", (2, 3): "next", (3, 4): "next", (1, 4): "jump"}
    jump = next(e for e in panel.edges if e.route == "jump")
    assert min(y for c in jump.curves for _, y in c) < min(b.y - b.dy for b in panel.blocks)  # above the blocks


def test_parallel_branches_get_their_own_lanes() -> None:
    net = FakeAnalysis("inception", (32, 32, 3), [
        _row(1, "conv", (0,)), _row(2, "conv", (1,)), _row(3, "conv", (1,)), _row(4, "maxpool", (1,)),
        _row(5, "concat", (2, 3, 4), (32, 32, 192)), _row(6, "conv", (5,))])
    panel = layout_panel(net)
    blocks = {b.index: b for b in panel.blocks}
    assert {(blocks[i].column, blocks[i].lane) for i in (2, 3, 4)} == {(2, 0), (2, 1), (2, 2)}
    assert blocks[2].y < blocks[3].y < blocks[4].y  # one under the other
    assert (blocks[5].column, blocks[5].lane, blocks[5].style) == (3, 0, "merge")
    routes = sorted((e.source, e.target, e.route) for e in panel.edges)
    assert routes == [(0, 1, "next"), (1, 2, "next"), (1, 3, "cross"), (1, 4, "cross"), (2, 5, "next"),
                      (3, 5, "cross"), (4, 5, "cross"), (5, 6, "next")]
    svg_blocks = blocks_of(_svg_of(panel))
    assert len(svg_blocks) == 7


def _svg_of(panel: object) -> str:
    from archcalc.pictures.layout import Drawing
    from archcalc.pictures.svg import to_svg

    return to_svg(Drawing(panel.width, panel.height, (panel,), (), (), "t"))  # type: ignore[attr-defined]


# ---------------------------------------------------------------------------------------------
# Files: PNG, charts, errors.


def test_png_diagram_is_a_real_png_of_the_layout_size(tmp_path: Path) -> None:
    a = archcalc.analyze(TINY)
    path = write_diagram([a], str(tmp_path / "tiny.png"), scale=1.0)
    w, h = png_size(path.read_bytes())
    d = layout([a], max_width=1400.0)
    assert abs(w - d.width) <= 1 and abs(h - d.height) <= 1
    assert path.stat().st_size > 5000  # something was drawn
    again = write_diagram([a], str(tmp_path / "again.png"), scale=1.0)
    assert again.read_bytes() == path.read_bytes()
    pdf = write_diagram([a], str(tmp_path / "tiny.pdf")).read_bytes()
    assert pdf.startswith(b"%PDF") and pdf == write_diagram([a], str(tmp_path / "again.pdf")).read_bytes()


def _ink_boxes(path: Path, boxes: list[tuple[int, int, int, int]]) -> list[tuple[int, int, int, int] | None]:
    """Within each box of the picture, the bounding box of its dark pixels (text is #222 or #555)."""
    from PIL import Image

    image = Image.open(path).convert("L")
    out: list[tuple[int, int, int, int] | None] = []
    for box in boxes:
        dark = image.crop(box).point(lambda v: 255 if v < 140 else 0)
        found = dark.getbbox()
        out.append(None if found is None else (found[0] + box[0], found[1] + box[1], found[2] + box[0],
                                               found[3] + box[1]))
    return out


def test_png_labels_stand_where_matplotlib_puts_its_texts(tmp_path: Path, monkeypatch) -> None:
    """The PNG's labels, each string rendered once and stamped wherever it stands (2,000 layers: 6,000 labels
    and a handful of strings), cover the same pixels, within one, as matplotlib's own texts."""
    from archcalc.pictures import png

    a = archcalc.analyze("input 32x32x3\nconv3-8 x3\nmaxpool\nFC-10")
    stamped = write_diagram([a], str(tmp_path / "stamped.png"), scale=2.0)
    monkeypatch.setattr(png, "STAMP_LABELS", False)
    reference = write_diagram([a], str(tmp_path / "reference.png"), scale=2.0)
    d = layout([a], max_width=1400.0)
    texts = [t for panel in d.panels for b in panel.blocks for t in b.labels] + list(d.panels[0].texts)
    # Around each label's baseline: a box as wide as the text may be and one line high, in PNG pixels.
    boxes = []
    for t in texts:
        w = text_width(t.text, t.size)
        left = t.x - w / 2 if t.anchor == "middle" else t.x
        boxes.append((int(2 * (left - 2)), int(2 * (t.y - t.size * 1.1)), int(2 * (left + w + 2)),
                      int(2 * (t.y + t.size * 0.35))))
    ours, theirs = _ink_boxes(stamped, boxes), _ink_boxes(reference, boxes)
    assert len(texts) >= 15 and all(b is not None for b in theirs)
    for t, mine, ref in zip(texts, ours, theirs):
        assert mine is not None and max(abs(m - r) for m, r in zip(mine, ref)) <= 1, (t.text, mine, ref)


def test_charts_write_png_svg_and_pdf(tmp_path: Path) -> None:
    from archcalc.pictures.charts import write_charts

    a = archcalc.analyze("vgg16")
    png = write_charts([a], str(tmp_path / "c.png")).read_bytes()
    w, h = png_size(png)
    assert w > 800 and h > 600
    svg = write_charts([a], str(tmp_path / "c.svg")).read_text()
    ET.fromstring(svg)
    assert "89.4%" in svg or "89.4" in svg  # the FC share of the parameters is in the title
    assert svg == write_charts([a], str(tmp_path / "d.svg")).read_text()  # deterministic
    assert write_charts([a], str(tmp_path / "c.pdf")).read_bytes().startswith(b"%PDF")


def test_chart_shares_say_where_vgg16_keeps_its_weights_and_memory() -> None:
    from archcalc.pictures.charts import _style, shares

    a = archcalc.analyze("vgg16")
    styles = [_style(r.kind, r.inputs) for r in a.rows]
    assert shares([r.params for r in a.rows], styles)[0] == ("fc", pytest.approx(123642856 / 138357544))
    memory = shares([r.activations for r in a.rows], styles)
    assert memory[0][0] == "conv" and memory[0][1] > 0.85


def test_summary_plot_on_the_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "plot.png"
    code, out, _ = run(["summary", "mnist_cnn", "--plot", str(target)], capsys)
    assert code == 0 and "conv3-32" in out
    png_size(target.read_bytes())
    code, _, err = run(["summary", "mnist_cnn", "--plot", str(tmp_path / "plot.gif")], capsys)
    assert code == 2 and "cannot tell the picture format of" in err and ".png, .svg, .pdf" in err
    assert not (tmp_path / "plot.gif").exists()


def test_missing_matplotlib_is_an_install_hint(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # what `import matplotlib` sees when absent
    code, _, err = run(["summary", "mnist_cnn", "--plot", str(tmp_path / "p.png")], capsys)
    assert code == 2
    assert "error: `--plot` needs matplotlib, which is not installed" in err
    assert "pip install 'archcalc[plot]'" in err and "Traceback" not in err
    code, _, err = run(["draw", "mnist_cnn", "-o", str(tmp_path / "d.png")], capsys)
    assert code == 2 and "pip install 'archcalc[plot]'" in err
    assert list(tmp_path.iterdir()) == []  # no empty or temporary file left behind
    with pytest.raises(MissingDependency):
        write_diagram([archcalc.analyze(TINY)], str(tmp_path / "x.pdf"))
    # SVG needs nothing.
    code, _, _ = run(["draw", "mnist_cnn", "-o", str(tmp_path / "d.svg")], capsys)
    assert code == 0


# ---------------------------------------------------------------------------------------------
# `archcalc draw`.


def test_draw_never_replaces_a_file_without_force(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, _ = run(["draw", "vgg16"], capsys)
    assert code == 0 and out == "wrote vgg16.svg (1 network, 21 layers)\n"
    first = (tmp_path / "vgg16.svg").read_bytes()
    assert len(blocks_of(first.decode())) == 22
    for args in (["draw", "vgg16"], ["draw", "vgg16", "-o", "vgg16.svg"]):
        (tmp_path / "vgg16.svg").write_text("mine")
        code, _, err = run(args, capsys)
        assert code == 2 and "error: `vgg16.svg` already exists" in err and "--force" in err
        assert (tmp_path / "vgg16.svg").read_text() == "mine"
    code, _, _ = run(["draw", "vgg16", "--force"], capsys)
    assert code == 0 and (tmp_path / "vgg16.svg").read_bytes() == first  # deterministic, too
    code, _, _ = run(["draw", "vgg16", "-o", "named.svg"], capsys)
    assert code == 0 and (tmp_path / "named.svg").read_bytes() == first
    assert sorted(p.name for p in tmp_path.iterdir()) == ["named.svg", "vgg16.svg"]  # no temporary files


def test_draw_options(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, _ = run(["draw", "vgg", "--net", "vgg-a", "--title", "VGG A", "--no-params", "--max-width", "0"],
                       capsys)
    assert code == 0 and out.startswith("wrote vgg-a.svg")
    svg = (tmp_path / "vgg-a.svg").read_text()
    texts = [t.text for t in ET.fromstring(svg).iter(f"{SVG}text")]
    assert "VGG A" in texts and not any(t and t.endswith(" params") for t in texts)
    assert not any("wrap" in (g.get("class") or "") for g in ET.fromstring(svg).iter(f"{SVG}g"))
    code, out, _ = run(["draw", "vgg"], capsys)
    assert code == 0 and out == "wrote vgg.svg (6 networks, 117 layers)\n"
    spec = tmp_path / "my net.txt"
    spec.write_text("input 16x16x3\nconv3-8\nmaxpool\nFC-4\n")
    code, out, _ = run(["draw", str(spec), "-o", "n.png", "--scale", "1"], capsys)
    assert code == 0
    png_size((tmp_path / "n.png").read_bytes())


@pytest.mark.parametrize(("args", "message"), [
    (["draw", "vgg16", "-o", "net.jpg"], "cannot tell the picture format of `net.jpg` (suffix `.jpg`)"),
    (["draw", "vgg16", "-o", "net"], "cannot tell the picture format of `net` (no suffix)"),
    (["draw", "vgg16", "-o", "missing/net.svg"], "the folder `missing` does not exist"),
    (["draw", "vgg16", "-o", "sub.svg"], "it is a folder"),
    (["draw", "vgg17"], "`vgg17` is neither a file nor a bundled spec"),
    (["draw", "vgg", "--net", "vgg12"], "has no network `vgg12`"),
    (["draw", "vgg16", "--max-width", "-3"], "Invalid value"),
])
def test_draw_errors(args: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sub.svg").mkdir()
    code, _, err = run(args, capsys)
    assert code == 2 and message in err and "Traceback" not in err
    assert [p.name for p in tmp_path.iterdir()] == ["sub.svg"]


def test_draw_spec_errors_point_at_the_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = tmp_path / "bad.txt"
    spec.write_text("input 8x8\nconv3-4\nmaxpool\nmaxpool\nmaxpool\nmaxpool\n")
    code, _, err = run(["draw", str(spec), "-o", str(tmp_path / "x.svg")], capsys)
    assert code == 2 and "bad.txt:6:1" in err
    assert not (tmp_path / "x.svg").exists()


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes anywhere")
def test_unwritable_folder(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        with pytest.raises(OutputError, match="cannot write"):
            write_diagram([archcalc.analyze(TINY)], str(folder / "x.svg"))
    finally:
        folder.chmod(0o700)


def test_draw_svg_imports_neither_numpy_nor_matplotlib(tmp_path: Path) -> None:
    code = ("import sys\nfrom archcalc.cli import main\n"
            "try:\n    main(['draw', 'vgg16', '-o', sys.argv[1]])\nexcept SystemExit as e:\n    assert e.code == 0, e\n"
            "bad = [m for m in ('numpy', 'matplotlib', 'tensorflow') if m in sys.modules]\n"
            "assert not bad, bad\n")
    result = subprocess.run([sys.executable, "-c", code, str(tmp_path / "v.svg")], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "v.svg").exists()


def test_summary_without_plot_imports_no_picture_code() -> None:
    code = ("import sys, io, contextlib\nfrom archcalc.cli import main\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n"
            "    try:\n        main(['summary', 'vgg16'])\n    except SystemExit:\n        pass\n"
            "bad = [m for m in sys.modules if m.split('.')[0] in ('numpy', 'matplotlib')"
            " or m.startswith('archcalc.pictures.') and m != 'archcalc.pictures.commands']\n"
            "assert not bad, bad\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr


def test_permission_denied_is_an_output_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    import tempfile

    def denied(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(tempfile, "mkstemp", denied)
    code, _, err = run(["draw", "vgg16", "-o", str(tmp_path / "x.svg")], capsys)
    assert code == 2 and "cannot write" in err and "Permission denied" in err and "hint:" in err
    assert list(tmp_path.iterdir()) == []


def test_each_branch_keeps_its_lane_and_a_short_branch_runs_straight() -> None:
    # An Inception module (1x1; 1x1 then 3x3; 1x1 then 5x5; pool then 1x1), concatenated, then a residual block.
    net = FakeAnalysis("inception", (28, 28, 192), [
        _row(1, "conv", (0,)), _row(2, "conv", (0,)), _row(3, "conv", (2,)), _row(4, "conv", (0,)),
        _row(5, "conv", (4,)), _row(6, "maxpool", (0,)), _row(7, "conv", (6,)),
        _row(8, "concat", (1, 3, 5, 7), (28, 28, 256)), _row(9, "conv", (8,)), _row(10, "conv", (9,)),
        _row(11, "add", (8, 10)), _row(12, "global_avgpool", (11,), (64,)), _row(13, "dense", (12,), (10,))])
    panel = layout_panel(net)
    cell = {b.index: (b.column, b.lane) for b in panel.blocks}
    assert [cell[i] for i in range(1, 9)] == [(1, 0), (1, 1), (2, 1), (1, 2), (2, 2), (1, 3), (2, 3), (3, 0)]
    routes = {(e.source, e.target): e.route for e in panel.edges}
    assert routes[(2, 3)] == routes[(4, 5)] == routes[(6, 7)] == "next"  # each branch on its own line
    assert routes[(1, 8)] == "next"  # nothing in between: straight, not an arc
    assert routes[(3, 8)] == routes[(0, 2)] == "cross"
    assert routes[(8, 11)] == "jump"
    svg = _svg_of(panel)
    assert len(blocks_of(svg)) == 14 and len(ET.fromstring(svg).findall(f".//{SVG}path")) == len(panel.edges)
