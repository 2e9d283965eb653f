"""The PyTorch notation: pasted PyTorch code, read by the safe evaluator of :mod:`archcalc.code`.

This module is the entry the rest of archcalc uses: :func:`looks_like_torch` tells PyTorch code from
Keras code and the paper notation, :func:`parse_torch` reads it (nothing is ever executed, and
``torch`` is never imported).

>>> code = "import torch.nn as nn\\nmodel = nn.Sequential(nn.Flatten(), nn.Linear(784, 10))"
>>> [n.kind for n in parse_torch(code, input_shape=(1, 28, 28))[0].nodes]
['input', 'flatten', 'dense']
"""

from __future__ import annotations

import re
from typing import Any

from .network import Network

_LOOKS_LIKE_TORCH = re.compile(
    r"^\s*(?:import\s+torch\b|from\s+torch\b)|\bnn\.(?:Module|Sequential|Conv[123]d|Linear|ModuleList)\b|"
    r"\btorch\.nn\b", re.M)


def looks_like_torch(text: str) -> bool:
    """Whether a text is PyTorch code (it imports ``torch`` or uses ``nn.Module``, ``nn.Conv2d``, ...).

    >>> looks_like_torch("import torch.nn as nn"), looks_like_torch("model.add(Dense(10))")
    (True, False)
    >>> looks_like_torch("# import torch\\nconv3-64")
    False
    """
    code = re.sub(r"#.*", "", text)
    return bool(_LOOKS_LIKE_TORCH.search(code))


def parse_torch(text: str, path: str = "<text>", *, defines: dict[str, Any] | None = None,
                input_shape: tuple[int, ...] | None = None, net: str | None = None) -> list[Network]:
    """Read the PyTorch model of a piece of code: the network of its forward pass.

    Args:
        text: the code (a cell, a script, a notebook export).
        path: the file name shown in messages.
        defines: ``--define``: values of names the code uses but does not define, and the
            constructor arguments of the model class.
        input_shape: ``--input``: the per-example input shape, channels first (``(3, 32, 32)``).
        net: ``--net``: the model class or variable to read; by default an object of the last
            ``nn.Module`` class of the file (made from ``defines`` when the code makes none), or
            the last ``nn.Sequential`` variable.

    Raises:
        SpecError: with file, line and column, for everything that cannot be read exactly.
    """
    from .code.torch import read

    return read(text, path, defines=defines, input_shape=input_shape, net=net)
