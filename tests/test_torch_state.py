"""Tensors a PyTorch module holds itself: buffers (``register_buffer``) and parameters (``nn.Parameter``),
counted in the totals as ``model.buffers()`` and ``model.parameters()`` count them, and read in ``forward``
as constant operands of ``+``, ``-``, ``*`` and ``/`` (compared with real torch); what cannot be read exactly
is refused with its place."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

torch = pytest.importorskip("torch")

from torch_reference import compare, run_torch  # noqa: E402

from archcalc.analysis import analyze_network  # noqa: E402
from archcalc.errors import ArchcalcError, SpecError  # noqa: E402
from archcalc.torch_code import parse_torch  # noqa: E402

HEAD = "import torch\nimport torch.nn as nn\n"


def _net(init: str, forward: str, header: str = "# archcalc: --input 10\n") -> str:
    """A model with a Linear (line 8), the lines ``init`` (from line 9, indented by 8) and ``forward``'s body."""
    return header + HEAD + (
        "\n"
        "class Net(nn.Module):\n"
        "    def __init__(self, name='m'):\n"
        "        super().__init__()\n"
        "        self.fc = nn.Linear(10, 10)\n"
        f"        {init}\n"
        "\n"
        "    def forward(self, x):\n"
        f"        {forward}\n")


@pytest.mark.parametrize(("init", "forward"), [
    ("self.register_buffer('mask', torch.ones(1, 10))", "return self.fc(x * self.mask)"),
    ("self.register_buffer('mask', torch.ones(10), persistent=False)", "return self.fc(self.mask - x)"),
    ("self.register_buffer(name, torch.tensor([[0.5] * 10]))", "return self.fc(x / self.m)"),
    ("self.register_buffer('eye', torch.eye(3))\n        self.register_buffer('idx', torch.arange(2, 12, 3))",
     "return self.fc(x)"),
    ("self.register_buffer('gone', None)\n        self.register_buffer('s', torch.zeros(()))",
     "return self.fc(x + self.s)"),
    ("self.w = nn.Parameter(torch.randn(10) * 0.1, requires_grad=True)", "return self.fc(x) * self.w.view(1, -1)"),
    ("self.register_parameter('b', nn.Parameter(torch.full((10,), 0.5)))\n"
     "        self.register_parameter('c', None)",
     "return self.fc(x).add(self.b.unsqueeze(0))"),
    ("self.scale = nn.Parameter(torch.ones(1))\n        self.register_buffer('mean', torch.zeros(10))\n"
     "        self.mean = torch.tensor([0.0] * 10)", "return 2 * self.scale * self.fc(x - self.mean)"),
])
def test_held_tensors_agree_with_torch(init: str, forward: str) -> None:
    text = _net(init, forward)
    assert compare(text, "m.py") == []


def test_held_tensors_are_listed_and_counted() -> None:
    text = _net("self.register_buffer('mean', torch.zeros(1, 10))\n        self.gamma = nn.Parameter(torch.ones(10))",
                "return self.fc(x - self.mean) * self.gamma")
    (net,) = parse_torch(text, "m.py", input_shape=(10,))
    a = analyze_network(net)
    assert [(u.module, u.kind, u.tensor, u.params, u.buffers) for u in net.unused] == [
        ("", "Net", "mean", 0, 10), ("", "Net", "gamma", 10, 0)]
    assert (a.totals.params, a.totals.trainable_params, a.totals.buffers) == (120, 120, 10)
    assert [r.kind for r in a.rows] == ["dense"]  # a constant operand adds no row, as `x / 255` adds none
    assert a.to_dict()["unused_modules"][0] == {"module": "", "kind": "Net", "params": 0, "buffers": 10,
                                                "tensor": "mean"}


@pytest.mark.parametrize(("init", "forward", "expected"), [
    ("self.register_buffer('mask', torch.Tensor(10))", "return self.fc(x)", [
        "error: archcalc cannot count the buffer `mask`: it reads a buffer made from a tensor of constant sizes",
        " --> m.py:9:9",
        "hint: write its values with torch.zeros, torch.ones, torch.full, torch.tensor([...]) and sizes that are "
        "numbers"]),
    ("self.scale = nn.Parameter(torch.Tensor(10))", "return self.fc(x)", [
        "error: archcalc cannot count `nn.Parameter(torch.Tensor(10))`: it reads a parameter made from a tensor of "
        "constant sizes", " --> m.py:9:22",
        "hint: write its values with torch.zeros, torch.ones, torch.randn, torch.rand, torch.empty, torch.full or "
        "torch.tensor([...]) and sizes that are numbers"]),
    ("self.register_buffer('mask', torch.ones(4, 10))", "return self.fc(x * self.mask)", [
        "error: `x * self.mask`: a constant tensor of shape (4, 10) * a tensor of shape (batch, 10) would change "
        "its shape", "  --> m.py:12:24",
        "hint: archcalc reads a constant tensor that broadcasts to the model's tensor: each of its axes, counted "
        "from the last, of size 1 or of the tensor's size"]),
    ("self.register_buffer('mask', torch.ones(1, 10))", "return self.fc(x @ self.mask)", [
        "error: archcalc reads `+`, `-`, `*` and `/` of a tensor of the model and a constant tensor of shape (1, 10)",
        "  --> m.py:12:24", "hint: the constant tensor and the model's tensor are combined element by element"]),
    ("self.w = nn.Parameter(torch.randn(10, 10))", "return self.fc(torch.matmul(x, self.w))", [
        "error: archcalc has no layer kind for `torch.matmul` on a tensor of the model", "  --> m.py:12:24",
        "hint: the modules and functions archcalc reads are listed in docs/pytorch.md"]),
    ("self.register_buffer('mask', torch.ones(10))\n        self.mask = torch.randn(2, 10)", "return self.fc(x)", [
        "error: archcalc cannot follow `self.mask` replaced by a tensor of the model: the module holds it as a buffer",
        "  --> m.py:10:9",
        "hint: assign an nn.Parameter to a parameter, and to a buffer a tensor made with torch.tensor([...]) or "
        "torch.full"]),
    ("self.w = nn.Parameter(torch.zeros(10))\n        self.w = torch.zeros(10)", "return self.fc(x)", [
        "error: archcalc cannot follow `self.w` replaced by a constant tensor of shape (10,): the module holds it as "
        "a parameter", "  --> m.py:10:9",
        "hint: assign an nn.Parameter to a parameter, and to a buffer a tensor made with torch.tensor([...]) or "
        "torch.full"]),
    ("self.cls = nn.Parameter(torch.zeros(1, 10))", "return self.fc(torch.cat([self.cls, x], 1))", [
        "error: the forward pass of `Net` uses `nn.Parameter(torch.zeros(1, 10))` in a way archcalc does not read: "
        "it reads a constant tensor (a buffer, a parameter) only in `+`, `-`, `*`, `/` with a tensor of the model "
        "that it broadcasts to", " --> m.py:9:20",
        "hint: archcalc has no layer kind for the other uses of a tensor a module holds itself"]),
    ("self.register_parameter('p', torch.zeros(3))", "return self.fc(x)", [
        "error: `register_parameter(\"p\", ...)` is given a constant tensor of shape (3,), not an `nn.Parameter`",
        " --> m.py:9:9", "hint: PyTorch refuses this too: wrap the tensor in nn.Parameter"]),
    ("self.register_buffer('fc', torch.zeros(3))", "return self.fc(x)", [
        "error: `register_buffer(\"fc\", ...)`: the module has an attribute `fc` already", " --> m.py:9:9",
        "hint: PyTorch refuses this too: choose another name"]),
])
def test_what_is_not_read_exactly_is_refused(init: str, forward: str, expected: list[str]) -> None:
    with pytest.raises(ArchcalcError) as e:
        parse_torch(_net(init, forward), "m.py", input_shape=(10,))
    lines = e.value.render().split("\n")
    assert [lines[0], lines[1]] + ([lines[-1]] if len(expected) > 2 else []) == expected


@settings(max_examples=40, deadline=None)
@given(shape=st.lists(st.sampled_from([1, 2, 3, 4, 5]), max_size=4), op=st.sampled_from("+-*/"),
       left=st.booleans())
def test_a_buffer_is_read_as_torch_broadcasts_it(shape: list[int], op: str, left: bool) -> None:
    """Any buffer shape with any operator, on either side: archcalc reads it exactly when torch's result keeps
    the tensor's shape (2 x 3 x 4 per example), and refuses it otherwise."""
    expression = f"self.b {op} x" if left else f"x {op} self.b"
    text = _net(f"self.register_buffer('b', torch.ones({tuple(shape)}))",
                f"return torch.flatten(self.conv({expression}), 1)", "# archcalc: --input 2x3x4\n")
    text = text.replace("nn.Linear(10, 10)", "nn.Conv2d(2, 2, 1)").replace("self.fc =", "self.conv =")
    try:
        run = run_torch(text, {"input_shape": (2, 3, 4), "defines": {}, "net": None})
    except RuntimeError:  # the shapes do not broadcast: torch refuses it too
        kept = False
    else:
        kept = run.modules["conv"].calls[0][0] == (2, 3, 4) and (len(shape) < 4 or shape[0] == 1)
    if kept:
        assert compare(text, "m.py") == []
    else:
        with pytest.raises(SpecError, match="would change its shape"):
            parse_torch(text, "m.py", input_shape=(2, 3, 4))


# -- parameters frozen by hand ---------------------------------------------------------------------------------
@pytest.mark.parametrize("init", [
    "for p in self.fc.parameters():\n            p.requires_grad = False",
    "self.fc.requires_grad_(False)",
    "for n, p in self.named_parameters():\n            p.requires_grad = False",
    "self.fc.weight.requires_grad = False",
    "self.requires_grad_(False)\n        self.fc.bias.requires_grad_(True)",
    "self.g = nn.Parameter(torch.ones(10), requires_grad=False)",
    "self.g = nn.Parameter(torch.ones(10))\n        self.g.requires_grad = False",
    "self.g = nn.Parameter(torch.ones(10))\n        self.g.requires_grad_(False)\n        self.spare = nn.Linear(10, 3)"
    "\n        for name, p in self.named_parameters():\n            if name.startswith('spare.'):\n"
    "                p.requires_grad = name.endswith('bias')",
])
def test_frozen_parameters_agree_with_torch(init: str) -> None:
    """Each form of freezing: the trainable parameters (in all and per module) equal torch's requires_grad."""
    forward = "return self.fc(x) * self.g" if "self.g" in init else "return self.fc(x)"
    assert compare(_net(init, forward), "m.py") == []


def test_frozen_parameters_are_counted_and_built_frozen(tmp_path) -> None:
    """The frozen parameters stay parameters (non-trainable), and `export --framework torch` writes them frozen."""
    import runpy

    from archcalc.bridge.torch_export import python_code
    from archcalc.bridge.torch_verify import verify

    (net,) = parse_torch(_net("self.fc.weight.requires_grad = False", "return self.fc(x)"), "m.py",
                         input_shape=(10,))
    a = analyze_network(net)
    assert (a.totals.params, a.totals.trainable_params, a.totals.non_trainable_params, a.totals.frozen) == \
        (110, 10, 100, 100)
    assert (a.rows[0].trainable, a.rows[0].non_trainable, a.rows[0].frozen) == (10, 100, 100)
    assert verify(net, a).ok
    target = tmp_path / "net.py"
    target.write_text(python_code(net, a, "m.py"), encoding="utf-8")
    model = runpy.run_path(str(target))["Net"]()
    assert [(n, p.requires_grad) for n, p in model.named_parameters()] == [("fc1.weight", False),
                                                                           ("fc1.bias", True)]


def test_requires_grad_must_be_a_truth_value() -> None:
    with pytest.raises(ArchcalcError) as e:
        parse_torch(_net("self.fc.weight.requires_grad = 'no'", "return self.fc(x)"), "m.py", input_shape=(10,))
    assert e.value.render().split("\n")[:2] == [
        "error: `requires_grad` is set to a string; archcalc reads True or False", " --> m.py:9:9"]


@settings(max_examples=25, deadline=None)
@given(frozen=st.lists(st.sampled_from(["conv.weight", "conv.bias", "bn.weight", "bn.bias", "fc.weight", "fc.bias",
                                        "gamma"]), unique=True),
       form=st.sampled_from(["loop", "attribute"]))
def test_any_set_of_frozen_tensors_agrees_with_torch(frozen: list[str], form: str) -> None:
    """Any subset of a model's parameter tensors frozen, by a loop over named_parameters() or one by one."""
    if form == "loop":
        init = (f"for name, p in self.named_parameters():\n            if name in {frozen!r}:\n"
                "                p.requires_grad = False")
    else:
        init = "\n        ".join([f"self.{t}.requires_grad = False" for t in frozen] or ["pass"])
    text = ("# archcalc: --input 3x8x8\n" + HEAD + "\n"
            "class Net(nn.Module):\n"
            "    def __init__(self):\n"
            "        super().__init__()\n"
            "        self.conv = nn.Conv2d(3, 4, 3)\n"
            "        self.bn = nn.BatchNorm2d(4)\n"
            "        self.gamma = nn.Parameter(torch.ones(4, 1, 1))\n"
            "        self.fc = nn.Linear(4 * 6 * 6, 2)\n"
            f"        {init}\n\n"
            "    def forward(self, x):\n"
            "        return self.fc(torch.flatten(self.bn(self.conv(x)) * self.gamma, 1))\n")
    assert compare(text, "m.py") == []


@pytest.mark.parametrize("line", [
    "a = torch.flatten(torch.arange(10))", "a = torch.cat([torch.ones(3), torch.zeros(3)])",
    "a = torch.mean(torch.tensor([1.0, 2.0]))", "a = len(torch.ones(3))", "a = torch.zeros(5)[0]", "a = -torch.ones(3)",
    "a = torch.ones(3) @ torch.ones(3)", "for t in torch.arange(3):\n    pass", "out = model(torch.ones(10))"])
def test_constant_tensors_outside_the_model_are_data(line: str) -> None:
    """A script's own tensors (labels, indices, a sample) stay unknown values outside the model, as before."""
    code = HEAD + "model = nn.Sequential(nn.Linear(10, 2))\n" + line + "\n"
    (net,) = parse_torch(code, "m.py", input_shape=(10,))
    assert analyze_network(net).totals.params == 22


def test_a_constant_through_a_function_forgets_its_shape() -> None:
    """`torch.flatten(self.m)` returns an unknown value (archcalc does not follow a constant through functions),
    so `x + torch.flatten(self.m, 1)` is refused with the buffer's place rather than read with a stale shape."""
    with pytest.raises(ArchcalcError) as e:
        parse_torch(_net("self.register_buffer('m', torch.ones(1, 2, 5))",
                         "return self.fc(x + torch.flatten(self.m, 1))"), "m.py", input_shape=(10,))
    assert e.value.message.startswith("the forward pass of `Net` uses `self.register_buffer('m', torch.ones(1, 2, 5))` "
                                      "in a way archcalc does not read")
