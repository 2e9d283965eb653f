"""PyTorch and torchvision, imported on first use only.

``import archcalc`` and ``archcalc summary`` (PyTorch code included: it is read, never run) never come
here; ``verify --framework torch``, ``export -o net.py --framework torch``, ``import torchvision.models.NAME``
and :func:`archcalc.from_torch` do.
"""

from __future__ import annotations

import sys
from functools import cache
from types import ModuleType

from ..errors import DependencyError

INSTALL_HINT = ("install it with `pip install 'archcalc[torch]'` (torch and torchvision); "
                "in a checkout of archcalc: `pip install -e '.[torch]'`")


@cache
def torch() -> ModuleType:
    """The ``torch`` module, or a :class:`DependencyError` with the fix.

    With TensorFlow already imported (a notebook using both, ``from_torch`` after ``from_keras``), triton is
    kept out: PyTorch imports it lazily (``torch._dynamo``, for some operations on the meta device), and
    importing it after TensorFlow crashes the process (a segmentation fault in its native library).
    archcalc runs PyTorch on the CPU and the meta device, which need no triton.
    """
    if "tensorflow" in sys.modules and "triton" not in sys.modules:
        sys.modules["triton"] = None  # type: ignore[assignment]  # `import triton` raises ImportError
    try:
        import torch as t
    except ImportError as e:
        raise DependencyError(f"this command needs PyTorch, which is not installed ({e.name})",
                              hint=INSTALL_HINT) from None
    return t


@cache
def torchvision() -> ModuleType:
    """The ``torchvision`` module (after :func:`torch`, so the same hint applies)."""
    torch()
    try:
        import torchvision as tv
    except ImportError as e:
        raise DependencyError(f"this command needs torchvision, which is not installed ({e.name})",
                              hint=INSTALL_HINT) from None
    return tv
