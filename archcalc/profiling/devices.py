"""Devices for the step-time estimate: published peak arithmetic rates and memory bandwidths.

Every figure is the vendor's datasheet value for dense arithmetic (the "with sparsity" figures are twice
these and do not apply to a training step). ``float32`` training on TensorFlow uses TF32 tensor cores on
Ampere and later GPUs by default (``tf.config.experimental.enable_tensor_float_32_execution``), so
``float32`` is rated at the TF32 peak where a GPU has one; ``float16`` and ``bfloat16`` at the 16-bit
tensor-core peak (FP32 accumulate). A CPU is not in the table: ``--device cpu`` measures this machine.

>>> DEVICES["a100"].peak("float32") / 1e12, DEVICES["t4"].peak("float32") / 1e12
(156.0, 8.1)
>>> lookup("NVIDIA A100-SXM4-80GB").key, lookup("Tesla T4").key
('a100', 't4')
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import UsageError

T = 1e12
G = 1e9


@dataclass(frozen=True)
class Device:
    """A device's published peaks.

    Attributes:
        key: the name ``--device`` takes.
        name: the product's name.
        fp32: FLOP/s of plain float32 arithmetic (CUDA cores).
        tf32: FLOP/s of TF32 tensor cores (dense), ``None`` where there are none.
        fp16: FLOP/s of float16/bfloat16 tensor cores (dense, FP32 accumulate).
        bandwidth: bytes per second of the device memory.
        memory: bytes of device memory.
        source: where the figures are published.
        patterns: regular expressions matched against the name TensorFlow reports for a GPU.
    """

    key: str
    name: str
    fp32: float
    tf32: float | None
    fp16: float
    bandwidth: float
    memory: int
    source: str
    patterns: tuple[str, ...] = ()

    def peak(self, dtype: str) -> float:
        """The FLOP/s a training step in ``dtype`` can reach at best."""
        if dtype in ("float16", "bfloat16"):
            return self.fp16
        if dtype == "float32" and self.tf32 is not None:
            return self.tf32
        return self.fp32


GiB = 2**30
DEVICES: dict[str, Device] = {d.key: d for d in (
    Device("h100", "NVIDIA H100 SXM5 80GB", 67 * T, 494.7 * T, 989.4 * T, 3350 * G, 80 * GiB,
           "NVIDIA H100 Tensor Core GPU datasheet (SXM5 column)", (r"H100.*(SXM|HBM3)", r"^NVIDIA H100$")),
    Device("h100-pcie", "NVIDIA H100 PCIe 80GB", 51 * T, 378 * T, 756 * T, 2000 * G, 80 * GiB,
           "NVIDIA H100 Tensor Core GPU datasheet (PCIe column)", (r"H100.*PCIe",)),
    Device("a100", "NVIDIA A100 SXM4 80GB", 19.5 * T, 156 * T, 312 * T, 2039 * G, 80 * GiB,
           "NVIDIA A100 Tensor Core GPU datasheet (80GB SXM column)", (r"A100",)),
    Device("a10", "NVIDIA A10", 31.2 * T, 62.5 * T, 125 * T, 600 * G, 24 * GiB,
           "NVIDIA A10 Tensor Core GPU datasheet", (r"\bA10\b",)),
    Device("l4", "NVIDIA L4", 30.3 * T, 60 * T, 121 * T, 300 * G, 24 * GiB,
           "NVIDIA L4 Tensor Core GPU datasheet (the sparsity figures halved)", (r"\bL4\b",)),
    Device("t4", "NVIDIA T4", 8.1 * T, None, 65 * T, 320 * G, 16 * GiB,
           "NVIDIA T4 Tensor Core GPU datasheet (FP16 mixed precision)", (r"\bT4\b",)),
    Device("v100", "NVIDIA V100 SXM2", 15.7 * T, None, 125 * T, 900 * G, 16 * GiB,
           "NVIDIA Tesla V100 GPU datasheet (SXM2 column)", (r"V100",)),
    Device("rtx4090", "NVIDIA GeForce RTX 4090", 82.6 * T, 82.6 * T, 165.2 * T, 1008 * G, 24 * GiB,
           "NVIDIA Ada Lovelace GPU architecture whitepaper, Appendix A (RTX 4090)", (r"RTX 4090",)),
    Device("rtx3090", "NVIDIA GeForce RTX 3090", 35.6 * T, 35.6 * T, 71 * T, 936 * G, 24 * GiB,
           "NVIDIA Ampere GA102 GPU architecture whitepaper, Appendix A (RTX 3090)", (r"RTX 3090",)),
)}


def get(key: str) -> Device:
    """The device ``--device`` names (``a100``, ``rtx4090``; case and ``-``/``_``/spaces ignored)."""
    wanted = re.sub(r"[\s_]+", "", key.lower())
    for k, d in DEVICES.items():
        if wanted in (k, k.replace("-", "")):
            return d
    import difflib

    close = difflib.get_close_matches(wanted, list(DEVICES), n=1)
    raise UsageError(f"unknown device `{key}`",
                     hint=(f"did you mean `{close[0]}`? " if close else "")
                     + "--device takes cpu, gpu, or one of: " + ", ".join(DEVICES))


def lookup(reported: str) -> Device | None:
    """The table's device for the name TensorFlow reports for a GPU, ``None`` when it is not in the table."""
    for d in DEVICES.values():
        if any(re.search(p, reported, re.IGNORECASE) for p in d.patterns):
            return d
    return None


def cpu_device(flops: float, bandwidth: float, description: str) -> Device:
    """This machine's CPU as a device, from its measured peaks (:func:`._child.cpu_peaks`)."""
    return Device("cpu", description, flops, None, flops, bandwidth, 0,
                  "measured here: best of a float32 matmul (FLOP/s) and of a large array copy (bytes/s)")
