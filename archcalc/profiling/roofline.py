"""A roofline estimate of one training step: each layer takes the longer of its arithmetic at the device's
peak FLOP/s and its memory traffic at the device's bandwidth.

Per layer, for a batch of ``B`` examples of ``s`` bytes a value:

- forward: ``2·MACs·B`` FLOPs; traffic: its inputs and output (``B·s`` each value) and its parameters;
- backward: twice the forward FLOPs for a layer with weights (the gradient of its input and of its
  weights are each a computation as large as the forward one), once for a layer without; twice the
  forward traffic (it reads the output's gradient and what it saved, writes the input's gradient and,
  with weights, the weights' gradients);
- the optimizer: memory-bound, it reads and writes each parameter, its gradient and its slots once
  (Adam: 7 values a parameter).

A layer without MACs (pooling, batch norm, an activation) still costs a value's arithmetic per element;
counted as one FLOP per output value. The sum is a lower bound a step approaches only when every kernel
runs at the device's peak: real steps are slower (kernel launches, small layers that cannot fill the
device, the Python loop); the ratio measured/estimated is printed, not hidden.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..analysis import Analysis
from ..memory import OPTIMIZER_SLOTS
from .devices import Device


@dataclass(frozen=True)
class LayerTime:
    """One layer's share of the estimated step time."""

    index: int
    name: str
    flops: float
    bytes: float
    seconds: float
    bound: str  # "compute" or "memory"


@dataclass(frozen=True)
class Roofline:
    """The estimated step time on one device.

    Attributes:
        device: the device's name.
        key: its ``--device`` key.
        peak_flops: the FLOP/s used (for the dtype).
        bandwidth: bytes/s used.
        source: where the figures come from.
        step_seconds: the estimate for one training step.
        optimizer_seconds: the optimizer's part of it.
        layers: every layer's part, in order.
        dominant: the layer that takes the longest.
    """

    device: str
    key: str
    peak_flops: float
    bandwidth: float
    source: str
    step_seconds: float
    optimizer_seconds: float
    layers: tuple[LayerTime, ...]
    dominant: LayerTime | None

    @property
    def images_per_second(self) -> float:
        return 0.0 if not self.step_seconds else self.batch / self.step_seconds

    batch: int = 1


def estimate(analysis: Analysis, device: Device) -> Roofline:
    """The roofline step time of ``analysis`` (its batch, dtype and optimizer) on ``device``.

    >>> from archcalc.analysis import analyze_network
    >>> from archcalc.paper import parse_paper
    >>> from archcalc.profiling.devices import DEVICES
    >>> a = analyze_network(parse_paper("input 224x224x3\\nconv3-64\\nmaxpool\\nFC-10")[0], batch=32)
    >>> r = estimate(a, DEVICES["a100"])
    >>> r.dominant.name, r.dominant.bound
    ('maxpool', 'memory')
    """
    m = analysis.memory
    s, batch = m.dtype_bytes, m.batch
    peak, bw = device.peak(analysis.settings.get("dtype", "float32")), device.bandwidth
    shapes = {0: analysis.input_shape} | {r.index: r.output_shape for r in analysis.rows}
    layers = []
    for r in analysis.rows:
        values_in = sum(math.prod(shapes[i]) for i in r.inputs)
        values_out = math.prod(r.output_shape)
        has_weights = r.trainable > 0
        forward_flops = 2 * r.macs * batch if r.macs else values_out * batch
        flops = forward_flops * (3 if has_weights else 2)
        forward_bytes = ((values_in + values_out) * batch + r.params) * s
        traffic = forward_bytes * 3
        seconds = max(flops / peak, traffic / bw)
        layers.append(LayerTime(r.index, r.name, flops, traffic, seconds,
                                "compute" if flops / peak >= traffic / bw else "memory"))
    trainable = m.gradients // s
    optimizer = (3 + 2 * OPTIMIZER_SLOTS[m.optimizer]) * trainable * s / bw
    total = sum(t.seconds for t in layers) + optimizer
    dominant = max(layers, key=lambda t: t.seconds, default=None)
    return Roofline(device.name, device.key, peak, bw, device.source, total, optimizer, tuple(layers), dominant,
                    batch)
