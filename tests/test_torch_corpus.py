"""The corpus of PyTorch model code (tests/corpus/torch/): each file run with real torch and read by archcalc,
compared module by module (output shapes, parameters, buffers, the MACs of convolutions and linear layers)
and in total.

Each file starts with ``# archcalc: --input ... [--net ...] [--define ...]`` (how archcalc must read it) and
``# covers: ...`` (what it exercises: torch.nn classes, functions, forms of code); the harness tests below check
that every claim is true of the file, so the coverage test of the issue's list can trust them.
"""

from __future__ import annotations

import ast
import inspect
import re
from functools import cache
from pathlib import Path

import pytest

pytest.importorskip("torch")

from torch_reference import TorchRun, compare, load_model, options, run_torch

CORPUS = Path(__file__).parent / "corpus" / "torch"
FILES = sorted(CORPUS.glob("*.py"))
IDS = [p.stem for p in FILES]

CONTAINERS = {"Sequential", "ModuleList", "ModuleDict"}

# What issue 14 asks the reader to understand: every module of its list, and every form of code it names.
REQUIRED_MODULES = {
    "Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d", "Linear", "LazyLinear",
    "BatchNorm1d", "BatchNorm2d", "BatchNorm3d", "LayerNorm", "GroupNorm",
    "MaxPool1d", "MaxPool2d", "MaxPool3d", "AvgPool1d", "AvgPool2d", "AvgPool3d",
    "AdaptiveAvgPool1d", "AdaptiveAvgPool2d", "AdaptiveAvgPool3d",
    "AdaptiveMaxPool1d", "AdaptiveMaxPool2d", "AdaptiveMaxPool3d",
    "Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout",
    "ReLU", "ReLU6", "LeakyReLU", "PReLU", "ELU", "SELU", "GELU", "SiLU", "Mish", "Sigmoid", "Tanh", "Softplus",
    "Hardswish", "Hardsigmoid", "Hardtanh", "Softmax", "LogSoftmax",
    "Flatten", "Unflatten", "Upsample", "Identity", "Embedding", "ZeroPad2d",
    "Sequential", "ModuleList", "ModuleDict",
}
REQUIRED_FORMS = {
    "module-level", "OrderedDict", "*layers", "loop", "helper-class", "super()", "old-super",
    "F.relu", "F.max_pool2d", "F.avg_pool2d", "F.adaptive_avg_pool2d", "F.interpolate", "F.pad", "F.dropout",
    "F.log_softmax", "F.max_pool1d", "torch.flatten", "torch.cat", "view(-1)", "view(size0)", "residual",
    "condition", "ceil_mode", "pool-padding", "permute", "unused-module", "shared-module", "add_module",
    "--net", "--define",
}


def test_the_corpus_is_large_enough() -> None:
    assert len(FILES) >= 34


@cache
def _run(path: Path) -> TorchRun:
    text = path.read_text()
    return run_torch(text, options(text))


def _claims(text: str) -> list[str]:
    match = re.search(r"^# covers: (.*)$", text, re.M)
    assert match, "the second line says what the file exercises: `# covers: Conv2d, F.relu, ...`"
    return [c.strip() for c in match.group(1).split(",")]


def _methods(tree: ast.Module, name: str) -> list[ast.FunctionDef]:
    return [f for c in ast.walk(tree) if isinstance(c, ast.ClassDef) for f in c.body
            if isinstance(f, ast.FunctionDef) and f.name == name]


def _outside_forward(tree: ast.Module) -> list[ast.AST]:
    inside = {id(n) for f in _methods(tree, "forward") for n in ast.walk(f)}
    return [n for n in ast.walk(tree) if id(n) not in inside]


def _claim_holds(claim: str, text: str, run: TorchRun, path: Path) -> bool:
    """Whether the file really exercises one thing its ``# covers:`` line claims."""
    import torch

    tree = ast.parse(text)
    forward = [n for f in _methods(tree, "forward") for n in ast.walk(f)]
    called = {m.cls for m in run.modules.values() if m.calls}
    present = {m.cls for m in run.modules.values()}
    header = options(text)
    classes = [c.name for c in tree.body if isinstance(c, ast.ClassDef)]
    if claim in CONTAINERS:
        return claim in present
    if hasattr(torch.nn, claim):
        return claim in called or (claim.startswith("Lazy") and claim in present)
    if claim.startswith(("F.", "torch.")):
        return f"{claim}(" in text
    checks = {
        "module-level": lambda: run.name not in classes,
        "OrderedDict": lambda: "Sequential(OrderedDict(" in text,
        "*layers": lambda: re.search(r"Sequential\(\s*\*", text) is not None,
        "loop": lambda: any(isinstance(n, (ast.For, ast.comprehension)) for n in _outside_forward(tree)),
        "helper-class": lambda: bool({m.cls for q, m in run.modules.items() if q} & set(classes)),
        "super()": lambda: "super().__init__(" in text,
        "old-super": lambda: re.search(r"super\(\w+, self\)\.__init__\(", text) is not None,
        "view(-1)": lambda: re.search(r"\.view\(-1, ", text) is not None,
        "view(size0)": lambda: re.search(r"\.view\((\w+)\.size\(0\), -1\)", text) is not None,
        "residual": lambda: any((isinstance(n, ast.AugAssign) and isinstance(n.op, ast.Add))
                                or (isinstance(n, ast.BinOp) and isinstance(n.op, ast.Add)
                                and not isinstance(n.right, ast.Constant)) for n in forward),
        "condition": lambda: any(isinstance(n, (ast.If, ast.IfExp)) for c in tree.body
                                 if isinstance(c, ast.ClassDef) for n in ast.walk(c)),
        "ceil_mode": lambda: "ceil_mode=True" in text,
        "pool-padding": lambda: re.search(r"[Pp]ool\w*\([^)]*padding=", text) is not None,
        "permute": lambda: re.search(r"\.(permute|transpose)\(", text) is not None,
        "unused-module": lambda: any(m.leaf and not m.calls and m.params for m in run.modules.values()),
        "shared-module": lambda: any(m.leaf and len(m.calls) > 1 and m.params for m in run.modules.values()),
        "add_module": lambda: ".add_module(" in text,
        "--net": lambda: header["net"] is not None and classes and header["net"] != classes[-1],
        "--define": lambda: bool(header["defines"]),
        # Tensors a module holds itself, and parameters frozen by hand.
        "register_buffer": lambda: ".register_buffer(" in text and run.buffers > sum(
            m.buffers for m in run.modules.values() if m.leaf and m.cls in dir(torch.nn)),
        "nn.Parameter": lambda: "nn.Parameter(" in text and run.params > sum(
            m.params for m in run.modules.values() if m.leaf and m.cls in dir(torch.nn)),
        "frozen": lambda: 0 < run.trainable < run.params,
    }
    assert claim in checks, f"{path.name}: unknown claim {claim!r}"
    return bool(checks[claim]())


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_corpus_file_runs_and_exercises_its_claims(path: Path) -> None:
    """The harness alone: torch runs the file, its records add up, and the header tells the truth."""
    text = path.read_text()
    assert text.startswith("# archcalc: --input "), "the first line says how to read the file"
    reading = options(text)
    run = _run(path)
    assert sum(m.params for m in run.modules.values()) == run.params > 0
    assert sum(m.buffers for m in run.modules.values()) == run.buffers
    assert run.outputs and all(all(d > 0 for d in shape) for shape, _ in run.outputs)
    for name, module in run.modules.items():
        assert all(shape for shape, _ in module.calls), f"{name}: a call without an output"
        assert not module.params or module.leaf or module.cls in CONTAINERS or "nn.Parameter" in _claims(text), \
            f"{name}: weights outside a leaf"
    wrong = [c for c in _claims(text) if not _claim_holds(c, text, run, path)]
    assert wrong == [], f"claimed but not exercised: {wrong}"
    # The claims name every torch.nn class the model runs, so the coverage test below is complete.
    leaves = {m.cls for m in run.modules.values() if m.leaf and m.calls and m.cls != "Sequential"}
    assert leaves <= set(_claims(text)), f"not claimed: {sorted(leaves - set(_claims(text)))}"
    # Every --define is a constructor argument of the class read, or a name the code uses.
    _, model = load_model(text, reading)
    wanted = inspect.signature(type(model).__init__).parameters
    body = text.split("\n", 2)[2]
    for name in reading["defines"]:
        assert name in wanted or re.search(rf"\b{name}\b", body), f"--define {name} is used nowhere"


def test_the_corpus_covers_the_issue() -> None:
    claims = {c for p in FILES for c in _claims(p.read_text())}
    assert sorted(REQUIRED_MODULES - claims) == []
    assert sorted(REQUIRED_FORMS - claims) == []


def test_the_layouts_are_followed() -> None:
    """torch's own layouts: an Embedding's output is features-last until a transpose puts channels first."""
    run = _run(CORPUS / "text_cnn_kim.py")
    assert run.modules["embedding"].calls == [((40, 64), "last")]
    assert run.modules["convs.0"].calls == [((50, 38), "first")]
    run = _run(CORPUS / "convnext_block_permute.py")
    assert run.modules["stages.0.norm"].calls == [((8, 8, 32), "last")]
    assert run.modules["stages.0.pwconv2"].calls == [((8, 8, 32), "last")]
    assert run.modules["stages.0.dwconv"].calls == [((32, 8, 8), "first")]


# Files archcalc reads today but gets wrong (reader bugs, reported): strict, so a fix shows as XPASS and fails;
# a refusal is no expected failure either (move the file to torch_gaps/).
MISREADINGS: dict[str, str] = {}  # none known


@pytest.mark.parametrize("path", [pytest.param(p, marks=pytest.mark.xfail(raises=AssertionError, strict=True,
                                                                           reason=MISREADINGS[p.stem]))
                                  if p.stem in MISREADINGS else p for p in FILES], ids=IDS)
def test_corpus_file_agrees_with_torch(path: Path) -> None:
    text = path.read_text()
    assert compare(text, path.name, run=_run(path), **options(text)) == []


def test_the_comparison_reports_a_wrong_reading(monkeypatch: pytest.MonkeyPatch) -> None:
    """The harness can fail: a reading with one Linear one unit too wide, and one with a module name lost."""
    import dataclasses

    from archcalc import torch_code

    real = torch_code.parse_torch

    def misread(change: str) -> None:
        def parse(*args: object, **kwargs: object) -> list[object]:
            (network,) = real(*args, **kwargs)
            i = next(i for i, n in enumerate(network.nodes) if n.module == "fc3")
            node = network.nodes[i]
            network.nodes[i] = (dataclasses.replace(node, args={**node.args, "units": 11}) if change == "units"
                                else dataclasses.replace(node, module=""))
            return [network]

        monkeypatch.setattr(torch_code, "parse_torch", parse)

    text = (CORPUS / "blitz_cifar_net.py").read_text()
    assert compare(text, "blitz", **options(text)) == []
    misread("units")
    problems = compare(text, "blitz", **options(text))
    assert "blitz Net: module 'fc3' (Linear): output shapes (channels-first) archcalc [(11,)] != torch [(10,)]" \
        in problems
    assert "blitz Net: module 'fc3' (Linear): (params, buffers) archcalc (935, 0) != torch (850, 0)" in problems
    assert "blitz Net: totals (params, buffers) archcalc (62091, 0) != torch (62006, 0)" in problems
    assert "blitz Net: module 'fc3' (Linear): MACs archcalc 924 != torch's flop counter 840" in problems
    misread("module")
    problems = compare(text, "blitz", **options(text))
    assert "blitz Net: module 'fc3' (Linear): torch called it 1 time(s) (outputs [(10,)]); archcalc has no row " \
           "for it" in problems


GAPS = sorted((Path(__file__).parent / "corpus" / "torch_gaps").glob("*.py"))


@pytest.mark.parametrize("path", GAPS, ids=[p.stem for p in GAPS])
def test_known_gaps_are_refused_not_misread(path: Path) -> None:
    """Tutorial code the reader refuses today (tests/corpus/torch_gaps/, each file's `# gap:` line says what):
    a refusal with its place, never a wrong number. When the reader learns it, this test fails: move the
    file into tests/corpus/torch/, where it is compared with torch."""
    from archcalc.errors import SpecError

    text = path.read_text()
    run_torch(text, options(text))  # the code itself is valid PyTorch
    with pytest.raises(SpecError) as refusal:
        compare(text, path.name, **options(text))
    quoted = re.search(r'^# gap: .*\("(.+)"\)$', text, re.M)  # the refusal's own words, when the line quotes them
    named = re.search(r"^# gap: [^`]*`(.+?)`", text, re.M)
    assert quoted or named, "the third line says what is refused: `# gap: ...`"
    assert (quoted.group(1) if quoted else named.group(1).split("(")[0]) in refusal.value.message
    assert refusal.value.location is not None and refusal.value.location.line > 3
