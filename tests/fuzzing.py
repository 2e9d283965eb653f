"""Hostile inputs for archcalc, and one harness that runs them through the public entry points.

Shared by the fuzz suite (``tests/test_fuzz.py``: a fixed seed, a few thousand inputs, in CI) and the
long campaign (``benchmarks/fuzz.py``: a million inputs on demand). Input ``i`` of a campaign is made by
``random.Random(f"{campaign}:{seed}:{i}")``, so any input of any run can be made again from its number.

Generators, each written as an attacker would:

* ``specs``: token soup from the notation's vocabulary (every kind word, options, repeats, merges,
  blocks, ``{...}`` fields), mutations of the bundled paper specs, and attacks: huge numbers, long runs
  of spaces, unicode and NUL bytes, deep indentation, repeat counts that multiply.
* ``code``: mutations of the bundled Keras code, and Keras calls with hostile arguments.
* ``torch``: mutations of the PyTorch corpus (``tests/corpus/torch``), token soup of ``nn.Module`` classes, and
  injection payloads (``__import__``, ``os.system``, dunder chains, decorators, metaclasses, ``torch.load``,
  ``exec``, pickles, monkey-patched ``torch``) that would create :data:`PWNED` if the reader ran any of them.
* ``sheets``: mutations of answer sheets in every format (CS231n text, CSV, Markdown, YAML, JSON),
  YAML/JSON attacks (aliases of aliases, self-reference, deep nesting), huge and strange values.

The harness (:func:`run_one`) says which of five outcomes an input had: ``ok``; ``clean`` (an
:class:`~archcalc.errors.ArchcalcError` whose rendering prints); ``internal`` (anything else escaped);
``hang`` (over the bound of CPU time); ``memory`` (a ``MemoryError`` under the campaign's memory limit).
"""

from __future__ import annotations

import json
import os
import random
import signal
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from archcalc import kinds as K
from archcalc.analysis import analyze_network
from archcalc.errors import ArchcalcError
from archcalc.source import bundled_files, parse_text

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data" / "teaching"
REGRESSIONS = ROOT / "tests" / "fuzz_regressions"
OUTCOMES = ("ok", "clean", "internal", "hang", "memory")
CAMPAIGNS = ("specs", "code", "torch", "sheets")
#: The suffix a stored input of each campaign (or each sheet format) is saved with.
SUFFIXES = {"specs": ".txt", "code": ".py", "torch": ".py", "cs231n": ".txt", "csv": ".csv", "markdown": ".md",
            "yaml": ".yaml", "json": ".json"}


@dataclass
class Case:
    """One input: its campaign, text and (for sheets) format."""

    campaign: str
    text: str
    fmt: str = ""

    def suffix(self) -> str:
        return SUFFIXES[self.fmt or self.campaign]


# ---------------------------------------------------------------------------------------------
# Seeds: the texts mutations start from.

def _paper_seeds(names: tuple[str, ...]) -> list[str]:
    return [f.read_text() for f in bundled_files() if f.suffix == ".txt" and f.stem in names]


def _code_seeds() -> list[str]:
    return [f.read_text() for f in bundled_files() if f.suffix == ".py"]


def _sheet_seeds() -> list[tuple[str, str]]:
    fmts = {".txt": "cs231n", ".csv": "csv", ".md": "markdown", ".yaml": "yaml", ".json": "json"}
    return [(f.read_text(), fmts[f.suffix]) for f in sorted(DATA.iterdir())
            if f.suffix in fmts and "spec" not in f.name]


PAPER_SEEDS = [*_paper_seeds(("vgg16", "lenet5", "alexnet", "digits_cnn", "mobilenet", "googlenet", "xception")),
               (DATA / "small_spec.txt").read_text()]
#: Seeds of hundreds of layers (a mutation takes 0.1 to 0.2 s): one mutation in ten starts from one.
BIG_SEEDS = _paper_seeds(("resnet", "densenet", "inceptionv3"))
CODE_SEEDS = _code_seeds()
SHEET_SEEDS = _sheet_seeds()
NET = parse_text((DATA / "small_spec.txt").read_text())[0]

WORDS = sorted(K.WORDS)
OPTIONS = sorted({o for k in K.KINDS.values() for o in k.options})
STRANGE = ["\0", "\t", "\r", "\u00a0", "\u2028", "\ufeff", "é", "×", "−", "٣", "²", "𝟘", "\x1b[31m", "\\", "\"",
           "'", "`", "$(", "{", "}", "#", "//", "::", "..", "\u202e", "\U0001f600", "ﬁ"]
NUMBERS = ["0", "-1", "1", "3", "64", "224", "0.5", "1e9", "1e400", "nan", "inf", "-0", "00", "0x10", "1_000",
           "9" * 19, "2**64", "1.5", "٣", "²", "+7", "1/0", "10**64"]


def _number(rng: random.Random) -> str:
    r = rng.random()
    if r < 0.6:
        return rng.choice(NUMBERS[:8])
    if r < 0.9:
        return rng.choice(NUMBERS)
    return "9" * rng.choice([18, 19, 100, 4301, 9000])


def _junk(rng: random.Random) -> str:
    r = rng.random()
    if r < 0.3:
        return rng.choice(STRANGE)
    if r < 0.5:
        return " " * rng.choice([2, 50, 2000, 12_000]) + rng.choice(["x", "x3", "", ")", ":"])
    if r < 0.7:
        return "".join(chr(rng.randrange(0x20, 0x3000)) for _ in range(rng.randrange(1, 20)))
    if r < 0.8:
        return rng.choice("([{<") * rng.choice([5, 100, 1200])
    return _number(rng)


# ---------------------------------------------------------------------------------------------
# Specs in the paper notation.

def _layer(rng: random.Random) -> str:
    word = rng.choice(WORDS)
    sizes = rng.choice(["", f"{_number(rng)}", f"{_number(rng)}-{_number(rng)}", f"{_number(rng)}x{_number(rng)}-"
                        f"{_number(rng)}", "-" + _number(rng)])
    parts = [word + sizes if rng.random() < 0.7 else f"{word} {_number(rng)}"]
    for _ in range(rng.choice([0, 0, 1, 2])):
        parts.append(f"{rng.choice(OPTIONS)}={rng.choice([_number(rng), 'same', 'valid', 'none', 'relu', 'true'])}")
    if rng.random() < 0.25:
        # Counts at the limits are rare: a legal 100,000-layer network takes seconds, and one is enough.
        big = ["100000", "100001"] if rng.random() < 0.01 else ["2", "3", "1000", "0", _number(rng)]
        parts.append(f"x{rng.choice(big)}")
    return " ".join(parts)


def _structure(rng: random.Random, depth: int = 0) -> list[str]:
    """Lines of a body: layers, merges with branches, block uses; indentation by ``depth``."""
    pad = "  " * depth
    lines: list[str] = []
    for _ in range(rng.randrange(1, 5)):
        r = rng.random()
        if r < 0.15 and depth < 30:
            lines.append(pad + rng.choice(["add", "concat", "add x1000", "add x3"]))
            for _ in range(rng.randrange(1, 4)):
                if rng.random() < 0.3:
                    lines.append(pad + "  identity")
                else:
                    lines.append(pad + "  branch")
                    lines.extend(_structure(rng, depth + 2))
        elif r < 0.25:
            deep = rng.choice("-~(") * rng.choice([10, 300, 3000]) + "1"
            lines.append(pad + f"b{rng.randrange(4)}" + rng.choice(["", "(8)", f"({_number(rng)})", "(f=2)", "()",
                                                                     f"({deep})"])
                         + rng.choice(["", " x2", " x10", " x1000", " x" + _number(rng)]))
        else:
            lines.append(pad + _layer(rng))
    return lines


def _soup(rng: random.Random) -> str:
    lines = []
    if rng.random() < 0.3:
        for i in range(rng.randrange(1, 4)):
            lines.append(f"block b{i}" + rng.choice(["", "(f)", "(f, s=1)", "(f=8)"]))
            body = _structure(rng, 1)
            if rng.random() < 0.5:
                field = rng.choice(["f", "f*f", "2*f", "f//0", "g", "__import__", "0.inf", "f" + "*f" * 30,
                                    rng.choice("-~(") * rng.choice([10, 300, 3000]) + "f"])
                body.append(f"  conv3-{{{field}}}")
            lines.extend(body)
    if rng.random() < 0.2:
        lines.append(f"network {rng.choice(['a', 'b', 'vgg', _junk(rng)])}")
    if rng.random() < 0.9:
        lines.append(f"input {rng.choice(['224x224x3', '28x28', '8x8x1', '1x1x1', _number(rng) + 'x' + _number(rng)])}")
    lines.extend(_structure(rng))
    if rng.random() < 0.3:
        i = rng.randrange(len(lines) + 1)
        lines.insert(i, _junk(rng))
    return "\n".join(lines) + rng.choice(["", "\n", "\r\n"])


def _mutate(rng: random.Random, text: str) -> str:
    """A few random edits: lines deleted, doubled, swapped, indented; characters inserted; numbers changed."""
    lines = text.splitlines()
    for _ in range(rng.randrange(1, 6)):
        if not lines:
            lines = [""]
        i = rng.randrange(len(lines))
        r = rng.random()
        if r < 0.15:
            del lines[i]
        elif r < 0.3:
            lines.insert(i, lines[i])
        elif r < 0.4:
            lines[i] = "  " * rng.randrange(1, 6) + lines[i]
        elif r < 0.6:
            line = lines[i]
            digits = [j for j, c in enumerate(line) if c.isdigit()]
            if digits:
                j = rng.choice(digits)
                lines[i] = line[:j] + _number(rng) + line[j + 1:]
        elif r < 0.75:
            j = rng.randrange(len(lines[i]) + 1)
            lines[i] = lines[i][:j] + _junk(rng) + lines[i][j:]
        elif r < 0.85:
            j = rng.randrange(len(lines[i]) + 1)
            lines[i] = lines[i][:j] + lines[i][j + rng.randrange(1, 10):]
        else:
            lines.insert(i, _layer(rng))
    return "\n".join(lines)


def _attack(rng: random.Random) -> str:
    """The shapes of the issue's failures, with random sizes."""
    n = rng.choice([10, 1000, 4301])
    big = "9" * n
    r = rng.randrange(10)
    if r == 0:
        return f"input 8x8x1\nconv3-{big}"
    if r == 1:
        return f"input 8x8x1\nconv3-4 x{big}"
    if r == 2:
        return f"block b(f)\n  conv3-{{f}}\ninput 8x8x1\nb({big})"
    if r == 3:
        return f"input {big}x{big}x1\nrelu"
    if r == 4:
        return "input 8x8x1\nconv3-4" + " " * rng.choice([100, 2000, 5000]) + rng.choice(["x", "x2", "(", ""])
    if r == 5:
        k = rng.choice([2, 10, 1000])
        return (f"input 8x8x1\nadd x{k}\n  identity\n  branch\n    add x{k}\n      identity\n      branch\n"
                "        relu\n")
    if r == 6:
        levels = rng.choice([3, 8, 10, 40])
        chain = "".join(f"block c{i}\n  c{i - 1} x{rng.choice([2, 10])}\n" for i in range(1, levels))
        return "block c0\n  relu\n" + chain + f"input 8x8x1\nc{levels - 1}\n"
    if r == 7:
        depth = rng.choice([10, 60, 120, 600])
        return "input 8x8x4\n" + "".join(
            f"{'  ' * 2 * i}add\n{'  ' * (2 * i + 1)}identity\n{'  ' * (2 * i + 1)}branch\n" for i in range(depth)
        ) + "  " * 2 * depth + "relu\n"
    if r == 8:
        return "input 8x8x1\n" + "".join("  " * i + "relu\n" for i in range(rng.choice([10, 200, 1500])))
    return "block b\n  b\ninput 8x8x1\nb\n"


def spec_case(rng: random.Random) -> Case:
    r = rng.random()
    if r < 0.45:
        text = _soup(rng)
    elif r < 0.9:
        text = _mutate(rng, rng.choice(BIG_SEEDS if rng.random() < 0.1 else PAPER_SEEDS))
    else:
        text = _attack(rng)
    return Case("specs", text)


# ---------------------------------------------------------------------------------------------
# Keras code.

KERAS_CALLS = ["Conv2D", "Dense", "MaxPooling2D", "MaxPool2D", "Flatten", "Dropout", "BatchNormalization",
               "AveragePooling2D", "GlobalAveragePooling2D", "Activation", "ReLU", "Input", "Reshape",
               "DepthwiseConv2D", "SeparableConv2D", "ZeroPadding2D", "Add", "Concatenate"]
KERAS_ARGS = ["32", "(3,3)", "(3, 3)", "activation='relu'", "padding='same'", "padding='SAME'", "strides=2",
              "input_shape=(28, 28, 1)", "0.5", "use_bias=False", "kernel_size=3", "pool_size=(2,2)", "None",
              "filters=8", "units=10", "-1", "2**64", "1e400", "'x'", "[1, 2]", "{'a': 1}", "lambda: 0",
              "__import__('os')", "().__class__", "f'{1}'", "*args", "**kw", "not 1", "1 if 1 else 2"]


def _keras_call(rng: random.Random) -> str:
    args = ", ".join(rng.choice(KERAS_ARGS) if rng.random() < 0.8 else _number(rng)
                     for _ in range(rng.randrange(0, 4)))
    return f"{rng.choice(['', 'layers.', 'tf.keras.layers.', 'keras.layers.'])}{rng.choice(KERAS_CALLS)}({args})"


def _code_attack(rng: random.Random) -> str:
    """The shapes of the issue's failures in Keras code."""
    head = ("from tensorflow import keras\n"
            "model = keras.Sequential([keras.layers.Input((8, 8, 1)), keras.layers.Flatten(), ")
    r = rng.randrange(6)
    if r == 0:
        return head + "keras.layers.Dense(0x" + "f" * rng.choice([10, 3600]) + ")])\n"
    if r == 1:
        return head + "keras.layers.Dense(" + "-" * rng.choice([10, 1000, 100_000]) + "1)])\n"
    if r == 2:
        return ("n = 10\n" + "n = n * n\n" * rng.choice([3, 14]) + head + "keras.layers.Dense(n)])\nprint(f'{n}')\n")
    if r == 3:
        return head + "keras.layers.Dense(" + "(" * rng.choice([50, 5000]) + "1" + ")" * 5000 + ")])\n"
    if r == 4:
        return head + "keras.layers.Dense(" + "9" * rng.choice([18, 4301]) + ")])\n"
    return head + "keras.layers.Dense(" + rng.choice(["2**64", "10**100", "9**9**9", "1e400", "-1", "0"]) + ")])\n"


def code_case(rng: random.Random) -> Case:
    r = rng.random()
    if r < 0.1:
        return Case("code", _code_attack(rng))
    if r < 0.55:
        text = _mutate(rng, rng.choice(CODE_SEEDS))
    else:
        calls = [_keras_call(rng) for _ in range(rng.randrange(1, 8))]
        head = rng.choice(["import tensorflow as tf\nfrom tensorflow.keras import layers\n",
                           "from keras import layers\n"])
        if rng.random() < 0.5:
            text = head + "model = tf.keras.Sequential([\n    " + ",\n    ".join(calls) + "\n])\n"
        else:
            text = head + "model = tf.keras.Sequential()\n" + "".join(f"model.add({c})\n" for c in calls)
        if rng.random() < 0.2:
            text = f"n = {_number(rng)}\n" + text.replace("32", "n")
    return Case("code", text)


# ---------------------------------------------------------------------------------------------
# PyTorch code.

TORCH_CORPUS = ROOT / "tests" / "corpus" / "torch"
TORCH_SEEDS = [f.read_text() for f in sorted(TORCH_CORPUS.glob("*.py"))] if TORCH_CORPUS.is_dir() else []
#: The file an injection payload would create: it must never exist (checked after every PyTorch input).
PWNED = Path(tempfile.gettempdir()) / f"archcalc-fuzz-pwned-{os.getuid() if hasattr(os, 'getuid') else 0}"

TORCH_LAYERS = ["nn.Conv2d(3, 8, 3)", "nn.Conv2d(8, 8, 3, padding=1)", "nn.Conv2d(8, 16, kernel_size=3, stride=2)",
                "nn.Linear(16, 10)", "nn.Linear(8 * 4 * 4, 10)", "nn.MaxPool2d(2)", "nn.MaxPool2d(2, 2)",
                "nn.AvgPool2d(3, stride=1, padding=1)", "nn.BatchNorm2d(8)", "nn.ReLU()", "nn.ReLU(inplace=True)",
                "nn.Dropout(0.5)", "nn.Flatten()", "nn.AdaptiveAvgPool2d(1)", "nn.AdaptiveAvgPool2d((4, 4))",
                "nn.Conv1d(3, 8, 5)", "nn.Embedding(100, 16)", "nn.LayerNorm(16)", "nn.ConvTranspose2d(8, 4, 2, 2)",
                "nn.Upsample(scale_factor=2)", "nn.Identity()", "nn.GELU()", "nn.Sigmoid()", "nn.Softmax(dim=1)",
                "nn.GroupNorm(2, 8)", "nn.LazyLinear(10)", "nn.Sequential()", "nn.Unflatten(1, (8, 2))"]
TORCH_ARGS = ["3", "8", "0", "-1", "2**64", "1e400", "None", "True", "(3, 3)", "[1]", "'same'", "'valid'",
              "padding='same'", "stride=0", "bias=False", "groups=3", "dilation=2", "kernel_size=(1, 9)",
              "padding_mode='reflect'", "*args", "**kwargs", "x", "self", "lambda: 0", "nn", "torch.float16",
              "__import__('os')", "().__class__", "f'{1}'"]
TORCH_FORWARD = ["x = self.l{i}(x)", "x = F.relu(x)", "x = torch.flatten(x, 1)", "x = x.view(x.size(0), -1)",
                 "x = x.view(-1, 8 * 4 * 4)", "x = torch.cat([x, x], 1)", "x = x + self.l{i}(x)",
                 "x = x.permute(0, 2, 3, 1)", "x = x.mean([2, 3])", "x = F.max_pool2d(x, 2)", "x = x * 2",
                 "x = torch.sigmoid(x) * x", "x = x.reshape(x.shape[0], -1)", "x = F.interpolate(x, scale_factor=2)",
                 "for m in self.ms:\n            x = m(x)", "if self.training:\n            x = F.dropout(x)",
                 "x = self.l{i}(x).squeeze(-1)", "x, y = x.chunk(2, dim=1)", "x = x.unsqueeze(0)",
                 "return x", "x = x.transpose(1, 2)", "x = self.l{i}(x)[0]", "x = x @ x"]


def _payloads(path: str) -> list[str]:
    """Python that creates ``path`` if anything runs it (each a module-level snippet)."""
    q = repr(path)
    pickled = repr(b"cos\nsystem\n(S'touch " + path.encode() + b"'\ntR.")
    return [
        f"__import__('os').system('touch ' + {q})",
        f"import os\nos.system('touch ' + {q})",
        f"open({q}, 'w').write('x')",
        f"exec(\"open({q}, 'w')\")",
        f"eval(\"__import__('os').system('touch {path}')\")",
        f"exec(compile(\"open({q}, 'w')\", 'x', 'exec'))",
        f"[c for c in ().__class__.__base__.__subclasses__() if c.__name__ == 'Popen'][0](['touch', {q}])",
        f"().__class__.__bases__[0].__subclasses__()[0].__init__.__globals__['__builtins__']['open']({q}, 'w')",
        f"getattr(__builtins__, 'open')({q}, 'w')",
        f"globals()['__builtins__']['__import__']('os').system('touch ' + {q})",
        f"import importlib\nimportlib.import_module('os').system('touch ' + {q})",
        f"import subprocess\nsubprocess.run(['touch', {q}])",
        f"import pathlib\npathlib.Path({q}).touch()",
        f"import pickle\npickle.loads({pickled})",
        f"import torch\ntorch.load({q} + '.pt')\ntorch.save({{}}, {q})",
        f"import numpy\nnumpy.save({q}, [1])",
        f"breakpoint()\nopen({q}, 'w')",
        f"with open({q}, 'w') as f:\n    f.write('x')",
        f"try:\n    pass\nfinally:\n    __import__('os').system('touch ' + {q})",
        f"x = (lambda: __import__('os').system('touch ' + {q}))()",
        f"def f(a=__import__('os').system('touch ' + {q})):\n    pass",
        f"import torch.nn as nn\nnn.Module.__init__ = lambda self: open({q}, 'w')",
        f"import torch\ntorch.nn.Conv2d = lambda *a, **k: open({q}, 'w')",
        f"import torch.nn.functional as F\nF.relu = lambda x: open({q}, 'w')",
        f"import os\nimport torch.nn.functional as F\nF.relu = os.system\nF.relu('touch ' + {q})",
        f"'{{0.__class__.__base__.__subclasses__}}'.format(())\nopen({q}, 'w')",
        f"class X:\n    def __index__(self):\n        return __import__('os').system('touch ' + {q}) or 8\n"
        "import torch.nn as nn\nl = nn.Linear(X(), 10)",
        f"class X:\n    def __bool__(self):\n        open({q}, 'w')\n        return True\nif X():\n    pass",
        f"class X:\n    def __eq__(self, o):\n        open({q}, 'w')\n        return True\nX() == 1",
        f"class X:\n    def __format__(self, s):\n        open({q}, 'w')\n        return ''\nf'{{X()}}'",
        f"class X:\n    def __del__(self):\n        open({q}, 'w')\nX()",
        f"class M(type):\n    def __new__(m, *a):\n        open({q}, 'w')\n        return type.__new__(m, *a)\n"
        "class Y(metaclass=M):\n    pass",
        f"class B:\n    def __init_subclass__(cls):\n        open({q}, 'w')\nclass C(B):\n    pass",
        f"def deco(f):\n    open({q}, 'w')\n    return f\n@deco\ndef g():\n    pass",
        f"@(lambda c: __import__('os').system('touch ' + {q}) or c)\nclass Z:\n    pass",
        f"class P:\n    @property\n    def n(self):\n        return open({q}, 'w')\nP().n",
        f"def __getattr__(name):\n    return open({q}, 'w')\nundefined_thing",
        f"import sys\nsys.modules['os'].system('touch ' + {q})",
        f"import ctypes\nctypes.CDLL(None).system(b'touch {path}')",
        f"import shutil\nshutil.copy('/etc/hostname', {q})",
        f"__builtins__.__dict__['exec'](\"open({q}, 'w')\")",
        f"vars()['__builtins__']['open']({q}, 'w')",
        f"import os as torch\ntorch.system('touch ' + {q})",
    ]


def _torch_module(rng: random.Random) -> str:
    layers = [rng.choice(TORCH_LAYERS) if rng.random() < 0.8 else
              f"nn.{rng.choice(TORCH_LAYERS).split('(')[0][3:]}({', '.join(rng.choice(TORCH_ARGS) for _ in range(3))})"
              for _ in range(rng.randrange(1, 7))]
    init = "".join(f"        self.l{i} = {layer}\n" for i, layer in enumerate(layers))
    if rng.random() < 0.2:
        init += "        self.ms = nn.ModuleList([nn.ReLU() for _ in range(3)])\n"
    forward = "".join("        " + rng.choice(TORCH_FORWARD).format(i=rng.randrange(len(layers))) + "\n"
                      for _ in range(rng.randrange(1, 8)))
    name = rng.choice(["Net", "Model", "CNN", "M"])
    text = ("import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n\n\n"
            f"class {name}(nn.Module):\n    def __init__(self):\n        super().__init__()\n{init}\n"
            f"    def forward(self, x):\n{forward}        return x\n")
    if rng.random() < 0.5:
        shape = rng.choice(["1, 3, 32, 32", "2, 3, 8, 8", "1, 8, 16", "1, 3, 0, 0", "1, 3, 99999, 99999", "1"])
        text += f"\nmodel = {name}()\nmodel(torch.randn({shape}))\n"
    return text


def _inject(rng: random.Random, text: str) -> str:
    """A payload at a random place: module level, a class body, __init__, forward, or as the input's header."""
    payload = rng.choice(_payloads(str(PWNED)))
    lines = text.splitlines()
    places = [0, len(lines)] + [i + 1 for i, line in enumerate(lines)
                                if line.rstrip().endswith(":") or "super().__init__()" in line]
    at = rng.choice(places)
    indent = ""
    if 0 < at <= len(lines):
        before = lines[at - 1]
        indent = before[: len(before) - len(before.lstrip())] + ("    " if before.rstrip().endswith(":") else "")
    block = [indent + line for line in payload.split("\n")]
    return "\n".join(lines[:at] + block + lines[at:]) + "\n"


def torch_case(rng: random.Random) -> Case:
    r = rng.random()
    if r < 0.45 and TORCH_SEEDS:
        text = _mutate(rng, rng.choice(TORCH_SEEDS))
    elif r < 0.7:
        text = _torch_module(rng)
    else:
        base = rng.choice(TORCH_SEEDS) if TORCH_SEEDS and rng.random() < 0.5 else _torch_module(rng)
        text = _inject(rng, base)
        if rng.random() < 0.3:
            text = _inject(rng, text)
    return Case("torch", text)


# ---------------------------------------------------------------------------------------------
# Answer sheets.

def _yaml_attack(rng: random.Random) -> tuple[str, str]:
    r = rng.randrange(6)
    if r == 0:  # billion laughs
        k = rng.choice([3, 9])
        text = f'a: &a ["lol"{", {name: x, params: 1}" * (k - 1)}]\n' + "".join(
            f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * k)}]\n"
            for i in range(rng.choice([2, 6, 9])))
        return text + "layers: *a\n", "yaml"
    if r == 1:
        return rng.choice(["layers: &a [*a]\n", "&a [*a]\n", "layers:\n  - &r {name: x, params: *r}\n"]), "yaml"
    if r == 2:
        n = rng.choice([5, 30, 1000, 5000])
        return '{"layers": ' + "[" * n + "]" * n + "}", "json"
    if r == 3:
        n = rng.choice([5, 30, 400])
        return "layers:\n" + "".join("  " * i + "- \n" for i in range(n)), "yaml"
    if r == 4:
        return json.dumps({"layers": [{"name": "conv3-8", "params": rng.choice(
            ["\ud800", "(10**64)**6", "(((9**64)**64)**64)**64", "0.infMB", "1e99999", "9" * 500])}]},
            ensure_ascii=rng.random() < 0.5), "json"
    return "layers:\n" + "  - {name: conv3-8, params: 224}\n" * rng.choice([10, 2000, 12_000]), "yaml"


def _sheet_attack(rng: random.Random) -> tuple[str, str]:
    r = rng.randrange(6)
    if r == 0:
        return rng.choice(["\rH", "a\r\"b", "\"", "layer,params\n\"a\nb\",1", "\0,\0"]), "csv"
    if r == 1:
        return "layer,shape,memory,params\nconv3-8," + "1" * rng.choice([200, 20_000, 140_000]) + ",1,1\n", "csv"
    if r == 2:
        return "CONV3-8: [8x8x8]" + " " * rng.choice([200, 2000, 6000]) + "x", "cs231n"
    if r == 3:
        cell = rng.choice(["(10**64)**6", "((9**64)**64)**64", "(((9**64)**64)**64)**64", "0.infMB", "9**9**9",
                           "1e64*1e64", "2**64**2", "(" * 300 + "1" + ")" * 300, "1/3/3/3/3/3/3/3/3/3"])
        return f"layer,shape,memory,params\nconv3-8,[8x8x8],{cell},{cell}\nTOTAL,,{cell},{cell}\n", "csv"
    if r == 4:
        rows = rng.choice([100, 20_000, 100_000])
        fmt = rng.choice(["csv", "markdown"])
        if fmt == "csv":
            return "layer,shape,memory,params\n" + "conv3-8,[8x8x8],512,224\n" * rows, "csv"
        head = "| layer | shape | memory | params |\n|---|---|---|---|\n"
        return head + "| conv3-8 | [8x8x8] | 512 | 224 |\n" * rows, fmt
    return _yaml_attack(rng)


def sheet_case(rng: random.Random) -> Case:
    r = rng.random()
    if r < 0.75:
        text, fmt = rng.choice(SHEET_SEEDS)
        text = _mutate(rng, text)
        if rng.random() < 0.1:
            fmt = rng.choice(["cs231n", "csv", "markdown", "yaml", "json"])
    else:
        text, fmt = _sheet_attack(rng)
    return Case("sheets", text, fmt)


GENERATORS: dict[str, Callable[[random.Random], Case]] = {"specs": spec_case, "code": code_case, "torch": torch_case,
                                                          "sheets": sheet_case}


def make(campaign: str, seed: int, i: int) -> Case:
    """Input ``i`` of a campaign: the same for the same (campaign, seed, i), on every machine."""
    return GENERATORS[campaign](random.Random(f"{campaign}:{seed}:{i}"))


# ---------------------------------------------------------------------------------------------
# The harness.

#: The start of the detail of a failure inside the Keras-code reader, which issue 12 replaces
#: (``archcalc/code/``, with its own limits): known, stored, and expected to fail until that lands.
CODE_READER = "[code reader, issue 12] "
#: The start of the detail of a failure raised inside the PyTorch reader (``archcalc/code/torch.py``).
TORCH_READER = "[torch reader] "


class Overtime(BaseException):
    """Raised by the alarm inside an input that ran past its time bound (a BaseException, so that no
    ``except Exception`` of archcalc swallows it)."""


def _alarm(signum: int, frame: object) -> None:
    raise Overtime


#: Networks up to this many layers are also rendered (JSON and CSV) by the harness: rendering is linear
#: (about 100 µs a layer for JSON) and a few big legal networks would otherwise dominate a campaign's time.
RENDER_LAYERS = 20_000


def _spec(case: Case) -> None:
    from archcalc import render

    analyses = [analyze_network(n) for n in parse_text(case.text, "fuzz" + case.suffix())]
    if sum(len(a.rows) for a in analyses) <= RENDER_LAYERS:
        # What the CLI prints must encode: the objects of `summary --format json` (dumped without the
        # indentation, which only Python's slow encoder does), and the CSV.
        (json.dumps([render.analysis_dict(a) for a in analyses]) + render.csv_text(analyses)).encode("utf-8")


def _torch(case: Case) -> None:
    """PyTorch code read with the options of its ``# archcalc: --input ...`` line (the corpus's), if it has one."""
    import re
    import shlex

    from archcalc import render
    from archcalc.code.defines import parse_defines, parse_input_shape

    match = re.search(r"^# archcalc: (.*)$", case.text, re.M)
    try:
        words = shlex.split(match.group(1)) if match else []
    except ValueError:  # a quote cut by a mutation: read without options
        words = []
    value = {w: words[i + 1] for i, w in enumerate(words[:-1]) if w in ("--input", "--net")}
    defines = [words[i + 1] for i, w in enumerate(words[:-1]) if w == "--define"]
    networks = parse_text(case.text, "fuzz.py", only=value.get("--net"), defines=parse_defines(defines),
                          input_shape=parse_input_shape(value.get("--input")))
    analyses = [analyze_network(n) for n in networks]
    if sum(len(a.rows) for a in analyses) <= RENDER_LAYERS:
        (json.dumps([render.analysis_dict(a) for a in analyses]) + render.csv_text(analyses)).encode("utf-8")


def _sheet(case: Case) -> None:
    from archcalc.teaching import report
    from archcalc.teaching.answers import read_text
    from archcalc.teaching.grade import grade_sheet

    r = grade_sheet(read_text(case.text, case.fmt, "fuzz" + case.suffix(), "student"), NET)
    results = [("fuzz" + case.suffix(), r)]
    (report.json_text(results) + report.one_line("fuzz", r) + report.scores_csv(results)
     + report.items_csv(results) + json.dumps(report.gradescope(r), ensure_ascii=False)).encode("utf-8")


def _code_reader(case: Case, frames: traceback.StackSummary) -> bool:
    """Whether a failure is the Keras-code reader's: raised inside it, or on Keras code (a value it let
    through unbounded: issue 12 owns the limits of values in code)."""
    from archcalc.keras_code import looks_like_keras

    return any(Path(f.filename).name == "keras_code.py" for f in frames) or looks_like_keras(case.text)


def run_one(case: Case, seconds: float = 5.0) -> tuple[str, str, float]:
    """Run one input through the entry points; (outcome, detail, seconds of CPU time taken).

    An :class:`ArchcalcError` must render to printable text, as the CLI prints it, to count as ``clean``.
    """
    # The bound is CPU time (ITIMER_PROF): on a machine shared by other jobs, wall time would call an
    # input slow because the machine is busy.
    previous = signal.signal(signal.SIGPROF, _alarm)
    signal.setitimer(signal.ITIMER_PROF, seconds)
    start = time.process_time()
    # While PyTorch code is read, `import torch` must fail even when another test has imported torch
    # already (a None entry in sys.modules makes every import of the name raise ImportError).
    blocked = {name: sys.modules.pop(name) for name in list(sys.modules)
               if case.campaign == "torch" and (name == "torch" or name.startswith("torch."))}
    if case.campaign == "torch":
        sys.modules["torch"] = None  # type: ignore[assignment]
    try:
        {"sheets": _sheet, "torch": _torch}.get(case.campaign, _spec)(case)
        outcome, detail = "ok", ""
    except ArchcalcError as e:
        try:
            e.render().encode("utf-8")
            outcome, detail = "clean", e.message[:200]
        except Exception as bad:  # an error message that cannot be printed is a bug too
            outcome, detail = "internal", f"{type(bad).__name__} rendering the error: {bad}"[:300]
    except Overtime:
        outcome, detail = "hang", f"over {seconds} s of CPU time"
    except MemoryError as e:
        frames = traceback.extract_tb(e.__traceback__)
        outcome, detail = "memory", "MemoryError"
        if case.campaign != "torch" and _code_reader(case, frames):
            detail = CODE_READER + detail
    except Exception as e:
        frames = traceback.extract_tb(e.__traceback__)
        where = frames[-1]
        outcome, detail = "internal", f"{type(e).__name__}: {str(e)[:150]} ({Path(where.filename).name}:{where.lineno})"
        if case.campaign != "torch" and _code_reader(case, frames):
            detail = CODE_READER + detail
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, previous)
        tried_torch = case.campaign == "torch" and sys.modules.get("torch", 0) is not None
        if case.campaign == "torch":
            sys.modules.pop("torch", None)
            sys.modules.update(blocked)
    if case.campaign == "torch":
        if PWNED.exists():  # a payload ran: the worst outcome there is
            PWNED.unlink()
            outcome, detail = "internal", f"EXECUTED: the input created {PWNED} (it ran code it was given)"
        elif tried_torch or (outcome == "internal" and "ImportError" in detail and "torch" in detail):
            outcome, detail = "internal", "IMPORTED TORCH: reading PyTorch code imported the real torch"
        elif outcome == "internal" and "(torch.py:" in detail:
            detail = TORCH_READER + detail
    return outcome, detail, time.process_time() - start


# ---------------------------------------------------------------------------------------------
# The store of failing inputs: tests/fuzz_regressions/<campaign>[-<format>]-<hash><suffix>.

def store(case: Case, folder: Path = REGRESSIONS) -> Path:
    """Save a failing input (its name says its campaign and format); return the file.

    >>> import tempfile; store(Case("code", "Dense(1)"), Path(tempfile.mkdtemp())).name
    'code-c65523a41800.py.txt'
    """
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / stored_name(case)
    path.write_bytes(case.text.encode("utf-8", "surrogatepass"))
    return path


def stored_name(case: Case) -> str:
    """The file name :func:`store` gives an input (its campaign, format and a hash of its text)."""
    import hashlib

    digest = hashlib.sha256(case.text.encode("utf-8", "surrogatepass")).hexdigest()[:12]
    # Code is stored as `.py.txt`: no tool (pytest's doctest collection, ruff) may take it for a module.
    extra = ".txt" if case.campaign in ("code", "torch") else ""
    return f"{case.campaign}{'-' + case.fmt if case.fmt else ''}-{digest}{case.suffix()}{extra}"


def load(path: Path) -> Case:
    """A stored input, as :func:`store` saved it."""
    head = path.name.split("-")
    campaign = head[0]
    fmt = head[1] if campaign == "sheets" else ""
    return Case(campaign, path.read_bytes().decode("utf-8", "surrogatepass"), fmt)
