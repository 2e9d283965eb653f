"""PyTorch's vocabulary against real PyTorch: every class of archcalc.kinds.pytorch, built by torch and
run on a small CPU tensor (the `meta` device skips some of PyTorch's checks, e.g. of output_padding),
compared with torch_layer + the kind's effect: output shape, parameters (``module.parameters()``),
buffers (``module.buffers()``) and MACs (torch's own FLOP counter)."""

from __future__ import annotations

import json

import pytest

torch = pytest.importorskip("torch")

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from torch.utils.flop_counter import FlopCounterMode  # noqa: E402  (tests/conftest.py: triton before TensorFlow)

from archcalc import kinds as K  # noqa: E402
from archcalc.analysis import analyze_network  # noqa: E402
from archcalc.errors import ShapeError, SpecError  # noqa: E402
from archcalc.kinds import to_channels_first, to_channels_last, torch_function, torch_layer  # noqa: E402
from archcalc.network import Network, Node  # noqa: E402
from archcalc.render import csv_text, json_text, markdown_table, text_table  # noqa: E402


def real(class_name: str, kwargs: dict, shape: tuple[int, ...]) -> tuple[tuple[int, ...], int, int, int]:
    """(output shape without the batch, parameters, buffers, MACs of one example) of
    nn.<class_name>(**kwargs) run by torch on a batch of two; MACs are half of torch's own FLOP
    counter (torch.utils.flop_counter: convolutions and matrix products) per example."""
    module = getattr(torch.nn, class_name)(**kwargs)
    x = torch.zeros((2, *shape), dtype=torch.long) if class_name == "Embedding" else torch.zeros((2, *shape))
    with torch.no_grad(), FlopCounterMode(display=False) as flops:
        y = module.eval()(x)
    return (tuple(y.shape[1:]), sum(p.numel() for p in module.parameters()),
            sum(b.numel() for b in module.buffers()), flops.get_total_flops() // 4)


def ours(class_name: str, kwargs: dict, shape: tuple[int, ...]) -> tuple[tuple[int, ...], int, int, int]:
    kind, args = torch_layer(class_name, kwargs, to_channels_last(shape))
    effect = K.KINDS[kind].infer(args, [to_channels_last(shape)])
    assert effect.non_trainable == 0  # PyTorch keeps no non-trainable parameters: they are buffers
    return to_channels_first(effect.shape), effect.weights + effect.biases, effect.buffers, effect.macs


C = (  # (class, kwargs, input shape channels-first without the batch)
    ("Conv2d", dict(in_channels=3, out_channels=8, kernel_size=3), (3, 32, 32)),
    ("Conv2d", dict(in_channels=3, out_channels=8, kernel_size=3, padding=1), (3, 32, 32)),
    ("Conv2d", dict(in_channels=3, out_channels=64, kernel_size=7, stride=2, padding=3, bias=False), (3, 224, 224)),
    ("Conv2d", dict(in_channels=4, out_channels=6, kernel_size=(1, 5), stride=(2, 1), padding=(0, 2)), (4, 9, 11)),
    ("Conv2d", dict(in_channels=6, out_channels=12, kernel_size=3, groups=3, dilation=2), (6, 15, 15)),
    ("Conv2d", dict(in_channels=8, out_channels=8, kernel_size=3, groups=8, padding="same"), (8, 10, 10)),
    ("Conv2d", dict(in_channels=8, out_channels=4, kernel_size=4, padding="same", dilation=3), (8, 10, 10)),
    ("Conv2d", dict(in_channels=2, out_channels=4, kernel_size=2, padding="valid"), (2, 5, 5)),
    ("Conv2d", dict(in_channels=2, out_channels=4, kernel_size=3, stride=5), (2, 11, 11)),
    ("Conv2d", dict(in_channels=2, out_channels=4, kernel_size=3, padding=1, padding_mode="reflect"), (2, 6, 6)),
    ("Conv2d", dict(in_channels=2, out_channels=4, kernel_size=3, padding=2, padding_mode="circular"), (2, 6, 6)),
    ("Conv2d", dict(in_channels=2, out_channels=4, kernel_size=3, padding=1, padding_mode="replicate"), (2, 6, 6)),
    ("Conv1d", dict(in_channels=16, out_channels=33, kernel_size=3, stride=2), (16, 50)),
    ("Conv1d", dict(in_channels=4, out_channels=4, kernel_size=5, padding="same", groups=2, bias=False), (4, 7)),
    ("Conv3d", dict(in_channels=3, out_channels=8, kernel_size=(3, 5, 2), stride=(2, 1, 1), padding=(4, 2, 0)),
     (3, 10, 12, 9)),
    ("Linear", dict(in_features=20, out_features=30), (20,)),
    ("Linear", dict(in_features=20, out_features=5, bias=False), (20,)),
    ("LazyLinear", dict(out_features=7), (12,)),
    ("BatchNorm2d", dict(num_features=16), (16, 8, 8)),
    ("BatchNorm2d", dict(num_features=16, affine=False), (16, 8, 8)),
    ("BatchNorm2d", dict(num_features=16, track_running_stats=False), (16, 8, 8)),
    ("BatchNorm1d", dict(num_features=10), (10,)),
    ("BatchNorm1d", dict(num_features=10, eps=1e-3, momentum=None), (10, 7)),
    ("BatchNorm3d", dict(num_features=4), (4, 3, 5, 5)),
    ("BatchNorm2d", dict(num_features=5, bias=False), (5, 3, 3)),
    ("MaxPool2d", dict(kernel_size=2), (4, 9, 9)),
    ("MaxPool2d", dict(kernel_size=3, stride=2, ceil_mode=True), (4, 112, 112)),
    ("MaxPool2d", dict(kernel_size=3, stride=2, padding=1), (4, 112, 112)),
    ("MaxPool2d", dict(kernel_size=2, stride=2, padding=1, ceil_mode=True), (4, 5, 5)),
    ("MaxPool2d", dict(kernel_size=3, stride=1, padding=1, dilation=2), (4, 9, 9)),
    ("MaxPool2d", dict(kernel_size=(2, 3), stride=(3, 1)), (4, 9, 9)),
    ("MaxPool2d", dict(kernel_size=2, stride=4), (4, 9, 9)),
    ("MaxPool1d", dict(kernel_size=3, stride=2, ceil_mode=True), (4, 10)),
    ("MaxPool3d", dict(kernel_size=2, stride=2, padding=1), (2, 5, 6, 7)),
    ("AvgPool2d", dict(kernel_size=2), (4, 9, 9)),
    ("AvgPool2d", dict(kernel_size=3, stride=2, padding=1, ceil_mode=True, count_include_pad=False), (4, 10, 10)),
    ("AvgPool2d", dict(kernel_size=2, divisor_override=3), (4, 8, 8)),
    ("AvgPool1d", dict(kernel_size=4, stride=3, padding=2), (4, 20)),
    ("AvgPool3d", dict(kernel_size=(1, 2, 2)), (2, 3, 8, 8)),
    ("AdaptiveAvgPool2d", dict(output_size=1), (16, 7, 7)),
    ("AdaptiveAvgPool2d", dict(output_size=(7, 7)), (16, 1, 1)),
    ("AdaptiveAvgPool2d", dict(output_size=(None, 3)), (16, 5, 10)),
    ("AdaptiveMaxPool2d", dict(output_size=6), (16, 13, 13)),
    ("AdaptiveAvgPool1d", dict(output_size=4), (3, 10)),
    ("AdaptiveMaxPool1d", dict(output_size=3), (3, 10)),
    ("AdaptiveAvgPool3d", dict(output_size=(1, 2, 3)), (3, 4, 4, 4)),
    ("AdaptiveMaxPool3d", dict(output_size=(2, None, 3)), (3, 5, 6, 7)),
    ("ReLU", dict(), (3, 4, 4)),
    ("ReLU", dict(inplace=True), (10,)),
    ("ReLU6", dict(), (3, 4, 4)),
    ("LeakyReLU", dict(negative_slope=0.2), (3, 4)),
    ("ELU", dict(alpha=0.5), (3, 4, 4)),
    ("CELU", dict(), (3, 4, 4)),
    ("SELU", dict(), (3, 4, 4)),
    ("GELU", dict(approximate="tanh"), (3, 4, 4)),
    ("SiLU", dict(), (3, 4, 4)),
    ("Mish", dict(), (3, 4, 4)),
    ("Hardswish", dict(), (3, 4, 4)),
    ("Hardsigmoid", dict(), (3, 4, 4)),
    ("Sigmoid", dict(), (3, 4, 4)),
    ("Tanh", dict(), (3, 4, 4)),
    ("Softsign", dict(), (3, 4, 4)),
    ("Softplus", dict(beta=2), (3, 4, 4)),
    ("Softmax", dict(dim=1), (10,)),
    ("Softmax", dict(dim=-1), (3, 4, 4)),
    ("LogSoftmax", dict(dim=1), (10,)),
    ("PReLU", dict(), (3, 4, 4)),
    ("PReLU", dict(num_parameters=3), (3, 4, 4)),
    ("PReLU", dict(num_parameters=10), (10,)),
    ("Dropout", dict(), (3, 4, 4)),
    ("Dropout", dict(p=0.25), (10,)),
    ("Dropout1d", dict(p=0.1), (3, 4)),
    ("Dropout2d", dict(), (3, 4, 4)),
    ("Dropout3d", dict(), (3, 4, 4, 4)),
    ("AlphaDropout", dict(p=0.2), (10,)),
    ("FeatureAlphaDropout", dict(p=0.2), (3, 4, 4)),
    ("Flatten", dict(), (16, 5, 5)),
    ("Flatten", dict(), (10,)),
    ("Flatten", dict(start_dim=2), (16, 5, 5)),
    ("Flatten", dict(start_dim=1, end_dim=2), (2, 3, 4, 5)),
    ("Flatten", dict(start_dim=-2), (2, 3, 4, 5)),
    ("Identity", dict(), (3, 4, 4)),
    ("LazyConv1d", dict(out_channels=5, kernel_size=3, stride=2), (3, 11)),
    ("LazyConv2d", dict(out_channels=5, kernel_size=3, padding=1), (3, 8, 8)),
    ("LazyConv3d", dict(out_channels=2, kernel_size=2, groups=2), (4, 3, 3, 3)),
    ("ConvTranspose2d", dict(in_channels=4, out_channels=6, kernel_size=4, stride=2, padding=1), (4, 8, 8)),
    ("ConvTranspose2d", dict(in_channels=4, out_channels=6, kernel_size=3, stride=2, padding=1, output_padding=1,
                             groups=2), (4, 8, 8)),
    ("ConvTranspose2d", dict(in_channels=2, out_channels=3, kernel_size=2, stride=3, bias=False), (2, 5, 5)),
    ("ConvTranspose2d", dict(in_channels=2, out_channels=3, kernel_size=(3, 1), stride=(1, 2), padding=(1, 0),
                             output_padding=(0, 1)), (2, 5, 5)),
    ("ConvTranspose1d", dict(in_channels=4, out_channels=6, kernel_size=3, dilation=3, output_padding=2), (4, 8)),
    ("ConvTranspose3d", dict(in_channels=2, out_channels=3, kernel_size=(2, 3, 1), stride=(2, 1, 3),
                             padding=(0, 1, 0)), (2, 3, 4, 5)),
    ("LayerNorm", dict(normalized_shape=8), (4, 8)),
    ("LayerNorm", dict(normalized_shape=[4, 5, 6]), (4, 5, 6)),
    ("LayerNorm", dict(normalized_shape=(5, 6), bias=False), (4, 5, 6)),
    ("LayerNorm", dict(normalized_shape=10, elementwise_affine=False), (10,)),
    ("LayerNorm", dict(normalized_shape=(3, 4, 5, 6)), (3, 4, 5, 6)),
    ("GroupNorm", dict(num_groups=2, num_channels=6), (6, 4, 4)),
    ("GroupNorm", dict(num_groups=3, num_channels=6, affine=False), (6, 4)),
    ("GroupNorm", dict(num_groups=1, num_channels=6, bias=False), (6, 2, 2, 2)),
    ("InstanceNorm1d", dict(num_features=6, affine=True), (6, 4)),
    ("InstanceNorm2d", dict(num_features=6), (6, 4, 4)),
    ("InstanceNorm2d", dict(num_features=6, affine=True, track_running_stats=True), (6, 4, 4)),
    ("InstanceNorm3d", dict(num_features=2, track_running_stats=True), (2, 3, 4, 4)),
    ("Embedding", dict(num_embeddings=100, embedding_dim=8), (12,)),
    ("Embedding", dict(num_embeddings=100, embedding_dim=8, padding_idx=0, max_norm=1.0), (3, 12)),
    ("ZeroPad1d", dict(padding=(1, 2)), (3, 5)),
    ("ZeroPad1d", dict(padding=(1, 2)), (3, 5, 5)),
    ("ZeroPad2d", dict(padding=(1, 2, 3, 4)), (3, 5, 5)),
    ("ZeroPad2d", dict(padding=2), (3, 5, 5)),
    ("ZeroPad2d", dict(padding=(-1, 0, -2, -1)), (3, 5, 5)),
    ("ZeroPad3d", dict(padding=1), (3, 2, 2, 2)),
    ("ConstantPad1d", dict(padding=2, value=1.0), (3, 5)),
    ("ConstantPad2d", dict(padding=(0, 1, 0, 1), value=-1), (3, 5, 5)),
    ("ConstantPad3d", dict(padding=(1, 2, 0, 1, 3, 0), value=0.5), (3, 5, 5, 5)),
    ("ReflectionPad1d", dict(padding=4), (3, 5)),
    ("ReflectionPad2d", dict(padding=(1, 2, 3, 4)), (3, 5, 5)),
    ("ReflectionPad3d", dict(padding=1), (3, 2, 3, 4)),
    ("ReplicationPad1d", dict(padding=3), (3, 2)),
    ("ReplicationPad2d", dict(padding=(2, 0, 0, 1)), (3, 5, 5)),
    ("ReplicationPad3d", dict(padding=2), (1, 2, 2, 2)),
    ("CircularPad1d", dict(padding=5), (3, 5)),
    ("CircularPad2d", dict(padding=1), (3, 5, 5)),
    ("CircularPad3d", dict(padding=(1, 0, 1, 0, 1, 0)), (3, 2, 2, 2)),
    ("ChannelShuffle", dict(groups=3), (6, 4, 4)),
    ("ChannelShuffle", dict(groups=2), (6, 4)),
    ("Upsample", dict(scale_factor=2), (3, 5, 5)),
    ("Upsample", dict(scale_factor=1.5, mode="bilinear"), (3, 5, 5)),
    ("Upsample", dict(scale_factor=0.5, mode="bicubic", align_corners=True), (3, 5, 5)),
    ("Upsample", dict(size=(7, 9)), (3, 5, 5)),
    ("Upsample", dict(size=(10, 15), mode="nearest-exact"), (3, 5, 5)),
    ("Upsample", dict(size=20, mode="linear"), (3, 5)),
    ("Upsample", dict(scale_factor=(2, 1, 3), mode="trilinear"), (3, 5, 5, 4)),
    ("Upsample", dict(scale_factor=2.0, mode="area"), (3, 5, 5, 4)),
    ("UpsamplingNearest2d", dict(scale_factor=3), (3, 5, 5)),
    ("UpsamplingBilinear2d", dict(size=(10, 11)), (3, 5, 5)),
    ("Unflatten", dict(dim=1, unflattened_size=(2, 5)), (10,)),
    ("Unflatten", dict(dim=-1, unflattened_size=(2, -1)), (3, 10)),
    ("Unflatten", dict(dim=1, unflattened_size=(4, 4)), (16, 3, 3)),
    ("Linear", dict(in_features=7, out_features=5), (3, 7)),
    ("Linear", dict(in_features=7, out_features=5, bias=False), (3, 4, 7)),
    ("LazyLinear", dict(out_features=2), (3, 4, 7)),
    ("Hardtanh", dict(), (3, 4)),
    ("Hardtanh", dict(min_val=0.0, max_val=6.0), (3, 4)),
    ("LogSigmoid", dict(), (3, 4)),
    ("Tanhshrink", dict(), (3, 4)),
    ("Hardshrink", dict(lambd=0.3), (3, 4)),
    ("Softshrink", dict(), (3, 4)),
    ("Softmax2d", dict(), (3, 4, 4)),
    ("Softmin", dict(dim=1), (3, 4, 4)),
)


@pytest.mark.parametrize(("class_name", "kwargs", "shape"), C, ids=[f"{c}-{i}" for i, (c, _, _) in enumerate(C)])
def test_torch_layer_counts_what_torch_counts(class_name: str, kwargs: dict, shape: tuple[int, ...]) -> None:
    assert ours(class_name, kwargs, shape) == real(class_name, kwargs, shape)


def test_every_class_of_the_table_is_tested_against_torch() -> None:
    assert set(K.TORCH_CLASSES) <= {c for c, _, _ in C}


def test_the_signature_tables_are_torchs_own() -> None:
    import inspect

    for name, params in K.TORCH_PARAMS.items():
        signature = [p.name for p in inspect.signature(getattr(torch.nn, name).__init__).parameters.values()
                     if p.name not in ("self", "device", "dtype") and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
        assert list(K.TORCH_CLASSES[name].names) == signature, name
        assert params == K.TORCH_CLASSES[name].params  # positional ones only: bias of BatchNorm is keyword-only
        defaults = {p.name: p.default for p in inspect.signature(getattr(torch.nn, name).__init__).parameters.values()
                    if p.default is not inspect.Parameter.empty and p.name not in ("device", "dtype")}
        assert K.TORCH_CLASSES[name].defaults == defaults, name


@pytest.mark.parametrize(("name", "args", "kwargs", "shape"), [
    ("torch.nn.functional.relu", [], {}, (3, 4, 4)),
    ("torch.nn.functional.relu", [], {"inplace": True}, (3, 4, 4)),
    ("torch.relu", [], {}, (10,)),
    ("torch.sigmoid", [], {}, (10,)),
    ("torch.tanh", [], {}, (10,)),
    ("torch.nn.functional.max_pool2d", [2], {}, (6, 28, 28)),
    ("torch.nn.functional.max_pool2d", [3, 2, 1], {"ceil_mode": True}, (6, 28, 28)),
    ("torch.nn.functional.max_pool1d", [3], {"stride": 2}, (6, 28)),
    ("torch.nn.functional.avg_pool2d", [3], {"stride": 2, "padding": 1}, (6, 28, 28)),
    ("torch.nn.functional.adaptive_avg_pool2d", [(1, 1)], {}, (6, 7, 7)),
    ("torch.nn.functional.adaptive_max_pool2d", [2], {}, (6, 7, 7)),
    ("torch.nn.functional.dropout", [], {"p": 0.3, "training": False}, (6, 7, 7)),
    ("torch.nn.functional.dropout2d", [0.3], {}, (6, 7, 7)),
    ("torch.nn.functional.softmax", [], {"dim": 1}, (10,)),
    ("torch.nn.functional.log_softmax", [1], {}, (10,)),
    ("torch.softmax", [1], {}, (10,)),
    ("torch.nn.functional.leaky_relu", [0.1], {}, (10,)),
    ("torch.nn.functional.gelu", [], {}, (10,)),
    ("torch.flatten", [1], {}, (16, 5, 5)),
    ("torch.flatten", [], {"start_dim": 1}, (16, 5, 5)),
    ("torch.flatten", [2], {}, (16, 5, 5)),
    ("torch.nn.functional.pad", [(1, 1, 2, 2)], {}, (3, 5, 5)),
    ("torch.nn.functional.pad", [(1, 2)], {"mode": "reflect"}, (3, 5)),
    ("torch.nn.functional.pad", [(1, 0, 1, 0, 1, 0)], {"mode": "replicate"}, (3, 5, 5, 5)),
    ("torch.nn.functional.pad", [(0, -1, 0, -1)], {"value": 2.0}, (3, 5, 5)),
    ("torch.nn.functional.interpolate", [], {"scale_factor": 2, "mode": "bilinear", "align_corners": False},
     (3, 5, 5)),
    ("torch.nn.functional.interpolate", [(8, 8)], {}, (3, 5, 5)),
    ("torch.nn.functional.interpolate", [None, 3], {"mode": "nearest"}, (3, 5)),
    ("torch.nn.functional.channel_shuffle", [2], {}, (4, 5, 5)),
    ("torch.channel_shuffle", [2], {}, (4, 5, 5)),
    ("torch.nn.functional.hardtanh", [0.0, 6.0], {}, (4, 5, 5)),
    ("torch.nn.functional.logsigmoid", [], {}, (4, 5, 5)),
    ("torch.Tensor.flatten", [1], {}, (16, 5, 5)),
    ("torch.Tensor.relu", [], {}, (16, 5, 5)),
    ("torch.Tensor.softmax", [1], {}, (16,)),
])
def test_functions_compute_what_torch_computes(name: str, args: list, kwargs: dict, shape: tuple[int, ...]) -> None:
    import importlib

    module, _, attr = name.rpartition(".")
    function = getattr(torch.Tensor if module == "torch.Tensor" else importlib.import_module(module), attr)
    y = function(torch.zeros((2, *shape)), *args, **kwargs)
    kind, a = torch_function(name, args, kwargs, to_channels_last(shape))
    assert to_channels_first(K.KINDS[kind].infer(a, [to_channels_last(shape)]).shape) == tuple(y.shape[1:])


# ---------------------------------------------------------------------------------------------
# Random convolutions and pooling against torch.

_SETTINGS = settings(max_examples=200, derandomize=True, deadline=None,
                     suppress_health_check=[HealthCheck.too_slow])


def _compare_or_both_refuse(class_name: str, kwargs: dict, shape: tuple[int, ...]) -> None:
    try:
        expected = real(class_name, kwargs, shape)
    except (RuntimeError, ValueError):
        expected = None
    # An empty output (a transposed convolution without bias gives one where with a bias torch refuses)
    # is refused by archcalc: never a zero.
    if expected is None or 0 in expected[0]:
        with pytest.raises((ShapeError, SpecError)):
            ours(class_name, kwargs, shape)
        return
    assert ours(class_name, kwargs, shape) == expected, (class_name, kwargs, shape)


@_SETTINGS
@given(rank=st.integers(1, 3), data=st.data())
def test_random_convolutions_agree_with_torch(rank: int, data: st.DataObject) -> None:
    g = data.draw(st.integers(1, 3))
    c, d = g * data.draw(st.integers(1, 3)), g * data.draw(st.integers(1, 3))
    grid = tuple(data.draw(st.integers(1, 12)) for _ in range(rank))
    kwargs = dict(in_channels=c, out_channels=d, groups=g, bias=data.draw(st.booleans()),
                  kernel_size=tuple(data.draw(st.integers(1, 5)) for _ in range(rank)),
                  stride=data.draw(st.integers(1, 4)), dilation=data.draw(st.integers(1, 3)),
                  padding=data.draw(st.one_of(st.integers(0, 3), st.sampled_from(["same", "valid"]))))
    if kwargs["padding"] == "same":
        kwargs["stride"] = 1
    _compare_or_both_refuse(f"Conv{rank}d", kwargs, (c, *grid))


@_SETTINGS
@given(rank=st.integers(1, 3), data=st.data())
def test_random_transposed_convolutions_agree_with_torch(rank: int, data: st.DataObject) -> None:
    g = data.draw(st.integers(1, 3))
    c, d = g * data.draw(st.integers(1, 2)), g * data.draw(st.integers(1, 3))
    grid = tuple(data.draw(st.integers(1, 6)) for _ in range(rank))
    kwargs = dict(in_channels=c, out_channels=d, groups=g, bias=data.draw(st.booleans()),
                  kernel_size=tuple(data.draw(st.integers(1, 4)) for _ in range(rank)),
                  stride=data.draw(st.integers(1, 3)), dilation=data.draw(st.integers(1, 3)),
                  padding=data.draw(st.integers(0, 3)), output_padding=data.draw(st.integers(0, 2)))
    _compare_or_both_refuse(f"ConvTranspose{rank}d", kwargs, (c, *grid))


@_SETTINGS
@given(rank=st.integers(1, 3), data=st.data())
def test_random_pooling_agrees_with_torch(rank: int, data: st.DataObject) -> None:
    op = data.draw(st.sampled_from(["Max", "Avg"]))
    grid = tuple(data.draw(st.integers(1, 12)) for _ in range(rank))
    kwargs = dict(kernel_size=tuple(data.draw(st.integers(1, 5)) for _ in range(rank)),
                  stride=data.draw(st.one_of(st.none(), st.integers(1, 6))),
                  padding=data.draw(st.integers(0, 2)), ceil_mode=data.draw(st.booleans()))
    if op == "Max":
        kwargs["dilation"] = data.draw(st.integers(1, 3))
    _compare_or_both_refuse(f"{op}Pool{rank}d", kwargs, (2, *grid))


# ---------------------------------------------------------------------------------------------
# Refusals, word for word.

@pytest.mark.parametrize(("class_name", "kwargs", "shape", "message"), [
    ("Conv2d", dict(in_channels=3, out_channels=8, kernel_size=3), (1, 32, 32),
     "Conv2d(in_channels=3) but its input has 1: (N, 1, 32, 32)"),
    ("Conv2d", dict(in_channels=3, out_channels=8, kernel_size=3), (3, 32),
     "nn.Conv2d needs a 4-D input (batch included), but its input is (N, 3, 32) (3-D)"),
    ("Conv2d", dict(in_channels=3, out_channels=8, kernel_size=3, stride=2, padding="same"), (3, 32, 32),
     "`nn.Conv2d`: padding='same' is not supported for strided convolutions"),
    ("Conv2d", dict(in_channels=3, out_channels=8, kernel_size=3, padding="full"), (3, 32, 32),
     "`nn.Conv2d`: Invalid padding string 'full', should be one of {'valid', 'same'}"),
    ("Conv2d", dict(in_channels=3, out_channels=8, kernel_size=3, groups=2), (3, 32, 32),
     "`nn.Conv2d`: in_channels must be divisible by groups (3 and groups=2)"),
    ("Conv2d", dict(in_channels=4, out_channels=6, kernel_size=3, groups=4), (4, 32, 32),
     "`nn.Conv2d`: out_channels must be divisible by groups (6 and groups=4)"),
    ("Conv2d", dict(in_channels=3, out_channels=8, kernel_size=(3, 3, 3)), (3, 32, 32),
     "`nn.Conv2d`: kernel_size has 3 sizes, the layer has 2 spatial axes: `(3, 3, 3)`"),
    ("Conv2d", dict(in_channels=3, out_channels=8, kernel_size=3, padding=3, padding_mode="reflect"), (3, 3, 3),
     "padding_mode='reflect' pads 3 but the axis has only 3 positions"),
    ("Conv2d", dict(in_channels=3, out_channels=8, kernel_size=3, padding_mode="mirror"), (3, 8, 8),
     "`nn.Conv2d`: padding_mode must be one of zeros, reflect, replicate, circular; got 'mirror'"),
    ("Conv2d", dict(in_channels=3, out_channels=8, kernel_size=3, bias=1), (3, 8, 8),
     "`nn.Conv2d`: bias must be True or False, got `1`"),
    ("Conv2d", dict(in_channels=3, out_channels=8), (3, 8, 8), "`nn.Conv2d` needs `kernel_size`"),
    ("Conv2d", dict(in_channels=3, out_channels=8, kernel=3), (3, 8, 8), "`nn.Conv2d` has no argument `kernel`"),
    ("Conv2D", dict(), (3, 8, 8), "archcalc does not know the PyTorch layer `nn.Conv2D`"),
    ("Linear", dict(in_features=10, out_features=5), (12,),
     "Linear(in_features=10) but its input has 12: (N, 12)"),
    ("Linear", dict(in_features=48, out_features=5), (3, 4, 4),
     "Linear(in_features=48) but its input has 4: (N, 3, 4, 4)"),
    ("BatchNorm2d", dict(num_features=8), (16, 4, 4), "BatchNorm2d(num_features=8) but its input has 16: "
     "(N, 16, 4, 4)"),
    ("MaxPool2d", dict(kernel_size=2, padding=2), (3, 8, 8),
     "`nn.MaxPool2d`: pad should be at most half of kernel size, but got pad=2 and kernel_size=2"),
    ("MaxPool2d", dict(kernel_size=2, return_indices=True), (3, 8, 8),
     "`nn.MaxPool2d`: return_indices=True makes the layer return (output, indices); archcalc reads one tensor"),
    ("MaxPool2d", dict(kernel_size=5), (3, 4, 4),
     "maxpool shrinks the feature map below 1x1: H = ⌊(4 − 5)/5⌋ + 1 = 0"),
    ("Dropout", dict(p=1.5), (10,), "`nn.Dropout`: dropout probability has to be between 0 and 1, but got 1.5"),
    ("Flatten", dict(start_dim=0), (10,), "`nn.Flatten`: start_dim=0 flattens the batch axis into the values"),
    ("Softmax", dict(dim=3), (10,), "Softmax(dim=3) is out of range for a 2-D input (N, 10)"),
    ("PReLU", dict(num_parameters=4), (3, 4, 4),
     "PReLU(num_parameters=4) needs 1 or the input's channels (3): (N, 3, 4, 4)"),
    ("ConvTranspose2d", dict(in_channels=2, out_channels=2, kernel_size=3, stride=2, output_padding=2), (2, 4, 4),
     "deconv: output_padding 2 must be smaller than either the stride 2 or the dilation 1"),
    ("ConvTranspose2d", dict(in_channels=2, out_channels=2, kernel_size=3, padding_mode="reflect"), (2, 4, 4),
     "`nn.ConvTranspose2d`: Only \"zeros\" padding mode is supported for ConvTranspose2d, got 'reflect'"),
    ("ConvTranspose2d", dict(in_channels=2, out_channels=2, kernel_size=2, padding=2), (2, 1, 1),
     "deconv gives no output: H = (1 − 1)·1 − 2·2 + 2 + 0 = -2   ((in − 1)·s − 2p + d·(k − 1) + 1 + output_padding)"),
    ("LayerNorm", dict(normalized_shape=4), (4, 5, 6),
     "LayerNorm(normalized_shape=[4]) needs an input whose last axes are [4], but its input is (N, 4, 5, 6)"),
    ("GroupNorm", dict(num_groups=4, num_channels=6), (6, 2, 2),
     "`nn.GroupNorm`: num_channels must be divisible by num_groups (6 and 4)"),
    ("ZeroPad2d", dict(padding=1), (3, 5), "ZeroPad2d pads the last 2 axes of its input (N, 3, 5): the channels too"),
    ("ZeroPad2d", dict(padding=(1, -1, 0, 0)), (3, 5, 5), "`nn.ZeroPad2d`: padding (1, -1, 0, 0) both pads and crops"),
    ("ReflectionPad2d", dict(padding=5), (3, 5, 5), "ReflectionPad2d: reflect padding of 5 on an axis of 5 positions"),
    ("Upsample", dict(), (3, 5, 5), "`nn.Upsample`: either size or scale_factor should be defined"),
    ("Upsample", dict(scale_factor=2, mode="bilinear"), (3, 5),
     "Upsample: mode 'bilinear' needs a 4-D input, got (N, 3, 5)"),
    ("Upsample", dict(scale_factor=1.5), (3, 5), "Upsample to [7] from [5]: archcalc resamples by whole factors, "
     "or images (H x W) to any size"),
    ("Unflatten", dict(dim=1, unflattened_size=(3, 3)), (10,),
     "Unflatten: unflattened_size [3, 3] must multiply to the 10 values of dim 1"),
    ("Embedding", dict(num_embeddings=10, embedding_dim=3, padding_idx=10), (5,),
     "`nn.Embedding`: Padding_idx must be within num_embeddings (10 for 10)"),
])
def test_refusals_word_for_word(class_name: str, kwargs: dict, shape: tuple[int, ...], message: str) -> None:
    with pytest.raises((ShapeError, SpecError)) as e:
        ours(class_name, kwargs, shape)
    assert e.value.message == message
    assert e.value.hint or isinstance(e.value, ShapeError)


def test_refusals_of_functions_name_the_function() -> None:
    with pytest.raises(SpecError) as e:
        torch_function("torch.flatten", [], {}, (5, 5, 16))
    assert e.value.message == "`torch.flatten`: start_dim=0 flattens the batch axis into the values"
    assert e.value.hint == "flatten from dim 1: nn.Flatten() or torch.flatten(x, 1)"
    with pytest.raises(SpecError) as e:
        torch_function("torch.nn.functional.max_pool", [2], {}, (5, 5, 16))
    assert e.value.message == "archcalc does not know the PyTorch function `torch.nn.functional.max_pool`"
    assert e.value.hint == "did you mean `torch.nn.functional.max_pool3d`?"


# ---------------------------------------------------------------------------------------------
# A whole network: parameters and buffers as torch counts them, in every output format.


LENET_BN = (("Conv2d", dict(in_channels=1, out_channels=6, kernel_size=5, padding=2)),
            ("BatchNorm2d", dict(num_features=6)), ("ReLU", {}), ("MaxPool2d", dict(kernel_size=2)),
            ("Conv2d", dict(in_channels=6, out_channels=16, kernel_size=5)), ("BatchNorm2d", dict(num_features=16)),
            ("ReLU", {}), ("MaxPool2d", dict(kernel_size=2)), ("Flatten", {}),
            ("Linear", dict(in_features=400, out_features=120)), ("ReLU", {}),
            ("Linear", dict(in_features=120, out_features=10)))


def _network() -> Network:
    shape = to_channels_last((1, 28, 28))
    nodes = [Node("input", {"shape": shape})]
    for i, (class_name, kwargs) in enumerate(LENET_BN):
        kind, args = torch_layer(class_name, kwargs, shape)
        nodes.append(Node(kind, args, (i,), module=str(i)))
        shape = K.KINDS[kind].infer(args, [shape]).shape
    return Network("lenet_bn", nodes, notation="torch")


def test_a_torch_network_counts_parameters_and_buffers_as_torch_does() -> None:
    model = torch.nn.Sequential(*(getattr(torch.nn, c)(**k) for c, k in LENET_BN))
    a = analyze_network(_network())
    assert a.totals.params == sum(p.numel() for p in model.parameters()) == 51_946
    assert a.totals.buffers == sum(b.numel() for b in model.buffers()) == 2 * 6 + 1 + 2 * 16 + 1
    assert a.totals.non_trainable_params == 0
    assert [r.buffers for r in a.rows if r.kind == "batchnorm"] == [13, 33]
    assert [r.module for r in a.rows][:3] == ["0", "1", "2"]
    data = json.loads(json_text([a]))
    assert data["totals"]["buffers"] == 46 and data["totals"]["params"] == 51_946
    assert data["layers"][1]["buffers"] == 13 and data["layers"][0]["buffers"] == 0
    assert data["layers"][0]["output_shape"] == [28, 28, 6]  # JSON is channels-last always
    assert data["layers"][1]["module"] == "1"


def test_tables_show_buffers_and_channels_first_for_torch() -> None:
    a = analyze_network(_network())
    text = text_table(a)
    assert "lenet_bn  ·  input 1x28x28" in text
    assert text.splitlines()[2].split() == ["#", "Layer", "Output", "Params", "Buffers", "Activations", "Memory",
                                            "MACs", "RF", "/stride"]
    assert text.splitlines()[4].split()[:5] == ["1", "conv5-6", "padding=2", "linear", "6x28x28"]
    assert "buffers: 46 (46): kept, not parameters" in text
    a.layout = "nhwc"
    assert "28x28x6" in text_table(a) and "input 28x28x1" in text_table(a)
    md = markdown_table(a)
    assert "| # | Layer | Output | Params | Buffers |" in md
    assert "| | **Total** | | **51,946** | **46** |" in md
    header, first = csv_text([a]).splitlines()[:2]
    assert header.endswith(",buffers") and first.endswith(",0")


def test_other_notations_show_no_buffers() -> None:
    from archcalc import analyze

    a = analyze("input 32x32x3\nconv3-8\nbatchnorm\nFC-10")
    assert a.totals.buffers == 0 and a.totals.non_trainable_params == 16
    assert "buffers" not in json.loads(json_text([a]))["totals"]
    assert "Buffers" not in text_table(a)


def test_the_layout_helpers_are_inverse() -> None:
    for shape in [(3, 224, 224), (16, 100), (10,), (4, 8, 16, 16)]:
        assert to_channels_first(to_channels_last(shape)) == shape


# ---------------------------------------------------------------------------------------------
# The vocabulary's kinds built back by the PyTorch bridge (archcalc.bridge.torch_build) agree with it.

BUILT_BACK = (  # (input shape channels-first, [(class, kwargs), ...])
    ((4, 8, 8), [("ConvTranspose2d", dict(in_channels=4, out_channels=6, kernel_size=3, stride=2, padding=1,
                                          output_padding=1, groups=2)),
                 ("BatchNorm2d", dict(num_features=6, bias=False)), ("Hardtanh", {}),
                 ("GroupNorm", dict(num_groups=3, num_channels=6, bias=False)),
                 ("InstanceNorm2d", dict(num_features=6, affine=True, track_running_stats=True)),
                 ("InstanceNorm2d", dict(num_features=6, track_running_stats=True)),
                 ("ChannelShuffle", dict(groups=3)), ("ZeroPad2d", dict(padding=(1, 0, 2, 0))),
                 ("AdaptiveAvgPool2d", dict(output_size=(20, None))), ("Linear", dict(in_features=17, out_features=5)),
                 ("LogSigmoid", {}), ("Flatten", {}), ("Linear", dict(in_features=600, out_features=10))]),
)


@pytest.mark.parametrize(("shape", "layers"), BUILT_BACK)
def test_the_torch_bridge_builds_the_vocabularys_kinds_back(shape: tuple[int, ...], layers: list) -> None:
    from archcalc.bridge.torch_verify import verify

    here = to_channels_last(shape)
    nodes = [Node("input", {"shape": here})]
    for i, (class_name, kwargs) in enumerate(layers):
        kind, args = torch_layer(class_name, kwargs, here)
        nodes.append(Node(kind, args, (i,)))
        here = K.KINDS[kind].infer(args, [here]).shape
    network = Network("built_back", nodes, notation="torch")
    report = verify(network, analyze_network(network))
    assert report.ok, [(x.name, x.cells, x.cause) for x in report.mismatches]
