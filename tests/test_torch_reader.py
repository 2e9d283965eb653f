"""The PyTorch code reader against real PyTorch: each model here is executed with torch (our own test
code), its modules' output shapes recorded by forward hooks, its parameters and buffers counted, and
compared with what :func:`archcalc.torch_code.parse_torch` reads without running anything."""

from __future__ import annotations

import math
import textwrap
from collections import defaultdict

import pytest

torch = pytest.importorskip("torch")

from archcalc.analysis import analyze_network  # noqa: E402
from archcalc.code.torch import channels_first  # noqa: E402
from archcalc.torch_code import looks_like_torch, parse_torch  # noqa: E402

HEAD = "import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n"


def run_torch(code: str, pick: str | None, input_shape: tuple[int, ...], kwargs: dict | None = None,
              batch: int = 2):
    """Build the model with torch (``pick``: a class or variable; default as archcalc's), run it on a
    batch of 2 and record each module's output shapes (per call), parameters and buffers."""
    namespace: dict = {}
    exec(compile(code, "<model>", "exec"), namespace)  # the test's own model code
    if pick is None:
        classes = [v for v in namespace.values()
                   if isinstance(v, type) and issubclass(v, torch.nn.Module) and v.__module__ == "builtins"]
        objects = [v for v in namespace.values() if isinstance(v, torch.nn.Module)]
        model = objects[-1] if objects and not classes else None
        if model is None:
            last = max(classes, key=lambda c: c.__init__.__code__.co_firstlineno)
            mine = [v for v in objects if type(v) is last]
            model = mine[-1] if mine else last(**(kwargs or {}))
    else:
        value = namespace[pick]  # a class, a function returning a model, or a model
        model = value if isinstance(value, torch.nn.Module) else value(**(kwargs or {}))
    shapes: dict[str, list[tuple[int, ...]]] = defaultdict(list)
    names = {m: n for n, m in model.named_modules()}

    def hook(module, inputs, output):
        if isinstance(output, torch.Tensor):
            shapes[names[module]].append(tuple(output.shape[1:]))

    for m in names:
        if m is not model:
            m.register_forward_hook(hook)
    model.eval()  # batch norm on a batch of 2 needs no statistics; the shapes are the same
    with torch.no_grad():
        out = model(torch.zeros(batch, *input_shape))
    params = {n: sum(p.numel() for p in m.parameters(recurse=False)) for n, m in model.named_modules()}
    buffers = {n: sum(b.numel() for b in m.buffers(recurse=False)) for n, m in model.named_modules()}
    return model, out, shapes, params, buffers


def compare(code: str, input_shape: tuple[int, ...], *, pick: str | None = None, kwargs: dict | None = None,
            defines: dict | None = None) -> None:
    """archcalc's reading equals torch's model: every module's output shapes (each call, in order), every
    leaf module's parameters, the totals and the final output shape."""
    model, out, shapes, params, _buffers = run_torch(code, pick, input_shape, kwargs)
    net = parse_torch(code, "model.py", input_shape=input_shape, net=pick, defines=defines or kwargs)[0]
    assert net.notation == "torch"
    analysis = analyze_network(net)
    read: dict[str, list[tuple[int, ...]]] = defaultdict(list)
    read_params: dict[str, int] = defaultdict(int)
    for node, row in zip(net.nodes[1:], analysis.rows):
        if node.module:
            read[node.module].append(tuple(row.output_shape))
            if node.shares is None:
                read_params[node.module] += row.params
    containers = (torch.nn.Sequential, torch.nn.ModuleList, torch.nn.ModuleDict)  # an empty one is no leaf
    leaves = {n for n, m in model.named_modules() if not list(m.children()) and n and not isinstance(m, containers)}
    called = {n for n in leaves if shapes.get(n)}
    assert set(read) == called, (sorted(read), sorted(called))
    for name in called:
        # archcalc's shape is channels-last; torch's is (C, H, W), or features-last after nn.Linear or a
        # permute that moved the channels last: the same values either way.
        assert len(read[name]) == len(shapes[name]), name
        for ours, theirs in zip(read[name], shapes[name]):
            assert theirs in (channels_first(ours), ours), (name, ours, theirs)
        assert read_params[name] == params[name], name
    assert analysis.totals.params == sum(p.numel() for p in model.parameters())
    last = net.nodes[-1] if len(net.outputs) == 1 else None
    if last is not None and isinstance(out, torch.Tensor):
        assert channels_first(tuple(analysis.rows[-1].output_shape)) == tuple(out.shape[1:])


LENET = HEAD + textwrap.dedent("""
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(3, 6, 5)
            self.pool = nn.MaxPool2d(2, 2)
            self.conv2 = nn.Conv2d(6, 16, 5)
            self.fc1 = nn.Linear(16 * 5 * 5, 120)
            self.fc2 = nn.Linear(120, 84)
            self.fc3 = nn.Linear(84, 10)

        def forward(self, x):
            x = self.pool(F.relu(self.conv1(x)))
            x = self.pool(F.relu(self.conv2(x)))
            x = torch.flatten(x, 1)
            x = F.relu(self.fc1(x))
            x = F.relu(self.fc2(x))
            x = self.fc3(x)
            return x


    net = Net()
""")

CASES = {
    "lenet_tutorial": (LENET, (3, 32, 32)),
    "sequential": (HEAD + textwrap.dedent("""
        model = nn.Sequential(
            nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, kernel_size=3, stride=2), nn.ReLU(),
            nn.Flatten(), nn.Dropout(0.5), nn.Linear(64 * 6 * 6, 10))
    """), (1, 28, 28)),
    "sequential_ordered_dict": ("from collections import OrderedDict\n" + HEAD + textwrap.dedent("""
        model = nn.Sequential(OrderedDict([
            ("conv1", nn.Conv2d(1, 20, 5)), ("relu1", nn.ReLU()),
            ("conv2", nn.Conv2d(20, 64, 5)), ("relu2", nn.ReLU()),
            ("flat", nn.Flatten()), ("fc", nn.Linear(64 * 20 * 20, 10)),
        ]))
    """), (1, 28, 28)),
    "sequential_star_layers": (HEAD + textwrap.dedent("""
        cfg = [16, "M", 32, "M", 64]
        layers = []
        in_c = 3
        for v in cfg:
            if v == "M":
                layers += [nn.MaxPool2d(kernel_size=2, stride=2)]
            else:
                layers += [nn.Conv2d(in_c, v, kernel_size=3, padding=1), nn.ReLU(inplace=True)]
                in_c = v
        features = nn.Sequential(*layers)

        class VGGish(nn.Module):
            def __init__(self, features, num_classes=10):
                super(VGGish, self).__init__()
                self.features = features
                self.classifier = nn.Sequential(nn.Linear(64 * 8 * 8, 128), nn.ReLU(True), nn.Dropout(),
                                                nn.Linear(128, num_classes))

            def forward(self, x):
                x = self.features(x)
                x = x.view(x.size(0), -1)
                return self.classifier(x)

        model = VGGish(features)
    """), (3, 32, 32)),
    "module_list_loop": (HEAD + textwrap.dedent("""
        class MLP(nn.Module):
            def __init__(self, sizes=(784, 256, 128, 10)):
                super().__init__()
                self.layers = nn.ModuleList()
                for a, b in zip(sizes[:-1], sizes[1:]):
                    self.layers.append(nn.Linear(a, b))
                self.act = nn.ReLU()

            def forward(self, x):
                x = x.view(-1, 784)
                for i, layer in enumerate(self.layers):
                    x = layer(x)
                    if i < len(self.layers) - 1:
                        x = self.act(x)
                return x
    """), (1, 28, 28)),
    "module_list_index_extend": (HEAD + textwrap.dedent("""
        class Net(nn.Module):
            def __init__(self, width=8, depth=3):
                super().__init__()
                self.convs = nn.ModuleList([nn.Conv2d(3, width, 3, padding=1)])
                self.convs.extend([nn.Conv2d(width, width, 3, padding=1) for _ in range(depth - 1)])
                self.head = nn.Linear(width, 5)

            def forward(self, x):
                x = F.relu(self.convs[0](x))
                for conv in self.convs[1:]:
                    x = F.relu(conv(x))
                x = x.mean((2, 3))
                return self.head(x)
    """), (3, 16, 16)),
    "module_dict": (HEAD + textwrap.dedent("""
        class Heads(nn.Module):
            def __init__(self):
                super().__init__()
                self.body = nn.Conv2d(3, 8, 3, stride=2, padding=1)
                self.heads = nn.ModuleDict({"cls": nn.Linear(8 * 8 * 8, 10), "box": nn.Linear(8 * 8 * 8, 4)})

            def forward(self, x):
                x = torch.flatten(F.relu(self.body(x)), 1)
                return self.heads["cls"](x), self.heads["box"](x)
    """), (3, 16, 16)),
    "add_module_setattr": (HEAD + textwrap.dedent("""
        class Net(nn.Module):
            def __init__(self, n=3):
                super().__init__()
                c = 1
                for i in range(n):
                    self.add_module(f"conv{i}", nn.Conv2d(c, 4 * (i + 1), 3))
                    c = 4 * (i + 1)
                for i in range(2):
                    setattr(self, "fc%d" % i, nn.Linear(10 if i else c * 4 * 4, 10))
                self.n = n

            def forward(self, x):
                for i in range(self.n):
                    x = F.relu(getattr(self, f"conv{i}")(x))
                x = x.flatten(1)
                return self.fc1(F.relu(self.fc0(x)))
    """), (1, 10, 10)),
    "helper_class_residual": (HEAD + textwrap.dedent("""
        class Block(nn.Module):
            def __init__(self, cin, cout, stride=1):
                super().__init__()
                self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
                self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
                self.shortcut = nn.Sequential()
                if stride != 1 or cin != cout:
                    self.shortcut = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False))

            def forward(self, x):
                out = F.relu(self.conv1(x))
                out = self.conv2(out)
                out = out.add(self.shortcut(x))
                return F.relu(out)

        class TinyResNet(nn.Module):
            def __init__(self, num_classes=10):
                super(TinyResNet, self).__init__()
                self.stem = nn.Conv2d(3, 16, 3, padding=1, bias=False)
                self.layer1 = nn.Sequential(Block(16, 16), Block(16, 16))
                self.layer2 = nn.Sequential(Block(16, 32, 2), Block(32, 32))
                self.fc = nn.Linear(32, num_classes)

            def forward(self, x):
                x = F.relu(self.stem(x))
                x = self.layer2(self.layer1(x))
                x = F.adaptive_avg_pool2d(x, 1) if False else x.mean([2, 3])
                return self.fc(x)
    """), (3, 32, 32)),
    "concat_shapes_known": (HEAD + textwrap.dedent("""
        class Inceptionish(nn.Module):
            def __init__(self):
                super().__init__()
                self.a = nn.Conv2d(3, 8, 1)
                self.b = nn.Conv2d(3, 16, 3, padding=1)
                self.c = nn.Conv2d(3, 4, 5, padding=2)
                self.fc = nn.Linear(28 * 8 * 8, 10)

            def forward(self, x):
                y = torch.cat([self.a(x), self.b(x), self.c(x)], dim=1)
                y = F.max_pool2d(y, 2)
                if y.size(1) == 28 and y.shape[-1] == 8:
                    y = y.reshape(y.shape[0], -1)
                return self.fc(y)
    """), (3, 16, 16)),
    "shared_module_called_twice": (HEAD + textwrap.dedent("""
        class Twice(nn.Module):
            def __init__(self):
                super().__init__()
                self.conv = nn.Conv2d(4, 4, 3, padding=1)
                self.out = nn.Linear(4 * 6 * 6, 2)

            def forward(self, x):
                x = F.relu(self.conv(x))
                x = F.relu(self.conv(x))
                return self.out(x.view(-1, 4 * 6 * 6))
    """), (4, 6, 6)),
    "se_multiply": (HEAD + textwrap.dedent("""
        class SE(nn.Module):
            def __init__(self, c=16, r=4):
                super().__init__()
                self.conv = nn.Conv2d(3, c, 3, padding=1)
                self.fc1 = nn.Conv2d(c, c // r, 1)
                self.fc2 = nn.Conv2d(c // r, c, 1)

            def forward(self, x):
                x = self.conv(x)
                s = F.adaptive_avg_pool2d(x, 1)
                s = torch.sigmoid(self.fc2(F.relu(self.fc1(s))))
                return x * s
    """), (3, 8, 8)),
    "permute_linear_on_channels": (HEAD + textwrap.dedent("""
        class Mixer(nn.Module):
            def __init__(self):
                super().__init__()
                self.conv = nn.Conv2d(3, 8, 3, padding=1)
                self.channel_fc = nn.Linear(8, 16)
                self.token_fc = nn.Linear(64, 10)
                self.head = nn.Linear(16 * 10, 5)

            def forward(self, x):
                x = self.conv(x)
                x = x.permute(0, 2, 3, 1)
                x = F.relu(self.channel_fc(x))
                x = torch.permute(x, (0, 3, 1, 2)).contiguous()
                x = F.max_pool2d(x, 2)
                x = x.view(x.size(0), 16, -1)
                x = self.token_fc(x)
                return self.head(x.flatten(1))
    """), (3, 16, 16)),
    "transpose_sequence": (HEAD + textwrap.dedent("""
        class Seq(nn.Module):
            def __init__(self):
                super().__init__()
                self.proj = nn.Linear(6, 12)
                self.out = nn.Linear(12 * 20, 3)

            def forward(self, x):
                x = x.transpose(1, 2)
                x = torch.relu(self.proj(x))
                x = torch.transpose(x, 1, 2).reshape(x.size(0), -1)
                return self.out(x)
    """), (6, 20)),
    "torchvision_style_resnet": (HEAD + textwrap.dedent("""
        def conv3x3(in_planes, out_planes, stride=1):
            return nn.Conv2d(in_planes, out_planes, kernel_size=3, stride=stride, padding=1, bias=False)


        class BasicBlock(nn.Module):
            expansion = 1

            def __init__(self, inplanes, planes, stride=1, downsample=None):
                super(BasicBlock, self).__init__()
                self.conv1 = conv3x3(inplanes, planes, stride)
                self.bn1 = nn.BatchNorm2d(planes)
                self.relu = nn.ReLU(inplace=True)
                self.conv2 = conv3x3(planes, planes)
                self.bn2 = nn.BatchNorm2d(planes)
                self.downsample = downsample
                self.stride = stride

            def forward(self, x):
                identity = x
                out = self.relu(self.bn1(self.conv1(x)))
                out = self.bn2(self.conv2(out))
                if self.downsample is not None:
                    identity = self.downsample(x)
                out += identity
                return self.relu(out)


        class ResNet(nn.Module):
            def __init__(self, block, layers, num_classes=10):
                super().__init__()
                self.inplanes = 16
                self.conv1 = nn.Conv2d(3, 16, kernel_size=3, stride=1, padding=1, bias=False)
                self.bn1 = nn.BatchNorm2d(16)
                self.relu = nn.ReLU(inplace=True)
                self.layer1 = self._make_layer(block, 16, layers[0])
                self.layer2 = self._make_layer(block, 32, layers[1], stride=2)
                self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
                self.fc = nn.Linear(32 * block.expansion, num_classes)
                for m in self.modules():
                    if isinstance(m, nn.Conv2d):
                        nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
                    elif isinstance(m, (nn.BatchNorm2d, nn.GroupNorm)):
                        nn.init.constant_(m.weight, 1)
                        nn.init.constant_(m.bias, 0)

            def _make_layer(self, block, planes, blocks, stride=1):
                downsample = None
                if stride != 1 or self.inplanes != planes * block.expansion:
                    downsample = nn.Sequential(
                        nn.Conv2d(self.inplanes, planes * block.expansion, 1, stride=stride, bias=False),
                        nn.BatchNorm2d(planes * block.expansion))
                layers = [block(self.inplanes, planes, stride, downsample)]
                self.inplanes = planes * block.expansion
                for _ in range(1, blocks):
                    layers.append(block(self.inplanes, planes))
                return nn.Sequential(*layers)

            def forward(self, x):
                x = self.relu(self.bn1(self.conv1(x)))
                x = self.layer2(self.layer1(x))
                x = self.avgpool(x)
                x = torch.flatten(x, 1)
                return self.fc(x)


        model = ResNet(BasicBlock, [2, 2])
    """), (3, 32, 32)),
    "se_expand_as_squeeze": (HEAD + textwrap.dedent("""
        class SELayer(nn.Module):
            def __init__(self, channel, reduction=4):
                super(SELayer, self).__init__()
                self.avg_pool = nn.AdaptiveAvgPool2d(1)
                self.fc = nn.Sequential(
                    nn.Linear(channel, channel // reduction, bias=False),
                    nn.ReLU(inplace=True),
                    nn.Linear(channel // reduction, channel, bias=False),
                    nn.Sigmoid())

            def forward(self, x):
                b, c, _, _ = x.size()
                y = self.avg_pool(x).view(b, c)
                y = self.fc(y).view(b, c, 1, 1)
                return x * y.expand_as(x)

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.conv = nn.Conv2d(3, 16, 3, padding=1)
                self.se = SELayer(16)
                self.pool = nn.AdaptiveAvgPool2d(1)
                self.fc = nn.Linear(16, 10)

            def forward(self, x):
                x = self.se(F.relu(self.conv(x)))
                x = self.pool(x).squeeze(-1).squeeze(-1)
                return self.fc(x.unsqueeze(1).squeeze(1))
    """), (3, 12, 12)),
    "module_list_idioms": (HEAD + textwrap.dedent("""
        from torch.nn import *


        class Tower(Module):
            def __init__(self, widths=(4, 8, 8)):
                super().__init__()
                self.convs = ModuleList(Conv2d(a, b, 3, padding=1) for a, b in zip((3, *widths), widths))
                self.bns = ModuleList()
                self.bns += [BatchNorm2d(w) for w in widths]
                self.heads = ModuleDict()
                self.heads["small"] = Linear(widths[-1], 2)
                self.heads.update({"big": Linear(widths[-1], 7)})

            def forward(self, x):
                for i, (conv, bn) in enumerate(zip(self.convs, self.bns)):
                    x = bn(conv(x)).relu()
                    if i == len(self.convs) - 1:
                        x = F.max_pool2d(x, kernel_size=x.shape[-1])
                x = x.flatten(1)
                return [self.heads[k](x) for k in self.heads]
    """), (3, 8, 8)),
    "flatten_modules_features_last": (HEAD + textwrap.dedent("""

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, padding=1)
        self.mix = nn.Linear(8, 6)
        self.flat = nn.Flatten()
        self.flat2 = nn.Flatten(1, 2)
        self.fc = nn.Linear(6 * 4 * 4, 2)

    def forward(self, x):
        x = self.conv(x).permute(0, 2, 3, 1)
        x = self.mix(x)
        y = self.flat2(x)
        x = self.flat(x)
        return self.fc(x), y
    """), (3, 4, 4)),
    "decoder_unflatten_and_view": (HEAD + textwrap.dedent("""
        class Decoder(nn.Module):
            def __init__(self, z=8):
                super().__init__()
                self.fc = nn.Linear(z, 16 * 4 * 4)
                self.unflatten = nn.Unflatten(1, (16, 4, 4))
                self.up = nn.ConvTranspose2d(16, 8, 4, stride=2, padding=1)
                self.fc2 = nn.Linear(z, 8 * 8 * 8)
                self.out = nn.Conv2d(16, 1, 3, padding=1)

            def forward(self, z):
                a = self.up(self.unflatten(self.fc(z)))
                b = self.fc2(z).view(-1, 8, 8, 8)
                return torch.sigmoid(self.out(torch.cat([a, b], dim=1)))
    """), (8,)),
    "container_subclasses": (HEAD + textwrap.dedent("""
        class DenseLayer(nn.Module):
            def __init__(self, cin, growth):
                super().__init__()
                self.norm = nn.BatchNorm2d(cin)
                self.conv = nn.Conv2d(cin, growth, 3, padding=1, bias=False)

            def forward(self, features):
                return self.conv(F.relu(self.norm(torch.cat(features, 1))))


        class DenseBlock(nn.ModuleDict):
            def __init__(self, n, cin, growth):
                super().__init__()
                for i in range(n):
                    self.add_module("denselayer%d" % (i + 1), DenseLayer(cin + i * growth, growth))

            def forward(self, x):
                features = [x]
                for name, layer in self.items():
                    features.append(layer(features))
                return torch.cat(features, 1)


        class Heads(nn.ModuleList):
            def __init__(self, cin):
                super().__init__()
                self.append(nn.Linear(cin, 3))
                self.extend([nn.Linear(cin, 5)])


        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.stem = nn.Conv2d(3, 8, 3, padding=1)
                self.block = DenseBlock(3, 8, 4)
                self.heads = Heads(20)

            def forward(self, x):
                x = self.block(self.stem(x)).mean((2, 3))
                return [head(x) for head in self.heads.children()]
    """), (3, 8, 8)),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_reads_as_torch_builds(name: str) -> None:
    code, shape = CASES[name]
    assert looks_like_torch(code)
    compare(code, shape)


def test_a_module_that_holds_itself_is_counted_once() -> None:
    """Found by the fuzz campaign: the walk over the modules never ended. PyTorch's own ``parameters()``
    counts each module once (its ``eval()`` recurses without end, so the module is not run here)."""
    code = HEAD + textwrap.dedent("""
        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.loop = nn.Sequential(self)
                self.conv = nn.Conv2d(3, 16, 3, stride=2)

            def forward(self, x):
                return self.conv(x)
    """)
    namespace: dict = {}
    exec(code, namespace)
    model = namespace["Net"]()
    (net,) = parse_torch(code, "model.py", input_shape=(3, 16, 16))
    a = analyze_network(net)
    assert a.totals.params == sum(p.numel() for p in model.parameters()) == 448
    assert [tuple(r.output_shape) for r in a.rows] == [(7, 7, 16)]


def test_lenet_numbers() -> None:
    """The PyTorch tutorial's CIFAR-10 LeNet: 62,006 parameters, as torch counts."""
    net = parse_torch(LENET, "lenet.py", input_shape=(3, 32, 32))[0]
    analysis = analyze_network(net)
    assert analysis.totals.params == 62006
    assert [n.module for n in net.nodes if n.module] == ["conv1", "pool", "conv2", "pool", "fc1", "fc2", "fc3"]
    pools = [i for i, n in enumerate(net.nodes) if n.module == "pool"]
    assert net.nodes[pools[1]].shares == pools[0]
    assert net.input_shape == (32, 32, 3)


def test_constructor_arguments_from_define() -> None:
    code = HEAD + textwrap.dedent("""
        class Net(nn.Module):
            def __init__(self, in_channels, num_classes, width=8):
                super().__init__()
                self.conv = nn.Conv2d(in_channels, width, 3)
                self.fc = nn.Linear(width * 6 * 6, num_classes)

            def forward(self, x):
                return self.fc(torch.flatten(F.relu(self.conv(x)), 1))
    """)
    compare(code, (2, 8, 8), kwargs={"in_channels": 2, "num_classes": 7})


def test_net_picks_a_class() -> None:
    code = LENET + textwrap.dedent("""
        class Small(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(3 * 32 * 32, 10)

            def forward(self, x):
                return self.fc(x.view(x.size(0), -1))
    """)
    assert parse_torch(code, input_shape=(3, 32, 32))[0].name == "Small"  # the last class
    net = parse_torch(code, input_shape=(3, 32, 32), net="Net")[0]
    assert net.name == "Net"
    assert analyze_network(net).totals.params == 62006
    compare(code, (3, 32, 32), pick="Net")
    compare(code, (3, 32, 32), pick="net")


def test_input_from_the_code() -> None:
    """``model(torch.randn(1, 3, 32, 32))`` in the script gives the input shape."""
    code = LENET + "out = net(torch.randn(1, 3, 32, 32))\nprint(out.shape)\n"
    net = parse_torch(code, "lenet.py")[0]
    assert net.input_shape == (32, 32, 3)
    assert analyze_network(net).totals.params == 62006


def test_training_loop_around_the_model_is_skipped() -> None:
    code = LENET + textwrap.dedent("""
        import torch.optim as optim
        criterion = nn.CrossEntropyLoss()
        optimizer = optim.SGD(net.parameters(), lr=0.001, momentum=0.9)
        for epoch in range(2):
            for i, data in enumerate(trainloader, 0):
                inputs, labels = data
                optimizer.zero_grad()
                outputs = net(inputs)
                loss = criterion(outputs, labels)
                loss.backward()
                optimizer.step()
        torch.save(net.state_dict(), PATH)
    """)
    net = parse_torch(code, "train.py", input_shape=(3, 32, 32))[0]
    assert analyze_network(net).totals.params == 62006


def test_nothing_from_torch_is_imported(tmp_path) -> None:
    import subprocess
    import sys

    (tmp_path / "net.py").write_text(LENET)
    script = ("import sys\nfrom archcalc.torch_code import parse_torch\n"
              f"parse_torch(open({str(tmp_path / 'net.py')!r}).read(), input_shape=(3, 32, 32))\n"
              "assert 'torch' not in sys.modules, 'torch was imported'\n")
    subprocess.run([sys.executable, "-c", script], check=True)


def test_view_product_is_checked_like_torch() -> None:
    """``x.view(-1, 400)`` on 784 values per example: torch refuses it (for a batch of 1, 784 is not a
    multiple of 400) and so does archcalc, with the place."""
    code = HEAD + textwrap.dedent("""
        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.conv = nn.Conv2d(1, 16, 3, padding=1)
                self.fc = nn.Linear(400, 10)

            def forward(self, x):
                x = F.max_pool2d(self.conv(x), 4)
                x = x.view(-1, 400)
                return self.fc(x)
    """)
    with pytest.raises(RuntimeError, match="invalid for input of size 784"):
        run_torch(code, None, (1, 28, 28), batch=1)
    assert math.prod((16, 7, 7)) == 784


# -- refusals, word for word ---------------------------------------------------------------------

def refusal(code: str, **options) -> list[str]:
    """The rendered error's lines."""
    from archcalc.errors import ArchcalcError

    with pytest.raises(ArchcalcError) as e:
        parse_torch(HEAD + textwrap.dedent(code), "m.py", **options)
    return e.value.render().split("\n")


VIEW_NET = """
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(1, 16, 3, padding=1)
            self.fc = nn.Linear(400, 10)

        def forward(self, x):
            x = F.max_pool2d(self.conv(x), 4)
            x = x.view(-1, 400)
            return self.fc(x)
"""


def test_refuses_a_view_of_the_wrong_size() -> None:
    assert refusal(VIEW_NET, input_shape=(1, 28, 28)) == [
        "error: `x.view(-1, 400)`: shape [-1, 400] is invalid for a tensor of 784 values per example (16x7x7), "
        "not 400",
        "  --> m.py:13:13", "   |", "13 |         x = x.view(-1, 400)", "   |             ^^^^^^^^^^^^^^^",
        "hint: write `x.view(x.size(0), 784)` or `x.view(x.size(0), -1)`"]


def test_refuses_without_an_input_shape() -> None:
    assert refusal(VIEW_NET) == [
        "error: the model `Net` needs an input shape, and PyTorch code does not say it",
        " --> m.py:5:7", "  |", "5 | class Net(nn.Module):", "  |       ^^^",
        "hint: give it channels first, as PyTorch does: `--input 3x32x32` (C x H x W), `--input 64x100` (C x L) "
        "or `--input 784`; or run the model on a sample in the code: `Net()(torch.randn(1, 3, 32, 32))`"]


@pytest.mark.parametrize(("change", "expected"), [
    ("x.view(64, -1)", ["error: `x.view(64, -1)` fixes the batch size at 64",
                        "hint: write `x.view(x.size(0), ...)` or `x.view(-1, ...)`: the first size is the batch"]),
    ("torch.flatten(x)", ["error: `torch.flatten(x)` flattens the batch into the values",
                          "hint: write `torch.flatten(x, 1)` to keep one row per example"]),
    ("x.view(-1)", ["error: `x.view(-1)` would mix the batch into one axis",
                    "hint: write `x.view(x.size(0), -1)` to keep one row per example"]),
    ("x.reshape(x.size(0), 400)", [
        "error: `x.reshape(x.size(0), 400)`: shape [batch, 400] is invalid for a tensor of 784 values per example "
        "(16x7x7), not 400", "hint: write `x.reshape(x.size(0), 784)` or `x.reshape(x.size(0), -1)`"]),
])
def test_refuses_views_that_touch_the_batch(change: str, expected: list[str]) -> None:
    lines = refusal(VIEW_NET.replace("x.view(-1, 400)", change), input_shape=(1, 28, 28))
    assert [lines[0], lines[-1]] == expected
    assert lines[1] == "  --> m.py:13:13"


def test_refuses_module_classes_it_lacks_all_at_once() -> None:
    assert refusal("""
        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.rnn = nn.LSTM(10, 20)
                self.fc = nn.Linear(20, 10)
                self.attn = nn.MultiheadAttention(16, 2)

            def forward(self, x):
                return self.fc(x)
    """, input_shape=(20,)) == [
        "error: archcalc has no layer kind for 2 PyTorch classes of this model: `nn.LSTM`, `nn.MultiheadAttention`",
        " --> m.py:8:20", "  |", "8 |         self.rnn = nn.LSTM(10, 20)", "  |                    ^^^^^^^",
        "hint: the modules archcalc reads are listed in docs/pytorch.md; leave these out to analyse the rest"]


UNUSED = """
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(20, 10)
            self.spare = nn.Conv2d(8, 16, 5)
            self.spare_bn = nn.BatchNorm2d(16)
            self.drop = nn.Dropout()

        def forward(self, x):
            return self.fc(x)
"""


def test_modules_forward_never_calls_are_counted_as_torch_counts() -> None:
    """PyTorch counts every module the model holds; archcalc too: in the totals, without a row."""
    compare(HEAD + textwrap.dedent(UNUSED), (20,))
    net = parse_torch(HEAD + textwrap.dedent(UNUSED), "m.py", input_shape=(20,))[0]
    assert [(u.module, u.kind, u.params, u.buffers) for u in net.unused] == [
        ("spare", "conv", 8 * 16 * 25 + 16, 0), ("spare_bn", "batchnorm", 32, 33)]
    from archcalc.kinds import KINDS

    for u in net.unused:  # each can be built again from what it records
        effect = KINDS[u.kind].infer(u.args, [u.shape])
        assert (effect.weights + effect.biases, effect.buffers) == (u.params, u.buffers)
    analysis = analyze_network(net)
    assert (analysis.totals.params, analysis.totals.buffers) == (210 + 3216 + 32, 33)
    assert analysis.to_dict()["unused_modules"] == [
        {"module": "spare", "kind": "conv", "params": 3216, "buffers": 0},
        {"module": "spare_bn", "kind": "batchnorm", "params": 32, "buffers": 33}]


def test_refuses_a_lazy_module_forward_never_calls() -> None:
    assert refusal(UNUSED.replace("nn.Conv2d(8, 16, 5)", "nn.LazyLinear(16)"), input_shape=(20,)) == [
        "error: the model holds `spare` (LazyLinear, line 9), which its forward pass never calls: a lazy module "
        "never called has no size",
        " --> m.py:9:22", "  |", "9 |         self.spare = nn.LazyLinear(16)", "  |                      ^^^^^^^^^^^^^",
        "hint: PyTorch cannot count it either (its parameters are uninitialized): use it in `forward`, or give its "
        "input size (nn.Linear(in_features, out_features))"]


def test_refuses_a_module_made_in_forward() -> None:
    assert refusal("""
        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(20, 10)

            def forward(self, x):
                return nn.Linear(10, 2)(self.fc(x))
    """, input_shape=(20,)) == [
        "error: the forward pass of `Net` calls 1 module that the model does not hold: `nn.Linear(10, 2)` (line 11)",
        "  --> m.py:11:16", "   |", "11 |         return nn.Linear(10, 2)(self.fc(x))", "   |                ^^^^^^^^^",
        "hint: PyTorch counts only the modules a model holds (`self.name = ...`, nn.ModuleList, nn.ModuleDict, "
        "nn.Sequential): model.parameters() misses one made in `forward` (which gets new weights at every call) or "
        "kept in a plain list or dict; create it in `__init__` and hold it so"]


def test_refuses_modules_kept_in_a_plain_list() -> None:
    """The classic bug: a plain list does not register its modules, so torch's count misses them."""
    lines = refusal("""
        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.layers = [nn.Linear(10, 10) for _ in range(2)]

            def forward(self, x):
                for layer in self.layers:
                    x = layer(x)
                return x
    """, input_shape=(10,))
    assert lines[0] == ("error: the forward pass of `Net` calls 2 modules that the model does not hold: "
                        "`nn.Linear(10, 10)` (line 8), `nn.Linear(10, 10)` (line 8)")


def test_refuses_an_unknown_loop_that_builds_modules() -> None:
    assert refusal("""
        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.layers = nn.ModuleList()
                for i in range(n_layers):
                    self.layers.append(nn.Linear(10, 10))

            def forward(self, x):
                for layer in self.layers:
                    x = layer(x)
                return x
    """, input_shape=(10,)) == [
        "error: the model needs 1 value that archcalc cannot know without running the code: `n_layers`",
        " --> m.py:9:24", "  |", "9 |         for i in range(n_layers):", "  |                        ^^^^^^^^",
        "  `n_layers` (line 9: never defined) decides the `for` loop around layer calls at 9:18",
        "hint: give it on the command line: `--define n_layers=32,64` (numbers, strings, shapes like 28x28x1, "
        "tuples)"]


def test_refuses_a_missing_constructor_argument_and_names_define() -> None:
    lines = refusal("""
        class Net(nn.Module):
            def __init__(self, in_ch, num_classes=10):
                super().__init__()
                self.fc = nn.Linear(in_ch, num_classes)

            def forward(self, x):
                return self.fc(x)
    """, input_shape=(10,))
    assert lines[0] == "error: the model needs 1 value that archcalc cannot know without running the code: `in_ch`"
    assert lines[-2:] == [
        "  `in_ch` (line 6: an argument of `Net.__init__` with no default) reaches `in_features` of `Linear` at 8:19",
        "hint: give it on the command line: `--define in_ch=64` (numbers, strings, shapes like 28x28x1, tuples)"]


@pytest.mark.parametrize(("forward", "expected"), [
    ("return self.layers(x)", [
        "error: `ModuleList` cannot be called (PyTorch's has no `forward`)",
        "hint: call its modules: `for layer in self.layers: x = layer(x)`"]),
    ("return F.unfold(self.layers[0](x), 2)", [
        "error: archcalc has no layer kind for `F.unfold` on a tensor of the model",
        "hint: the modules and functions archcalc reads are listed in docs/pytorch.md"]),
    ("return self.layers[0](x).cumsum(1)", [
        "error: archcalc does not read the tensor method `cumsum`",
        "hint: the tensor methods it reads: size, shape, dim, view, reshape, flatten, permute, transpose, squeeze, "
        "unsqueeze, expand_as, mean, max, amax, chunk, split, add, mul, sub, relu, sigmoid, tanh, softmax, "
        "contiguous"]),
    ("return x.mean(1)", [
        "error: archcalc reads `mean` over every spatial dimension (2, 3, ...), got (1,)",
        "hint: the mean over the height and width is global average pooling"]),
])
def test_refuses_in_forward(forward: str, expected: list[str]) -> None:
    lines = refusal(f"""
        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.layers = nn.ModuleList([nn.Linear(10, 10)])

            def forward(self, x):
                {forward}
    """, input_shape=(10,))
    assert [lines[0], lines[-1]] == expected
    assert lines[1] == "  --> m.py:11:16"


def test_refuses_a_while_loop_that_never_ends_within_the_limit() -> None:
    import time

    start = time.perf_counter()
    lines = refusal("""
        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(10, 10)

            def forward(self, x):
                while x.size(1) > 2:
                    x = self.fc(x)
                return x
    """, input_shape=(10,))
    assert lines[0] == "error: the code takes more than 100,000 steps to read (a loop that runs too long?)"
    assert time.perf_counter() - start < 5


def test_refuses_an_unknown_net() -> None:
    assert refusal(VIEW_NET, input_shape=(1, 28, 28), net="Nett") == [
        "error: m.py has no model class or variable `Nett`", "hint: did you mean `Net`? it holds: Net"]


def test_command_line(tmp_path, capsys) -> None:
    import json

    from archcalc.cli import main

    def run(args: list[str]) -> tuple[int, str, str]:
        with pytest.raises(SystemExit) as exc:
            main(args)
        out, err = capsys.readouterr()
        return int(exc.value.code or 0), out, err

    path = tmp_path / "net.py"
    path.write_text(LENET + textwrap.dedent("""
        class Wide(nn.Module):
            def __init__(self, num_classes, width=64):
                super().__init__()
                self.fc1 = nn.Linear(3 * 32 * 32, width)
                self.fc2 = nn.Linear(width, num_classes)

            def forward(self, x):
                return self.fc2(F.relu(self.fc1(x.view(x.size(0), -1))))
    """))
    code, out, _ = run(["summary", str(path), "--input", "3x32x32", "--net", "Net", "--format", "json"])
    data = json.loads(out)
    assert code == 0 and data["totals"]["params"] == 62006 and data["network"] == "Net"
    code, out, _ = run(["summary", str(path), "--input", "3x32x32", "--define", "num_classes=7", "--format", "json"])
    assert code == 0 and json.loads(out)["totals"]["params"] == (3072 + 1) * 64 + 65 * 7
    code, _, err = run(["summary", str(path), "--net", "Net"])
    assert code == 2 and "needs an input shape" in err and "--input 3x32x32" in err
    code, _, err = run(["summary", str(path), "--input", "3x32x32"])
    assert code == 2 and "`--define num_classes=10`" in err


# -- robustness: mutated programs give a network or archcalc's own error, never a crash -------------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

PIECES = ["x", "self.conv", "self.fc", "(x)", "F.relu(", "torch.flatten(", "x.view(", "x.size(0)", "-1", ", ",
          ")", "[", "]", "nn.Conv2d(3, 8, 3)", "nn.Linear(8, 4)", "nn.ModuleList(", "nn.Sequential(", "*", "+",
          "x.permute(0, 2, 3, 1)", "x.mean((2, 3))", "torch.cat([x, x], dim=1)", "for i in range(2):", "\n",
          "    ", "if x.size(1) > 2:", "return ", "self.layers", "super().__init__()", "x.shape[", "2", "0",
          "x.transpose(1, 2)", "F.max_pool2d(x, 2)", "setattr(self, 'a', ", "getattr(self, 'conv')", "None",
          "OrderedDict([('a', nn.ReLU())])", "nn.LazyLinear(3)", "x.reshape(", "x.flatten(1)", "nn.BatchNorm2d(8)"]

BASE = HEAD + textwrap.dedent("""
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(3, 8, 3, padding=1)
            self.layers = nn.ModuleList([nn.Conv2d(8, 8, 3, padding=1) for _ in range(2)])
            self.fc = nn.Linear(8, 4)

        def forward(self, x):
            x = F.relu(self.conv(x))
            for layer in self.layers:
                x = x + layer(x)
            x = x.mean((2, 3))
            return self.fc(x)
""")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(0, 10_000), st.sampled_from(PIECES), st.integers(0, 3)), max_size=4))
def test_mutated_programs_never_crash(edits: list[tuple[int, str, int]]) -> None:
    from archcalc.errors import ArchcalcError

    text = BASE
    for position, piece, cut in edits:
        at = position % (len(text) + 1)
        text = text[:at] + piece + text[at + cut:]
    try:
        networks = parse_torch(text, "m.py", input_shape=(3, 8, 8))
    except ArchcalcError:
        return
    for net in networks:
        analyze_network(net)


@pytest.mark.parametrize("tail", [
    "from torchsummary import summary\nsummary(net, (3, 32, 32))\n",
    "import torchinfo\ntorchinfo.summary(net, input_size=(16, 3, 32, 32))\n",
    "x = torch.randn(1, 3, 32, 32)\nprint(net(x).shape)\n",
    "def main():\n    out = net(torch.rand(4, 3, 32, 32))\n\nif __name__ == '__main__':\n    main()\n",
])
def test_input_shape_from_summary_or_a_sample(tail: str) -> None:
    code = LENET.replace("net = Net()", "device = torch.device('cuda' if torch.cuda.is_available() else 'cpu')\n"
                                        "net = Net().to(device)\nnet.eval()\n") + tail
    net = parse_torch(code, "lenet.py")[0]
    assert net.name == "net" and net.input_shape == (32, 32, 3)
    assert analyze_network(net).totals.params == 62006


def test_sequential_called_on_a_sample() -> None:
    code = HEAD + "model = nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 26 * 26, 10))\n" \
                  "logits = model(torch.zeros(8, 1, 28, 28))\n"
    net = parse_torch(code)[0]
    assert net.input_shape == (28, 28, 1) and analyze_network(net).totals.params == 40 + 2704 * 10 + 10


def test_resnet152_in_torchvision_style() -> None:
    """A ResNet-152 written as torchvision writes it: equal to torch module by module (at 64x64, to be
    quick), and at 224x224 torchvision's published 11.51 GFLOPS (which are MACs), read in well under a second."""
    import time
    from pathlib import Path

    code = (Path(__file__).parent / "corpus" / "torch_large" / "resnet152.py").read_text()
    compare(code, (3, 64, 64))
    start = time.perf_counter()
    analysis = analyze_network(parse_torch(code, input_shape=(3, 224, 224))[0])
    assert time.perf_counter() - start < 5
    assert (analysis.totals.params, analysis.totals.buffers, analysis.totals.macs) == (60192808, 151579, 11513626624)


def test_mobilenet_v2_in_torchvision_style() -> None:
    """torchvision's MobileNetV2 code style (a class based on nn.Sequential, `_make_divisible`, `extend`, a
    residual decided by a known condition, an init loop): equal to torch, and at 224x224 torchvision's
    3,504,872 parameters and 0.30 GFLOPS (MACs)."""
    from pathlib import Path

    code = (Path(__file__).parent / "corpus" / "torch_large" / "mobilenet_v2.py").read_text()
    compare(code, (3, 64, 64), kwargs={"num_classes": 10})
    analysis = analyze_network(parse_torch(code, input_shape=(3, 224, 224))[0])
    assert (analysis.totals.params, analysis.totals.buffers, analysis.totals.macs) == (3504872, 34164, 300774272)


def test_python_api(tmp_path) -> None:
    import archcalc

    path = tmp_path / "net.py"
    path.write_text(LENET)
    assert archcalc.analyze(str(path), input=(3, 32, 32)).totals.params == 62006
    assert archcalc.analyze(LENET, "Net", input="3x32x32").network == "Net"
    wide = LENET + "\nclass Wide(nn.Module):\n    def __init__(self, n):\n        super().__init__()\n" \
                   "        self.fc = nn.Linear(3 * 32 * 32, n)\n\n    def forward(self, x):\n" \
                   "        return self.fc(x.flatten(1))\n"
    assert archcalc.analyze(wide, define={"n": 7}, input=(3, 32, 32)).totals.params == 3072 * 7 + 7
    assert [n.name for n in archcalc.parse(wide, define={"n": "7"}, input="3x32x32")] == ["Wide"]


def test_net_names_a_builder_function() -> None:
    """kuangliu's CIFAR style: `def ResNet18(): return ResNet(BasicBlock, [2, 2, 2, 2])`; --net ResNet18."""
    code = CASES["torchvision_style_resnet"][0].replace("model = ResNet(BasicBlock, [2, 2])\n", "")
    code += textwrap.dedent("""
        def ResNetTiny(num_classes=10):
            return ResNet(BasicBlock, [1, 1], num_classes)


        def test():
            net = ResNetTiny()
            y = net(torch.randn(2, 3, 32, 32))
            print(y.size())
    """)
    compare(code, (3, 32, 32), pick="ResNetTiny")
    net = parse_torch(code, input_shape=(3, 32, 32), net="ResNetTiny", defines={"num_classes": 4})[0]
    assert net.name == "ResNetTiny" and net.nodes[-1].args["units"] == 4


def test_verify_builds_the_modules_forward_never_calls(tmp_path, capsys) -> None:
    """`verify` builds the read network with PyTorch; the modules it never calls are built alone and their
    parameters and buffers counted, so the totals agree with the reading (and with model.parameters())."""
    from archcalc.cli import main

    path = tmp_path / "net.py"
    path.write_text(HEAD + textwrap.dedent(UNUSED))
    with pytest.raises(SystemExit) as exc:
        main(["verify", str(path), "--input", "20"])
    out = capsys.readouterr().out
    assert exc.value.code in (0, None), out
    assert "2 module(s) that forward never calls, built alone and counted in the totals: spare, spare_bn" in out


def test_a_model_that_builds_itself_is_too_deep_not_a_crash() -> None:
    """Found by the fuzz campaign (torch, seed 2, input 6808): a class whose __init__ makes another of
    itself recursed in the model's construction, after the module code, where RecursionError escaped."""
    lines = refusal("""
        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.inner = Net()
                self.fc = nn.Linear(10, 10)

            def forward(self, x):
                return self.fc(x)
    """, input_shape=(10,))
    assert lines[0] in ("error: the code is nested too deeply to read",
                        "error: calls nest more than 64 deep (recursion without end?)")
    assert lines[1].startswith(" --> m.py:") or lines[1].startswith("  --> m.py:")
