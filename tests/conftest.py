"""Shared by every test module.

TensorFlow is imported when the Keras tests are collected, and PyTorch later imports triton (lazily, from
``torch._dynamo``, the first time it decomposes an operation on the ``meta`` device, e.g. ``F.relu``):
importing triton after TensorFlow crashes the process (a segmentation fault in triton's native library,
seen with torch 2.14.1 and tensorflow-cpu in one venv). archcalc's PyTorch code runs on the CPU and the meta
device and needs no triton; :func:`archcalc.bridge.torchlib.torch` does the same for users.
"""

import sys

sys.modules.setdefault("triton", None)  # type: ignore[arg-type]  # `import triton` raises ImportError
