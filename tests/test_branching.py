"""Branching networks (issue 6): merges, blocks, their errors, the receptive field through merges,
the rendered structure, and the bundled ResNet / MobileNet / DenseNet specs against Keras.

Independent sources: Keras Applications' own parameter counts (hard-coded from Keras 3, and the
live models where TensorFlow runs), google-research/receptive_field's published table (ResNet-50
483, ResNet-101 1027, ResNet-152 1507, MobileNet v1 315, all at effective stride 32), a
brute-force receptive field that enumerates input positions, and hand-computed values.
"""

from __future__ import annotations

import json
import re
from functools import cache

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from archcalc.analysis import analyze_network
from archcalc.cli import main
from archcalc.errors import ShapeError, SpecError
from archcalc.graph import canonical, dominators, structure
from archcalc.network import Network
from archcalc.paper import format_paper, parse_paper
from archcalc.source import load, resolve

RESIDUAL = """\
input 32x32x16
conv3-16
block res(f, stride=1)
  add
    branch shortcut
      conv1-{f} stride={stride}
      bn
    branch residual
      body(f, stride)
  relu
block body(f, stride=1)
  conv3-{f} stride={stride}
  bn
  relu
  conv3-{f}
  bn
res(32, stride=2) x2
"""


def one(text: str) -> Network:
    return parse_paper(text)[0]


# ---------------------------------------------------------------------------------------------
# The language.

def test_blocks_expand_with_their_arguments_and_repeats() -> None:
    net = one(RESIDUAL)
    a = analyze_network(net)
    kinds = [r.kind for r in a.rows]
    # conv, then twice: shortcut (conv, bn), residual (conv, bn, relu, conv, bn), add, relu
    assert kinds == ["conv"] + ["conv", "batchnorm", "conv", "batchnorm", "activation", "conv", "batchnorm",
                                "add", "activation"] * 2
    assert [r.output_shape for r in a.rows if r.kind == "add"] == [(16, 16, 32), (8, 8, 32)]
    # `body(f, stride)` passed the caller's values on: the first residual conv has stride 2 in both copies.
    assert [r.name for r in a.rows if r.kind == "conv"][2] == "conv3-32 stride=2 activation=none"
    # hand count: the stem conv 3·3·16·16+16 = 2,320; shortcut 1·1·16·32+32 = 544, residual
    # 3·3·16·32+32 = 4,640 and 3·3·32·32+32 = 9,248, BN 4·32 each; the second copy sees 32 channels.
    first = 2_320 + 544 + 128 + 4_640 + 128 + 9_248 + 128
    second = 1_056 + 128 + 9_248 + 128 + 9_248 + 128
    assert a.totals.params == first + second


def test_scope_names_the_block_call_with_its_values_and_the_branch() -> None:
    rows = analyze_network(one(RESIDUAL)).rows
    assert rows[1].scope == ("res(32, stride=2) [1/2]", "branch shortcut")
    assert rows[3].scope == ("res(32, stride=2) [1/2]", "branch residual", "body(32, 2)")
    assert rows[8].scope == ("res(32, stride=2) [1/2]",)  # the add itself
    assert rows[0].scope == ()


def test_identity_branch_is_the_split_point_and_merges_list_their_parents() -> None:
    net = one("input 8x8x4\nconv3-4\nadd\n  identity\n  branch\n    conv3-4\n    bn\nrelu")
    assert [n.inputs for n in net.nodes] == [(), (0,), (1,), (2,), (1, 3), (4,)]


def test_nested_merges_and_concat_channels() -> None:
    text = """\
input 17x17x768
concat
  branch
    conv1-320
  branch
    conv1-384
    concat
      branch
        conv1x3-384
      branch
        conv3x1-384
  branch
    avgpool3 stride=1 padding=same
    conv1-192
"""
    a = analyze_network(one(text))
    assert a.rows[-1].output_shape == (17, 17, 320 + 384 + 384 + 192)
    inner = next(r for r in a.rows if r.kind == "concat")
    assert inner.output_shape == (17, 17, 768) and len(inner.inputs) == 2


def test_activation_rule_holds_inside_branches() -> None:
    net = one("input 8x8x4\nadd\n  identity\n  branch\n    conv3-4\n    bn\n    conv3-4\nrelu")
    acts = [n.args.get("activation", "-") for n in net.nodes[1:]]
    # linear before BN; a conv that ends its branch keeps the VGG rule's ReLU; relu after add is a layer
    assert acts == [None, "-", "relu", "-", "-"]
    assert net.nodes[-1].kind == "activation"


@pytest.mark.parametrize(("text", "line", "words"), [
    ("input 8x8x4\nadd\nrelu", 2, "needs its branches"),
    ("input 8x8x4\nadd\n  identity\nrelu", 2, "has 1 branch"),
    ("input 8x8x4\nbranch\n  conv3-4", 2, "outside `add`"),
    ("input 8x8x4\nidentity", 2, "outside `add`"),
    ("input 8x8x4\nadd\n  conv3-4\n  identity", 3, "each branch starts with `branch`"),
    ("input 8x8x4\nadd\n  branch\n  identity", 3, "a `branch` without layers"),
    ("input 8x8x4\nblock b(f)\n  conv3-{f}\nb(4, strde=2)", 4, "has no parameter `strde`"),
    ("input 8x8x4\nblock b(f)\n  conv3-{f}\nb()", 4, "`b` needs `f`"),
    ("input 8x8x4\nblock b(f)\n  conv3-{f}\nb(1, 2)", 4, "takes 1 argument, got 2"),
    ("input 8x8x4\nblock b(f)\n  conv3-{g}\nb(4)", 3, "`g` is not a parameter"),
    ("input 8x8x4\nblock b(f)\n  conv3-{f/3}\nb(4)", 3, "is not a whole number"),
    ("input 8x8x4\nblock b(f)\n  conv3-{__import__('os')}\nb(4)", 3, "is not arithmetic"),
    ("input 8x8x4\nconv3-{f}", 2, "is not a parameter"),
    ("input 8x8x4\nblock conv(f)\n  conv3-{f}", 2, "that is a layer word"),
    ("input 8x8x4\nblock b\n  relu\nblock b\n  relu", 4, "a second block named `b`"),
    ("input 8x8x4\nblock b(f)\nrelu", 2, "has no body"),
    ("input 8x8x4\nblock b\n  b\nb", 3, "calls itself"),
    ("input 8x8x4\nblock b\n  input 8x8x4\nb", 3, "`input` inside a block"),
    ("input 8x8x4\nblock b(f, f)\n  relu", 2, "named twice"),
])
def test_language_errors_point_at_the_line(text: str, line: int, words: str) -> None:
    with pytest.raises(SpecError) as e:
        analyze_network(one(text))
    assert words in e.value.message, e.value.render()
    assert e.value.location is not None and e.value.location.line == line, e.value.render()
    assert e.value.hint


def test_an_error_inside_a_block_says_which_call() -> None:
    with pytest.raises(SpecError) as e:
        one("input 8x8x4\nblock b(f)\n  conv3-{g}\nb(4)")
    assert any("in `b(4)`, called at <text>:4:1" in d for d in e.value.details)
    assert "did you mean `f`" in (e.value.hint or "") or "parameters are: f" in (e.value.hint or "")


def test_a_misspelt_block_name_suggests_the_block() -> None:
    with pytest.raises(SpecError) as e:
        one("input 8x8x4\nblock bottleneck(f)\n  conv3-{f}\nBottleneck(8)")
    assert e.value.location.line == 4
    assert e.value.hint == "did you mean the block `bottleneck`? (block names are case-sensitive)"


def test_shapes_that_cannot_merge_name_both_branches_and_their_shapes() -> None:
    text = "input 16x16x8\nconv3-8\nadd\n  identity\n  branch\n    conv3-16 stride=2\n    bn\nrelu"
    with pytest.raises(ShapeError) as e:
        analyze_network(one(text))
    assert "branch 1 gives 16x16x8, branch 2 gives 8x8x16" in e.value.message
    assert e.value.location is not None and e.value.location.line == 3
    assert e.value.details == ("branch 1 ends at layer 1 (conv3-8, line 2): 16x16x8",
                               "branch 2 ends at layer 3 (bn, line 7): 8x8x16")
    with pytest.raises(ShapeError, match="differ only in channels, but branch 1 gives 8x8x4, branch 2 gives 4x4x4"):
        analyze_network(one("input 8x8x4\nconcat\n  identity\n  branch\n    maxpool"))


def test_cli_error_for_a_bad_merge_has_no_traceback(tmp_path, capsys) -> None:
    spec = tmp_path / "bad.txt"
    spec.write_text("input 16x16x8\nadd\n  identity\n  branch\n    conv3-16\n")
    with pytest.raises(SystemExit) as e:
        main(["summary", str(spec)])
    err = capsys.readouterr().err
    assert e.value.code == 2 and "Traceback" not in err
    assert f"{spec}:2:1" in err and "branch 2 ends at layer 1" in err


# ---------------------------------------------------------------------------------------------
# Random branching networks: round trip, totals, and the receptive field by brute force.

@st.composite
def branching_specs(draw: st.DrawFn) -> str:
    """Random series-parallel networks of odd `same` convolutions and poolings, with add and concat
    blocks (nested once), on inputs large enough never to shrink below 1x1."""
    channels = draw(st.integers(1, 4))
    lines = [f"input 64x64x{channels}"]

    def layer(indent: str, stride: int) -> str:
        k = draw(st.sampled_from([1, 3, 5]))
        if draw(st.booleans()):
            return f"{indent}conv{k}-{channels} stride={stride}"
        return f"{indent}maxpool{k} stride={stride} padding=same"

    def chain(indent: str, stride: int, depth: int) -> None:
        lines.append(layer(indent, stride))
        for _ in range(draw(st.integers(0, 2))):
            if depth < 1 and draw(st.booleans()):
                merge(indent, 1, depth + 1)
            else:
                lines.append(layer(indent, 1))

    def merge(indent: str, stride: int, depth: int) -> None:
        lines.append(f"{indent}add")  # concat would change the channels: the branches then differ
        for _ in range(draw(st.integers(2, 3))):
            if stride == 1 and draw(st.integers(0, 3)) == 0:
                lines.append(f"{indent}  identity")
            else:
                lines.append(f"{indent}  branch")
                chain(indent + "    ", stride, depth)

    for _ in range(draw(st.integers(1, 4))):
        if draw(st.booleans()):
            merge("", draw(st.sampled_from([1, 2])), 0)
        else:
            lines.append(layer("", draw(st.sampled_from([1, 2]))))
    if draw(st.booleans()):
        lines += ["concat", "  identity", "  branch", f"    conv3-{channels}"]
    return "\n".join(lines) + "\n"


def brute_force_field(net: Network) -> tuple[int, int]:
    """Receptive field size and jump along H of the last node, by enumerating input positions.

    Every layer here is a window (odd kernel, `same` padding) of size k and stride s: output position
    p reads positions p·s − b … p·s − b + k − 1 of its input, on an unbounded grid, where b is the
    padding TensorFlow puts before the input: half the total, rounded down (the total is
    (⌈n/s⌉ − 1)·s + k − n for an input of n, so a stride-2 window on an even map is not centred).
    A merge reads position p of every branch. The field is the span of input positions that one
    output position reaches; the jump is how far that span moves for the next output position.
    """
    @cache
    def size(i: int) -> int:  # the length of node i's output along H ('same': ⌈n/s⌉)
        node = net.nodes[i]
        if i == 0:
            return net.input_shape[0]
        if len(node.inputs) > 1:
            return size(node.inputs[0])
        return -(-size(node.inputs[0]) // node.args.get("strides", (1, 1))[0])

    @cache
    def reach(i: int, p: int) -> frozenset[int]:
        node = net.nodes[i]
        if i == 0:
            return frozenset({p})
        if len(node.inputs) > 1:
            return frozenset().union(*(reach(j, p) for j in node.inputs))
        args = node.args
        k, s = (args["kernel"] if node.kind == "conv" else args.get("pool", (1, 1)))[0], \
            args.get("strides", (1, 1))[0]
        n = size(node.inputs[0])
        before = max((-(-n // s) - 1) * s + k - n, 0) // 2
        return frozenset().union(*(reach(node.inputs[0], p * s - before + d) for d in range(k)))

    last = len(net.nodes) - 1
    a, b = reach(last, 10), reach(last, 11)
    return max(a) - min(a) + 1, min(b) - min(a)


@settings(max_examples=60, deadline=None)
@given(text=branching_specs())
def test_random_branching_networks(text: str) -> None:
    net = one(text)
    # the text written back parses to the same nodes, and the structure numbers them the same way
    assert parse_paper(format_paper(net))[0].nodes == net.nodes
    assert canonical(net)[1] == list(range(len(net.nodes)))
    a = analyze_network(net)
    assert a.totals.params == sum(r.params for r in a.rows)
    assert all(max(r.inputs) < r.index for r in a.rows)  # topological order
    size, jump = brute_force_field(net)
    assert (a.rows[-1].rf_size[0], a.rows[-1].rf_stride[0]) == (size, jump), text


def test_dominators_and_structure_of_a_hand_drawn_graph() -> None:
    net = one(RESIDUAL)
    idom = dominators(net)
    adds = [i for i, n in enumerate(net.nodes) if n.kind == "add"]
    assert [idom[i] for i in adds] == [1, 10]  # each add's branches split at the block's input
    seq = structure(net)
    assert seq[0] == 1 and seq[1].index == adds[0] and seq[1].branches[0] == [2, 3]


# ---------------------------------------------------------------------------------------------
# Rendering the structure.

def run(args: list[str], capsys) -> tuple[int, str]:
    with pytest.raises(SystemExit) as e:
        main(args)
    return e.value.code, capsys.readouterr().out


def test_table_shows_blocks_branches_and_merge_parents(tmp_path, capsys, monkeypatch) -> None:
    monkeypatch.setenv("COLUMNS", "160")
    spec = tmp_path / "res.txt"
    spec.write_text(RESIDUAL)
    code, out = run(["summary", str(spec)], capsys)
    assert code == 0
    lines = out.splitlines()
    heading = next(i for i, ln in enumerate(lines) if "res(32, stride=2) [1/2]:" in ln)
    assert lines[heading + 1].split()[:2] == ["branch", "shortcut:"]
    assert re.search(r"^\s+2\s{7}conv1-32 stride=2 linear\s+16x16x32", lines[heading + 2])
    assert re.search(r"^\s+9\s{5}add ← 3, 8\s+16x16x32", out, re.M)


def test_json_has_inputs_and_scope_in_topological_order(capsys) -> None:
    code, out = run(["summary", "resnet50", "--format", "json"], capsys)
    d = json.loads(out)
    assert code == 0 and d["network"] == "resnet50"
    layers = d["layers"]
    assert [x["index"] for x in layers] == list(range(1, len(layers) + 1))
    assert all(max(x["inputs"]) < x["index"] for x in layers)
    adds = [x for x in layers if x["kind"] == "add"]
    assert len(adds) == 16 and adds[0]["inputs"] == [8, 16]
    assert adds[0]["scope"] == ["bottleneck(64)"]


def test_csv_has_inputs_and_scope(capsys) -> None:
    code, out = run(["summary", "mobilenetv2", "--format", "csv"], capsys)
    assert code == 0
    header, *rows = [r.split(",") for r in out.splitlines()]
    assert header[-2:] == ["inputs", "scope"]
    adds = [r for r in rows if r[3] == "add"]
    assert len(adds) == 10 and all(len(r[-2].split()) == 2 for r in adds)


# ---------------------------------------------------------------------------------------------
# The bundled specs: Keras Applications' numbers (Keras 3, weights=None, include_top=True).

KERAS_TOTALS = {
    "resnet50": (25_636_712, 25_583_592),
    "resnet101": (44_707_176, 44_601_832),
    "resnet152": (60_419_944, 60_268_520),
    "mobilenet": (4_253_864, 4_231_976),
    "mobilenetv2": (3_538_984, 3_504_872),
    "densenet121": (8_062_504, 7_978_856),
    "densenet169": (14_307_880, 14_149_480),
    "densenet201": (20_242_984, 20_013_928),
}


@pytest.mark.parametrize("name", sorted(KERAS_TOTALS))
def test_bundled_spec_totals_equal_keras_applications(name: str) -> None:
    (net,) = load(name)
    t = analyze_network(net).totals
    assert (t.params, t.trainable_params) == KERAS_TOTALS[name]


@pytest.mark.parametrize(("name", "field"), [("resnet50", 483), ("resnet101", 1027), ("resnet152", 1507),
                                             ("mobilenet", 315)])
def test_receptive_field_equals_the_published_table(name: str, field: int) -> None:
    """google-research/receptive_field: the last feature map before global pooling."""
    rows = analyze_network(load(name)[0]).rows
    last = next(r for r in rows if r.kind == "global_avgpool").index - 1
    assert (rows[last - 1].rf_size, rows[last - 1].rf_stride) == ((field, field), (32, 32))


def test_resnet50_macs_and_the_torchvision_figure() -> None:
    """torchvision publishes 4.09 GFLOPS for ResNet-50 — multiply-accumulates, for its "v1.5"
    layout, which strides the 3x3 convolution of a stage's first block instead of the first 1x1.
    Moved there, archcalc's count is torchvision's; Keras' v1 layout costs 3.86 G."""
    (net,) = load("resnet50")
    v1 = analyze_network(net).totals.macs
    assert v1 == 3_857_973_248
    text = (resolve("resnet")[0].text
            .replace("  conv1-{filters} stride={stride}\n  bn\n  relu\n  conv3-{filters}\n",
                     "  conv1-{filters}\n  bn\n  relu\n  conv3-{filters} stride={stride}\n"))
    v15 = analyze_network(parse_paper(text)[0]).totals
    assert round(v15.macs / 1e9, 2) == 4.09
    assert v15.params == 25_636_712  # the same weights, only where the stride sits changes


def test_summary_of_resnet152_lists_every_layer(capsys) -> None:
    code, out = run(["summary", "resnet152", "--format", "csv"], capsys)
    assert code == 0 and len(out.splitlines()) == 1 + 516


# -- live Keras ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("app", "spec"), [("ResNet50", "resnet50"), ("ResNet101", "resnet101"),
                                           ("ResNet152", "resnet152"), ("MobileNet", "mobilenet"),
                                           ("MobileNetV2", "mobilenetv2"), ("DenseNet121", "densenet121")])
def test_keras_application_reads_back_as_the_bundled_spec(app: str, spec: str) -> None:
    """`import keras.applications.X` gives the spec's rows exactly: kind, shape, params and parents."""
    pytest.importorskip("keras")
    from archcalc.bridge.importer import load_model, read_model
    from archcalc.bridge.verify import _free

    model, _ = load_model(f"keras.applications.{app}")
    imported = analyze_network(read_model(model).network)
    del model
    _free()
    ours = analyze_network(load(spec)[0])

    def rows(a):
        return [(r.kind, r.output_shape, r.params, r.trainable, r.inputs) for r in a.rows]

    assert rows(imported) == rows(ours)


# ---------------------------------------------------------------------------------------------
# Fuzzing the new syntax: whatever the text, only archcalc's own errors come out.

_PIECES = ["add", "concat", "branch", "branch left", "identity", "block b(f, s=1)", "block c", "b(8)",
           "b(8, s=2) x2", "b()", "b(f)", "c", "c x3", "conv3-{f}", "conv1-{4*f} stride={s}", "conv3-8",
           "maxpool", "bn", "relu", "FC-10", "{f", "b(8", "block", "block b(", "b(s=1, 8)", "concat x2",
           "conv3-{f//0}", "conv3-{f/3}", "reshape 2x2x2", "global-avgpool"]


@settings(max_examples=300, deadline=None)
@given(lines=st.lists(st.tuples(st.integers(0, 3), st.sampled_from(_PIECES)), max_size=14))
def test_random_text_with_blocks_and_merges_raises_only_archcalc_errors(lines) -> None:
    from archcalc.errors import ArchcalcError

    text = "input 8x8x8\n" + "\n".join("  " * depth + piece for depth, piece in lines)
    try:
        nets = parse_paper(text)
        for net in nets:
            analyze_network(net)
            parse_paper(format_paper(net))
    except ArchcalcError as e:
        assert e.message and e.location is not None, e.render()


@pytest.mark.parametrize(("name", "published"), [
    ("resnet50", 3.8e9), ("resnet101", 7.6e9), ("resnet152", 11.3e9),  # He et al. 2016, Table 1 ("FLOPs")
    ("mobilenet", 569e6),     # Howard et al. 2017, Table 8: 1.0 MobileNet-224, 569 million mult-adds
    ("mobilenetv2", 300e6),   # Sandler et al. 2018, Table 4: 300M multiply-adds
])
def test_macs_match_the_papers_multiply_adds(name: str, published: float) -> None:
    """The papers' "FLOPs" and "mult-adds" are multiply-accumulates, printed with two or three
    significant digits (ResNet-50's 3.86 G appears as 3.8, ResNet-101's 7.57 G as 7.6): within 2%."""
    macs = analyze_network(load(name)[0]).totals.macs
    assert abs(macs / published - 1) < 0.02, (macs, published)


def test_runaway_expansion_and_nesting_are_errors_not_hangs_or_tracebacks() -> None:
    with pytest.raises(SpecError, match="grows past 100,000 layers"):
        parse_paper("input 8x8x4\nblock a\n  relu x1000\nblock b\n  a x1000\nb x1000\n")
    deep = "input 8x8x4\n" + "".join(f"{'  ' * 2 * i}add\n{'  ' * (2 * i + 1)}identity\n{'  ' * (2 * i + 1)}branch\n"
                                     for i in range(600)) + "  " * 1200 + "relu\n"
    with pytest.raises(SpecError, match="nested too deeply"):
        parse_paper(deep)
