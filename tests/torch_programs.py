"""Random PyTorch programs from a small grammar, for hypothesis: every program is valid (the shapes fit).

Two styles: a module-level ``nn.Sequential`` of modules, and an ``nn.Module`` class whose ``__init__`` makes the
modules and whose ``forward`` wires them, mixing in functional calls (``F.relu``, ``F.max_pool2d``), residual
helper blocks, a module called twice, and the three usual ways to flatten. Programs are 1-D (``C x L``), 2-D
(``C x H x W``) or 3-D (``C x D x H x W``). The generator follows the shape as it goes, with torch's own size
formulas, so it knows the output shape of the program it wrote.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hypothesis import strategies as st

HEADER = "import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n"

BLOCK = '''

class Block(nn.Module):
    """A residual block: two 3-wide convolutions, a 1-wide projection when the stride or the width changes."""

    def __init__(self, cin, cout, stride=1):
        super().__init__()
        self.conv1 = nn.Conv{d}d(cin, cout, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm{d}d(cout)
        self.conv2 = nn.Conv{d}d(cout, cout, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm{d}d(cout)
        self.proj = None
        if stride != 1 or cin != cout:
            self.proj = nn.Conv{d}d(cin, cout, 1, stride=stride)

    def forward(self, x):
        y = F.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        if self.proj is not None:
            x = self.proj(x)
        return F.relu(x + y)
'''

ACTIVATIONS = ["nn.ReLU()", "nn.LeakyReLU(0.1)", "nn.GELU()", "nn.SiLU()", "nn.Tanh()", "nn.Sigmoid()",
               "nn.ELU()", "nn.ReLU6()", "nn.Hardswish()", "nn.ReLU(inplace=True)"]
FUNCTIONS = ["F.relu(x)", "torch.relu(x)", "F.gelu(x)", "torch.sigmoid(x)", "F.leaky_relu(x, 0.2)", "torch.tanh(x)"]
SMOOTH = {1: "'linear'", 2: "'bilinear'", 3: "'trilinear'"}


def _conv_out(size: int, k: int, s: int, p: int, d: int = 1) -> int:
    return (size + 2 * p - d * (k - 1) - 1) // s + 1


def _pool_out(size: int, k: int, s: int, p: int, ceil: bool) -> int:
    """torch's pooling size: with ceil_mode, the last window must start inside the input or its left padding."""
    span = size + 2 * p - k
    out = (-(-span // s) if ceil else span // s) + 1
    if ceil and (out - 1) * s >= size + p:
        out -= 1
    return out


def _tuple(values: list[int]) -> str:
    return f"({values[0]},)" if len(values) == 1 else f"({', '.join(map(str, values))})"


@dataclass
class _Program:
    c: int
    size: list[int]  # the spatial sizes: [L], [H, W] or [D, H, W]
    modules: list[tuple[str, str]] = field(default_factory=list)  # (attribute name, constructor)
    steps: list[str] = field(default_factory=list)  # forward lines, for the class style
    uses_block: bool = False
    strided: bool = False  # a part of an axis was taken: `x.view` of it fails in torch (`reshape` is needed)

    @property
    def d(self) -> int:
        return len(self.size)

    @property
    def values(self) -> int:
        n = 1
        for s in self.size:
            n *= s
        return n

    def add(self, kind: str, constructor: str) -> str:
        name = f"{kind}{len(self.modules)}"
        self.modules.append((name, constructor))
        self.steps.append(f"x = self.{name}(x)")
        return name


@st.composite
def _layer(draw: st.DrawFn, p: _Program, classy: bool) -> None:
    """One layer (or a functional step, or a block) that fits the current shape; updates the shape."""
    kinds = ["conv", "conv", "bn", "act", "pool", "dropout", "adaptive", "transpose", "upsample"]
    if classy:
        kinds += ["function", "fpool", "block", "twice", "index", "index", "chunk", "chunk", "reduce"]
    kind = draw(st.sampled_from(kinds))
    d, small = p.d, min(p.size)
    if kind == "conv":
        k = draw(st.sampled_from([1, 3, 5]))
        s, dil = draw(st.sampled_from([1, 1, 2])), draw(st.sampled_from([1, 1, 2]))
        pad = draw(st.sampled_from([0, dil * (k // 2)]))
        if _conv_out(small, k, s, pad, dil) < 1:
            pad = dil * (k // 2)
        if _conv_out(small, k, s, pad, dil) < 1:
            return
        groups = p.c if draw(st.booleans()) and p.c > 1 else 1  # depthwise: one group per channel
        f = groups * draw(st.integers(1, 2)) if groups > 1 else draw(st.integers(1, 16))
        bias = draw(st.booleans())
        p.add("conv", f"nn.Conv{d}d({p.c}, {f}, {k}, stride={s}, padding={pad}, dilation={dil}, groups={groups}, "
                      f"bias={bias})")
        p.c, p.size = f, [_conv_out(n, k, s, pad, dil) for n in p.size]
    elif kind == "bn":
        options = draw(st.sampled_from(["", ", affine=False", ", track_running_stats=False", ", momentum=0.01"]))
        p.add("bn", f"nn.BatchNorm{d}d({p.c}{options})")
    elif kind == "act":
        p.add("act", draw(st.sampled_from(ACTIVATIONS)))
    elif kind == "dropout":
        p.add("drop", draw(st.sampled_from(["nn.Dropout(0.2)", f"nn.Dropout{d}d(0.1)", "nn.Identity()"])))
    elif kind in ("pool", "fpool"):
        k = draw(st.sampled_from([2, 3]))
        if k > small:
            return
        s = draw(st.sampled_from([1, 2, k]))
        pad = draw(st.integers(0, k // 2))
        ceil = draw(st.booleans())
        cls = draw(st.sampled_from(["Max", "Avg"]))
        if kind == "pool":
            p.add("pool", f"nn.{cls}Pool{d}d({k}, stride={s}, padding={pad}, ceil_mode={ceil})")
        else:
            p.steps.append(f"x = F.{cls.lower()}_pool{d}d(x, {k}, stride={s}, padding={pad}, ceil_mode={ceil})")
        p.size = [_pool_out(n, k, s, pad, ceil) for n in p.size]
    elif kind == "adaptive":
        size = [draw(st.integers(1, 4)) for _ in p.size]
        cls = draw(st.sampled_from(["Avg", "Max"]))
        p.add("gap", f"nn.Adaptive{cls}Pool{d}d({_tuple(size)})")
        p.size = size
    elif kind == "transpose":
        if p.values > 64:
            return
        k, s = draw(st.sampled_from([2, 3, 4])), draw(st.sampled_from([1, 2]))
        pad = draw(st.integers(0, (k - 1) // 2))
        extra = draw(st.integers(0, s - 1))
        f = draw(st.integers(1, 12))
        p.add("up", f"nn.ConvTranspose{d}d({p.c}, {f}, {k}, stride={s}, padding={pad}, output_padding={extra})")
        p.c, p.size = f, [(n - 1) * s - 2 * pad + k + extra for n in p.size]
    elif kind == "upsample":
        if p.values > 64:
            return
        mode = draw(st.sampled_from(["'nearest'", SMOOTH[d]]))
        p.add("ups", f"nn.Upsample(scale_factor=2, mode={mode})")
        p.size = [2 * n for n in p.size]
    elif kind == "function":
        p.steps.append(f"x = {draw(st.sampled_from(FUNCTIONS))}")
    elif kind == "block":
        f = draw(st.sampled_from([p.c, 2 * p.c, 8]))
        s = draw(st.sampled_from([1, 2]))
        p.uses_block = True
        p.add("block", f"Block({p.c}, {f}, stride={s})")
        p.c, p.size = f, [_conv_out(n, 3, s, 1) for n in p.size]
    elif kind == "index":  # a part of one axis (channels or spatial), or one position of it, kept as an axis
        k = draw(st.integers(0, d))
        n = p.c if k == 0 else p.size[k - 1]
        lead = draw(st.sampled_from(["..., " if k == d else ":, " * (k + 1), ":, " * (k + 1)]))
        if draw(st.booleans()):
            i = draw(st.integers(-n, n - 1))
            p.steps.append(f"x = torch.unsqueeze(x[{lead}{i}], {k + 1})")
            n = 1
        else:
            start = draw(st.integers(0, n - 1))
            stop = draw(st.integers(start + 1, n))
            written = draw(st.sampled_from([f"{start}:{stop}", f"{start - n}:{stop if stop < n else ''}"]))
            p.steps.append(f"x = x[{lead}{written}]")
            n = stop - start
        p.strided = True
        if k == 0:
            p.c = n
        else:
            p.size[k - 1] = n
    elif kind == "chunk":  # the channels cut in parts (chunk, split) and put back in another order, or one kept
        if p.c < 2:
            return
        chunks, size = draw(st.integers(2, 3)), draw(st.integers(1, p.c - 1))
        cut, first = draw(st.sampled_from([(f"torch.chunk(x, {chunks}, dim=1)", -(-p.c // chunks)),
                                           ("x.chunk(2, 1)", -(-p.c // 2)), (f"torch.split(x, {size}, 1)", size),
                                           (f"x.split([1, {p.c - 1}], dim=1)", 1)]))
        if draw(st.booleans()):
            p.steps.append(f"x = torch.cat({cut}[::-1], dim=1)")
        else:
            p.steps.append(f"x = {cut}[0]")
            p.c, p.strided = first, True
    elif kind == "reduce":  # the maximum or mean over every spatial axis, kept as size-1 axes
        dims = tuple(range(2, d + 2))
        over_time = ["x = torch.max(x, dim=2, keepdim=True)[0]", "x = x.max(-1, keepdim=True).values"]
        p.steps.append(draw(st.sampled_from([f"x = torch.amax(x, dim={dims}, keepdim=True)",
                                             f"x = x.mean({dims}, keepdim=True)", *(over_time if d == 1 else [])])))
        p.size = [1] * d
    else:  # twice: one shape-keeping convolution applied two times, its weights shared
        name = p.add("shared", f"nn.Conv{d}d({p.c}, {p.c}, 3, padding=1)")
        p.steps.append(f"x = F.relu(self.{name}(x))")


@st.composite
def programs(draw: st.DrawFn) -> tuple[str, tuple[int, ...]]:
    """A program (its first line the ``# archcalc:`` header) and the output shape torch must give."""
    d = draw(st.sampled_from([1, 2, 2, 2, 3]))
    c = draw(st.integers(1, 4))
    size = [draw(st.integers(4, 8 if d == 3 else 16 if d == 2 else 40)) for _ in range(d)]
    classy = draw(st.booleans())
    p = _Program(c, list(size))
    for _ in range(draw(st.integers(1, 6))):
        draw(_layer(p, classy))
    hidden, classes = draw(st.integers(4, 32)), draw(st.integers(2, 10))
    if p.c * p.values > 4096:  # keep the head small: pool down to one value per channel first
        p.add("gap", f"nn.AdaptiveAvgPool{d}d(1)")
        p.size = [1] * d
    flat = p.c * p.values
    header = f"# archcalc: --input {'x'.join(map(str, [c, *size]))}\n" + HEADER
    if not classy:
        layers = [ctor for _, ctor in p.modules]
        layers += ["nn.Flatten()", f"nn.Linear({flat}, {hidden})", "nn.ReLU()", f"nn.Linear({hidden}, {classes})"]
        body = "\nmodel = nn.Sequential(\n" + "".join(f"    {line},\n" for line in layers) + ")\n"
        return header + body, (classes,)
    view = "reshape" if p.strided else "view"
    flatten = draw(st.sampled_from(["x = torch.flatten(x, 1)", f"x = x.{view}(x.size(0), -1)",
                                    f"x = x.{view}(-1, {flat})", "x = self.flatten(x)"]))
    p.modules += [("flatten", "nn.Flatten()"), ("fc1", f"nn.Linear({flat}, {hidden})"),
                  ("fc2", f"nn.Linear({hidden}, {classes})")]
    init = "".join(f"        self.{name} = {ctor}\n" for name, ctor in p.modules)
    forward = "".join(f"        {line}\n" for line in [*p.steps, flatten, "x = F.relu(self.fc1(x))"])
    code = (header + (BLOCK.format(d=d) if p.uses_block else "") + "\n\nclass Net(nn.Module):\n"
            + "    def __init__(self):\n        super().__init__()\n" + init + "\n    def forward(self, x):\n"
            + forward + "        return self.fc2(x)\n")
    return code, (classes,)
