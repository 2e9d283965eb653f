"""The PyTorch bridge: ``verify --framework torch``, ``export --framework torch``, ``from_torch`` and the
refusals, checked against real PyTorch (torchvision's models are tests/test_torchvision.py).

Every number on the PyTorch side comes from the module PyTorch builds (``parameters()``, ``buffers()``,
the forward pass's shapes), never from archcalc.
"""

from __future__ import annotations

import ast
import json
import math
import runpy
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

torch = pytest.importorskip("torch")
nn = torch.nn

import archcalc  # noqa: E402
from archcalc.analysis import analyze_network  # noqa: E402
from archcalc.bridge import torch_import, torchlib  # noqa: E402
from archcalc.bridge.torch_export import python_code  # noqa: E402
from archcalc.bridge.torch_verify import verify  # noqa: E402
from archcalc.cli import main  # noqa: E402
from archcalc.errors import KerasError  # noqa: E402
from archcalc.source import bundled_files, load, parse_text  # noqa: E402


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    try:
        main(args)
        code = 0
    except SystemExit as e:
        code = int(e.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def _numel(tensors) -> int:
    return sum(math.prod(t.shape) for t in tensors)


# -- verify ------------------------------------------------------------------------------------------------

#: Bundled networks PyTorch cannot build, and why (Keras' Normalization layer; batch norm without γ).
REFUSED = {"convnexttiny": "normalize", "efficientnetb0": "normalize", "inceptionv3": "β but no γ",
           "inceptionv3_aux": "β but no γ"}


def test_verify_every_bundled_spec_with_torch(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["verify", "--framework", "torch", "--format", "json"], capsys)
    reports = json.loads(out)
    assert code == 1  # the four networks PyTorch cannot build fail; every other agrees
    assert len(reports) == sum(len(load(str(f))) for f in bundled_files()) >= 30
    for r in reports:
        assert r["framework"] == "torch" and r["torch_version"] == torch.__version__
        if r["network"] in REFUSED:
            assert REFUSED[r["network"]] in " ".join(r["notes"]) and not r["ok"], r["network"]
        else:
            assert r["ok"] and r["mismatches"] == 0, (r["network"], [x for x in r["layers"] if not x["ok"]])
    vgg16 = next(r for r in reports if r["spec"] == "vgg16")
    assert vgg16["totals"]["params"] == {"archcalc": 138357544, "torch": 138357544, "ok": True}
    assert vgg16["layers"][18]["torch_modules"] == ["rows.18.0 (Flatten)", "rows.18.1 (Linear)", "rows.18.2 (ReLU)"]


def test_verify_counts_batch_norm_as_pytorch_does() -> None:
    (net,) = parse_text("network bn\ninput 8x8x3\nconv3-4 bias=false\nbatchnorm\nbatchnorm stats=torch\n")
    r = verify(net, analyze_network(net))
    assert r.ok
    bn, bn_torch = ({c.field: (c.ours, c.keras) for c in x.cells} for x in r.layers[1:])
    assert bn["params"] == (8, 8) and bn["buffers"] == (8, 8)  # Keras' moving statistics: running mean, var
    assert bn_torch["params"] == (8, 8) and bn_torch["buffers"] == (9, 9)  # and num_batches_tracked
    assert r.notes[-1] == "the module's buffers are 18 in all, 1 of them counters (num_batches_tracked) not compared"


def test_verify_reports_a_doctored_analysis() -> None:
    net = load("lenet5")[0]
    a = analyze_network(net)
    a.rows[0] = replace(a.rows[0], params=a.rows[0].params + 1, trainable=a.rows[0].trainable + 1)
    a.rows[-1] = replace(a.rows[-1], output_shape=(11,))  # the last: no other row is built from its shape
    r = verify(net, a)
    assert not r.ok and [x.index for x in r.mismatches] == [1, len(a.rows)]
    assert r.mismatches[0].cause == ("archcalc's formula for `conv` and PyTorch disagree: params 157 vs 156. This is "
                                     "a bug in archcalc or an option PyTorch reads differently: please report it")


def test_verify_torch_notation_is_the_default_for_imported_modules(tmp_path: Path, capsys) -> None:
    model = nn.Sequential(nn.Conv2d(1, 6, 5), nn.BatchNorm2d(6), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                          nn.Linear(6 * 12 * 12, 10))
    imported = torch_import.read_module(model, (1, 28, 28), "tiny")
    assert imported.network.notation == "torch"
    r = verify(imported.network, analyze_network(imported.network))
    assert r.ok and r.notes == [] and r.checked == 3 * 6 + 2
    assert {c.field: c.keras for c in r.totals} == {"params": _numel(model.parameters()),
                                                    "buffers": _numel(model.buffers())}


def test_verify_refusal_names_every_layer(tmp_path: Path, capsys) -> None:
    spec = tmp_path / "k.txt"
    spec.write_text("network k\ninput 8x8x3\nnormalize\nbatchnorm scale=false\nconv3-4\n")
    code, out, _ = run(["verify", str(spec), "--framework", "torch", "--format", "json"], capsys)
    (r,) = json.loads(out)
    assert code == 1 and r["refused"] == "2 layer(s) of `k` cannot be written in PyTorch"
    assert r["notes"][-3:] == [
        "layer 1 (normalize): PyTorch has no layer for archcalc's `normalize`; verify it with Keras "
        "(--framework keras), or leave it out",
        "layer 2 (batchnorm): PyTorch has no layer for batch normalisation with β but no γ; "
        "PyTorch's affine= gives γ and β, bias=False γ alone",
        "nothing was dropped: change or remove these layers"]


def test_verify_table_and_csv(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["verify", "lenet5", "--framework", "torch"], capsys)
    assert code == 0 and "PyTorch modules" in out and "Buffers" in out
    assert "all agree" in out and "against a PyTorch module built on the meta device" in out
    code, out, _ = run(["verify", "lenet5", "--framework", "torch", "--format", "csv"], capsys)
    assert out.splitlines()[0] == "spec,network,index,layer,torch_modules,field,archcalc,torch,ok,note,framework"


def test_verify_of_pytorch_code_speaks_its_names_and_layout(tmp_path: Path, capsys) -> None:
    """Code read from PyTorch: the table names the user's modules and writes shapes channels first;
    the JSON keeps archcalc's channels-last shapes (DESIGN §4)."""
    net = tmp_path / "net.py"
    net.write_text("import torch.nn as nn\n\nclass Net(nn.Module):\n    def __init__(self):\n"
                   "        super().__init__()\n        self.conv1 = nn.Conv2d(3, 6, 5)\n"
                   "        self.head = nn.Linear(6 * 28 * 28, 10)\n\n    def forward(self, x):\n"
                   "        return self.head(self.conv1(x).flatten(1))\n")
    code, out, _ = run(["verify", str(net), "--input", "3x32x32", "--framework", "torch"], capsys)
    assert code == 0, out
    rows = [line.split() for line in out.splitlines() if line.strip()[:1].isdigit()]
    assert rows[0][-6:] == ["conv1", "(Conv2d)", "6x28x28", "456", "0", "✓"]
    assert rows[-1][-6:] == ["head", "(Linear)", "10", "47,050", "0", "✓"]
    code, out, _ = run(["verify", str(net), "--input", "3x32x32", "--framework", "torch", "--format", "json"],
                       capsys)
    assert json.loads(out)[0]["layers"][0]["checks"]["output_shape"]["archcalc"] == [28, 28, 6]


@st.composite
def chains(draw: st.DrawFn) -> str:
    size = draw(st.integers(6, 20))
    lines = [f"input {size}x{draw(st.integers(6, 20))}x{draw(st.integers(1, 4))}"]
    for _ in range(draw(st.integers(1, 5))):
        k = draw(st.integers(1, 4))
        lines.append(draw(st.sampled_from([
            f"conv{k}-{draw(st.integers(1, 6))} stride={draw(st.integers(1, 3))} "
            f"padding={draw(st.sampled_from(['same', 'valid', '1', '2']))} bias={draw(st.booleans())}",
            f"conv{k}x{draw(st.integers(1, 3))}-{draw(st.integers(1, 6))} dilation={draw(st.integers(1, 2))}",
            f"dwconv{k} multiplier={draw(st.integers(1, 2))} stride={draw(st.integers(1, 2))}",
            f"sepconv{k}-{draw(st.integers(1, 5))}",
            f"maxpool{draw(st.integers(1, 3))} stride={draw(st.integers(1, 2))} "
            f"padding={draw(st.sampled_from(['same', 'valid']))}",
            f"maxpool{draw(st.integers(2, 3))} stride=2 ceil=true",
            f"avgpool{draw(st.integers(1, 3))} padding=same stride={draw(st.integers(1, 2))}",
            "batchnorm", "batchnorm stats=torch", "batchnorm center=false", "zeropad1", "dropout 0.3", "relu6",
            "layernorm", "groupnorm groups=1",
        ])))
    lines.append(draw(st.sampled_from(["FC-3", "global-avgpool", "flatten", "global-maxpool"])))
    return "\n".join(lines)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(chains())
def test_random_chains_agree_with_torch(spec: str) -> None:
    try:
        (network,) = parse_text(spec)
        a = analyze_network(network)
    except archcalc.ArchcalcError:
        return  # shrank below 1x1: archcalc says so, and there's nothing to build
    r = verify(network, a)
    assert r.ok, (spec, r.refused, [(x.name, [c for c in x.cells if not c.ok]) for x in r.mismatches])


# -- import of a live module -------------------------------------------------------------------------------


class Block(nn.Module):
    """A residual block with a squeeze-excitation gate, a channel shuffle, a chunk and torch.flatten."""

    def __init__(self, c: int) -> None:
        super().__init__()
        self.conv = nn.Conv2d(c, c, 3, padding=1, bias=False)
        self.bn = nn.BatchNorm2d(c)
        self.fc1 = nn.Conv2d(c, c // 2, 1)
        self.fc2 = nn.Conv2d(c // 2, c, 1)

    def forward(self, x):
        y = torch.relu(self.bn(self.conv(x)))
        s = torch.sigmoid(self.fc2(torch.relu(self.fc1(y.mean((2, 3), keepdim=True)))))
        y = y * s + x
        b, ch, h, w = y.size()
        y = y.view(b, 2, ch // 2, h, w).transpose(1, 2).contiguous().view(b, -1, h, w)
        left, right = y.chunk(2, dim=1)
        return torch.cat([left, nn.functional.max_pool2d(right, 3, 1, 1)], 1)


class Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 3, stride=2, padding=1)
        self.block = Block(8)
        self.head = nn.Linear(8 * 8 * 8, 10)

    def forward(self, x):
        x = self.block(self.stem(x))
        return self.head(torch.flatten(x, 1))


def test_from_torch_reads_functional_code_exactly() -> None:
    model = Net()
    a = archcalc.from_torch(model, "3x16x16")
    assert a.totals.params == _numel(model.parameters()) and a.totals.buffers == _numel(model.buffers())
    assert next(model.parameters()).device.type == "cpu"  # the module was not moved to the meta device
    kinds = [r.kind for r in a.rows]
    assert kinds == ["conv", "conv", "batchnorm", "activation", "global_avgpool", "conv", "activation", "conv",
                     "activation", "multiply", "add", "reshape", "permute", "reshape", "slice", "slice", "maxpool",
                     "concat", "flatten", "dense"]
    assert [r.output_shape for r in a.rows][11:14] == [(8, 8, 2, 4), (8, 8, 4, 2), (8, 8, 8)]
    assert a.rows[-1].macs == 8 * 8 * 8 * 10


def test_from_torch_refuses_what_it_cannot_read() -> None:
    class Odd(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.conv = nn.Conv2d(3, 4, 3)
            self.rnn = nn.GRU(4, 4)

        def forward(self, x):
            x = torch.sin(self.conv(x))
            return x[:, :, ::2]  # a step: no archcalc kind (x[:, :, 0] is read)

    with pytest.raises(KerasError) as e:
        torch_import.read_module(Odd(), (3, 8, 8), "odd")
    assert e.value.message == "2 operation(s) of odd cannot be written in archcalc's notation yet"
    assert e.value.details == ("sin (sin() after conv): no archcalc kind for this function",
                               "__getitem__ (__getitem__() after conv): an index that is not whole numbers, slices "
                               "of step 1 and `...`")
    assert e.value.hint == "nothing was dropped: replace these operations, or analyse the rest"


def test_from_torch_bad_input_shape() -> None:
    with pytest.raises(KerasError) as e:
        torch_import.read_module(nn.Sequential(nn.Conv2d(3, 4, 3)), (1, 8, 8), "m")
    assert e.value.message.startswith("the module's forward pass failed on an input of shape (2, 1, 8, 8): "
                                      "RuntimeError:")
    assert e.value.hint == "is --input the shape the model expects (channels first, e.g. 3x224x224)?"


def test_import_cli_torchvision(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["import", "torchvision.models.resnet18", "--input", "3x64x64"], capsys)
    assert code == 0
    assert out.splitlines()[1] == ("# 11,689,512 parameters (model.parameters()), 9,620 buffers (model.buffers()); "
                                   "shapes channels last")
    assert "conv7-64 stride=2 padding=3 bias=false activation=none       # conv1" in out
    code, _, err = run(["import", "torchvision.models.resnet19"], capsys)
    assert code == 2 and "torchvision.models has no classification model `resnet19`" in err
    assert "did you mean `torchvision.models.resnet18`?" in err


def test_missing_torch_gives_the_install_hint(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    torchlib.torch.cache_clear()
    monkeypatch.setitem(sys.modules, "torch", None)
    try:
        code, _, err = run(["verify", "lenet5", "--framework", "torch"], capsys)
    finally:
        torchlib.torch.cache_clear()
    assert code == 2
    assert "this command needs PyTorch, which is not installed (torch)" in err
    assert "pip install 'archcalc[torch]'" in err


def test_reading_never_imports_torch() -> None:
    code = ("import sys, archcalc\n"
            "archcalc.analyze('vgg16')\n"
            "from archcalc.cli import main\n"
            "try:\n    main(['summary', 'resnet50'])\nexcept SystemExit:\n    pass\n"
            "assert 'torch' not in sys.modules, 'torch was imported'\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


# -- export ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("spec", ["vgg16", "resnet50", "mobilenetv2", "xception", "alexnet", "lenet5"])
def test_export_torch_runs_and_counts_the_same(spec: str, tmp_path: Path, capsys) -> None:
    target = tmp_path / "net.py"
    code, out, _ = run(["export", spec, "-o", str(target), "--framework", "torch"], capsys)
    assert code == 0 and out == f"wrote {target}: {load(spec)[0].name}, PyTorch code\n"
    net = load(spec)[0]
    a = analyze_network(net)
    namespace = runpy.run_path(str(target))  # executes the file (its __main__ block does not run)
    with torch.device("meta"):
        model = namespace["Net"]()
    out = model(torch.empty((1, *_first(net.input_shape)), device="meta"))
    out = out[0] if isinstance(out, list) else out
    assert tuple(out.shape[1:]) == _first(tuple(a.rows[-1].output_shape))
    assert _numel(model.parameters()) == a.totals.trainable_params
    bn = sum(1 for n in net.layers if n.kind == "batchnorm")
    assert _numel(model.buffers()) == a.totals.non_trainable_params + a.totals.buffers + bn
    capsys.readouterr()
    runpy.run_path(str(target), run_name="__main__")  # as `python net.py` runs it (one real run: below)
    assert capsys.readouterr().out == f"{a.totals.trainable_params:,} parameters, {_numel(model.buffers()):,} buffers\n"


def test_export_torch_file_runs_with_python(tmp_path: Path, capsys) -> None:
    target = tmp_path / "net.py"
    assert run(["export", "vgg16", "-o", str(target), "--framework", "torch"], capsys)[0] == 0
    done = subprocess.run([sys.executable, str(target)], capture_output=True, text=True, timeout=300)
    assert (done.returncode, done.stdout) == (0, "138,357,544 parameters, 0 buffers\n"), done.stderr


def _first(shape: tuple[int, ...]) -> tuple[int, ...]:
    return shape if len(shape) < 2 else (shape[-1], *shape[:-1])


@pytest.mark.parametrize("name", ["shufflenet_v2_x1_0", "convnext_tiny", "googlenet"])
def test_import_then_export_then_run_gives_torchvisions_numbers(name: str, tmp_path: Path, capsys) -> None:
    spec = tmp_path / "net.txt"
    assert run(["import", f"torchvision.models.{name}", "-o", str(spec)], capsys)[0] == 0
    target = tmp_path / "net.py"
    assert run(["export", str(spec), "-o", str(target), "--framework", "torch"], capsys)[0] == 0
    with torch.device("meta"):
        model = runpy.run_path(str(target))["Net"]()
        original = torch_import.load_model(name)[0]
    assert _numel(model.parameters()) == _numel(original.parameters())
    assert _numel(model.buffers()) == _numel(original.buffers())
    (net,) = parse_text(spec.read_text())
    assert verify(net, analyze_network(net)).ok


HOSTILE = ['x""";__import__("os").system("touch MARK");"""', "a\nb\r\u2028\\", "lone \ud800 surrogate"]


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_names_produce_no_side_effect(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    net = replace(load("lenet5")[0], name=name)
    code = python_code(net, analyze_network(load("lenet5")[0]), spec=name)
    tree = ast.parse(code)
    assert [type(s).__name__ for s in tree.body] == ["Expr", "Import", "ImportFrom", "ClassDef", "If"]
    assert name.encode("utf-8", "surrogatepass").decode("utf-8", "replace")[:1] in ast.get_docstring(tree)
    target = tmp_path / "net.py"
    target.write_text(code, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    runpy.run_path(str(target), run_name="__main__")
    assert capsys.readouterr().out == "61,706 parameters, 0 buffers\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["net.py"]  # no MARK file


def test_modules_forward_never_calls_are_exported_under_safe_names(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    """A ModuleDict key is any string: the unused module it names becomes a plain attribute, and the exported
    module counts what the original counts."""
    code = ("import torch.nn as nn\n\nclass Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
            "        self.conv = nn.Conv2d(3, 4, 3)\n"
            "        self.extra = nn.ModuleDict({'a\"\"\"\\ngetattr(__import__(\"os\"), \"system\")"
            "(\"touch MARK\")\\n#': "
            "nn.Conv2d(4, 8, 3), 'a b': nn.BatchNorm2d(8)})\n\n"
            "    def forward(self, x):\n        return self.conv(x)\n")
    source = tmp_path / "spare.py"
    source.write_text(code, encoding="utf-8")
    namespace: dict = {}
    exec(compile(code, str(source), "exec"), namespace)
    original = namespace["Net"]()
    target = tmp_path / "net.py"
    assert run(["export", str(source), "--input", "3x8x8", "-o", str(target), "--framework", "torch"], capsys)[0] == 0
    written = target.read_text(encoding="utf-8")
    assert "self.unused_extra_a_b = nn.BatchNorm2d(8)" in written
    monkeypatch.chdir(tmp_path)
    exported = runpy.run_path(str(target), run_name="__main__")
    counts = f"{_numel(original.parameters()):,} parameters, {_numel(original.buffers())} buffers\n"
    assert capsys.readouterr().out == counts
    assert _numel(exported["model"].parameters()) == _numel(original.parameters()) == 112 + 296 + 16
    assert sorted(p.name for p in tmp_path.iterdir()) == ["net.py", "spare.py"]  # no MARK file


def test_export_torch_refuses_a_model_file(tmp_path: Path, capsys) -> None:
    code, _, err = run(["export", "lenet5", "-o", str(tmp_path / "m.keras"), "--framework", "torch"], capsys)
    assert code == 2 and "PyTorch is written as code" in err and "name the file .py" in err


def test_layers_on_pytorchs_last_axis_and_norms_read_and_build_back() -> None:
    model = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.LayerNorm([8, 8]), nn.Linear(8, 5),
                          nn.InstanceNorm2d(8, track_running_stats=True), nn.GroupNorm(2, 8), nn.ChannelShuffle(2),
                          nn.BatchNorm2d(8, bias=False) if "bias" in nn.BatchNorm2d.__init__.__code__.co_varnames
                          else nn.Identity(), nn.Flatten(), nn.Linear(8 * 8 * 5, 4))
    imported = torch_import.read_module(model, (3, 8, 8), "norms")
    a = analyze_network(imported.network)
    assert (a.totals.params, a.totals.buffers) == (_numel(model.parameters()), _numel(model.buffers()))
    r = verify(imported.network, a)  # built back from archcalc's reading, by torch_build
    assert r.ok, [(x.name, [c for c in x.cells if not c.ok]) for x in r.mismatches]


def test_the_importers_own_check_catches_a_wrong_reading(monkeypatch: pytest.MonkeyPatch) -> None:
    from archcalc import kinds

    real = kinds.torch_layer

    def off_by_one(cls, kwargs, shape):  # a vocabulary bug: one filter too many
        kind, args = real(cls, kwargs, shape)
        return (kind, {**args, "filters": args["filters"] + 1}) if kind == "conv" else (kind, args)

    monkeypatch.setattr(kinds, "torch_layer", off_by_one)
    with pytest.raises(KerasError) as e:
        torch_import.read_module(nn.Sequential(nn.Conv2d(3, 4, 3), nn.Flatten()), (3, 8, 8), "m")
    assert e.value.message == ("archcalc reads `0` as `conv3-5 padding=0 activation=none` (row 1) but disagrees "
                               "with PyTorch: shape (6, 6, 5) vs (6, 6, 4); params 140 vs 112")


def test_modules_never_called_are_counted_and_verified() -> None:
    class Spare(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.conv = nn.Conv2d(3, 4, 3)
            self.spare = nn.Conv2d(4, 8, 5)
            self.spare_bn = nn.BatchNorm2d(8)

        def forward(self, x):
            return self.conv(x)

    model = Spare()
    imported = torch_import.read_module(model, (3, 8, 8), "spare")
    a = analyze_network(imported.network)
    assert (a.totals.params, a.totals.buffers) == (_numel(model.parameters()), _numel(model.buffers()))
    assert [u.module for u in imported.network.unused] == ["spare", "spare_bn"]
    assert imported.notes[0] == ("2 module(s) the forward pass never calls (spare, spare_bn): counted in the totals, "
                                 "as model.parameters() counts them; they have no row")
    r = verify(imported.network, a)
    assert r.ok and {c.field: c.keras for c in r.totals} == {"params": 112 + 808 + 16, "buffers": 17}
