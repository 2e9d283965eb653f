"""``archcalc export``: a spec as an untrained Keras model (``.keras``) or as Keras code (``.py``).

The ``.py`` file is the code a student would write — ``keras.Sequential([...])`` with one layer a
line, each commented with archcalc's numbers — and needs no TensorFlow to be written. Running it
builds the model; its ``count_params()`` is archcalc's total. The ``.keras`` file is the model
itself, loadable with ``keras.models.load_model`` once ``archcalc.bridge.layers`` is imported (for
the LRN layer; a model without LRN loads with plain Keras).

Files are written atomically (a temporary file in the same folder, then a rename), and an existing
file is only replaced with ``force=True``.
"""

from __future__ import annotations

from pathlib import Path

from .. import __version__, files
from ..analysis import Analysis
from ..errors import UsageError
from ..network import Network
from ..render import one_line, shape_text, short_name
from . import build as B

SUFFIXES = (".keras", ".h5", ".py")

_LRN_SOURCE = '''

@keras.saving.register_keras_serializable(package="archcalc")
class LocalResponseNormalization(layers.Layer):
    """Local response normalisation across channels (AlexNet), around tf.nn.local_response_normalization."""

    def __init__(self, size=5, bias=2.0, alpha=1e-4, beta=0.75, **kwargs):
        super().__init__(**kwargs)
        self.size, self.bias, self.alpha, self.beta = size, bias, alpha, beta

    def call(self, inputs):
        import tensorflow as tf

        return tf.nn.local_response_normalization(inputs, depth_radius=self.size // 2, bias=self.bias,
                                                  alpha=self.alpha, beta=self.beta)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "size": self.size, "bias": self.bias, "alpha": self.alpha,
                "beta": self.beta}
'''


def _docstring_text(text: str) -> str:
    r'''``text`` as it may stand inside the ``"""`` docstring of generated code, whatever it holds.

    Names and paths come from the user's spec: a network named ``x""";import os;"""`` must not end the
    docstring and run code when the exported file is run. Backslashes and quotes are escaped, and so is
    every character that is not printable (a newline, a lone surrogate), so the text stays on its line,
    is valid UTF-8 and reads back as itself.

    >>> print(_docstring_text('x""";__import__("os")'))
    x\"\"\";__import__(\"os\")
    >>> print(_docstring_text("réseau\n\\"))
    réseau\n\\
    '''
    out = []
    for ch in text:
        if ch in '\\"':
            out.append("\\" + ch)
        elif ch.isprintable():
            out.append(ch)
        else:
            out.append(ch.encode("unicode_escape").decode("ascii"))
    return "".join(out)


_SCALE_SOURCE = '''

@keras.saving.register_keras_serializable(package="archcalc")
class CustomScaleLayer(layers.Layer):
    """InceptionResNetV2's scaled residual: inputs [x, r] give x + scale * r; no weights."""

    def __init__(self, scale=1.0, **kwargs):
        super().__init__(**kwargs)
        self.scale = scale

    def call(self, inputs):
        return inputs[0] + inputs[1] * self.scale

    def compute_output_shape(self, input_shape):
        return input_shape[0]

    def get_config(self):
        return {**super().get_config(), "scale": self.scale}
'''

_LAYERSCALE_SOURCE = '''

@keras.saving.register_keras_serializable(package="archcalc")
class LayerScale(layers.Layer):
    """ConvNeXt's layer scale: each channel times a learned gamma (projection_dim weights)."""

    def __init__(self, init_values=1e-6, projection_dim=1, **kwargs):
        super().__init__(**kwargs)
        self.init_values, self.projection_dim = init_values, projection_dim

    def build(self, input_shape):
        self.gamma = self.add_weight(shape=(self.projection_dim,),
                                     initializer=keras.initializers.Constant(self.init_values))

    def call(self, inputs):
        return inputs * self.gamma

    def get_config(self):
        return {**super().get_config(), "init_values": self.init_values, "projection_dim": self.projection_dim}
'''

_DROPPATH_SOURCE = '''

@keras.saving.register_keras_serializable(package="archcalc")
class StochasticDepth(layers.Layer):
    """Drop path: while training, an example's whole input is zeroed with probability drop_path_rate."""

    def __init__(self, drop_path_rate=0.0, **kwargs):
        super().__init__(**kwargs)
        self.drop_path_rate = drop_path_rate

    def call(self, inputs, training=None):
        if not training or not self.drop_path_rate:
            return inputs
        keep = 1.0 - self.drop_path_rate
        shape = (keras.ops.shape(inputs)[0],) + (1,) * (len(inputs.shape) - 1)
        return inputs / keep * keras.ops.floor(keep + keras.random.uniform(shape))

    def get_config(self):
        return {**super().get_config(), "drop_path_rate": self.drop_path_rate}
'''

#: The source of each custom layer, written into the exported .py when the network uses it.
_CUSTOM_SOURCES = {"LocalResponseNormalization": _LRN_SOURCE, "CustomScaleLayer": _SCALE_SOURCE,
                   "LayerScale": _LAYERSCALE_SOURCE, "StochasticDepth": _DROPPATH_SOURCE}


def _outputs(network: Network) -> str:
    """``x21``, or ``[x14, x30, x41]`` with side outputs (auxiliary classifiers)."""
    ends = [f"x{i}" for i in network.outputs]
    return ends[0] if len(ends) == 1 else f"[{', '.join(ends)}]"


def _call(layer: B.KerasLayer) -> str:
    prefix = "" if layer.custom else "layers."
    parts = [repr(a) for a in layer.args] + [f"{k}={v!r}" for k, v in layer.kwargs.items()]
    return f"{prefix}{layer.cls}({', '.join(parts)})"


def python_code(network: Network, analysis: Analysis, spec: str = "") -> str:
    """Readable Keras code that builds ``network``; no TensorFlow needed to write it.

    >>> from archcalc import analyze, parse
    >>> text = "network tiny\\ninput 28x28\\nconv3-8\\nmaxpool\\nFC-10\\nsoft-max"
    >>> code = python_code(parse(text)[0], analyze(text))
    >>> print(code[code.index("model ="):code.index("if __name__")].strip())
    model = keras.Sequential(
        [
            keras.Input(shape=(28, 28, 1)),
            layers.Conv2D(8, (3, 3), padding='same', activation='relu'),  # 1 conv3-8: 28x28x8, 80 params
            layers.MaxPooling2D((2, 2)),  # 2 maxpool: 14x14x8
            layers.Flatten(),  # 3 FC-10 +softmax flattens 14x14x8 first
            layers.Dense(10, activation='softmax'),  # 3 FC-10 +softmax: 10, 15,690 params
        ],
        name='tiny',
    )
    """
    p = B.plan(network, [tuple(network.input_shape)] + [tuple(r.output_shape) for r in analysis.rows])
    shapes = [tuple(network.input_shape)] + [tuple(r.output_shape) for r in analysis.rows]
    # Layers called again (shared weights) need a variable for the layer object: functional style.
    reused = {n.shares for n in network.nodes if n.shares is not None}
    chain = not reused and all(n.inputs == (i - 1,) for i, n in enumerate(network.nodes) if i)
    lines = [f"        keras.Input(shape={tuple(network.input_shape)!r}),"] if chain else [
        f"x0 = keras.Input(shape={tuple(network.input_shape)!r})"]
    custom: list[str] = []
    for row, keras_row, node in zip(analysis.rows, p.rows, network.layers):
        # A branching network is written in Keras' functional style, one variable per row:
        # x17 = layers.Add()([x8, x16]).
        parents = [f"x{i}" for i in row.inputs]
        tensor = f"[{', '.join(parents)}]" if len(parents) > 1 else parents[0]
        for position, (_name, layer) in enumerate(keras_row):
            if layer.custom and layer.cls not in custom:
                custom.append(layer.cls)
            if layer.role == "flatten":
                note = f"{row.index} {short_name(row.name)} flattens {shape_text(shapes[row.inputs[0]])} first"
            elif layer.role == "pad":
                note = f"{row.index} {short_name(row.name)} pads by {layer.args[0]} pixels first"
            elif layer.role in ("groups", "swap"):
                step = "splits the channels in groups" if layer.role == "groups" else "swaps groups and channels"
                note = f"{row.index} {short_name(row.name)} {step}"
            elif layer.role == "crop":
                note = f"{row.index} {short_name(row.name)} crops {layer.args[0]} pixels after (PyTorch's padding)"
            else:
                note = f"{row.index} {short_name(row.name)}: {shape_text(tuple(row.output_shape))}"
                if row.params:
                    note += f", {row.params:,} params"
            note = one_line(note)
            if chain:
                lines.append(f"        {_call(layer)},  # {note}")
            else:
                call = _call(layer)
                if node.shares is not None:  # the layer object of its first use, called again
                    call = f"layer{node.shares}_{position}"
                    note = one_line(f"{row.index} {short_name(row.name)}: {shape_text(tuple(row.output_shape))}, "
                                    f"the weights of layer {node.shares}")
                elif row.index in reused:
                    lines.append(f"layer{row.index}_{position} = {call}  # called again below: shared weights")
                    call = f"layer{row.index}_{position}"
                lines.append(f"x{row.index} = {call}({tensor})  # {note}")
                tensor = f"x{row.index}"
    about = f" from `{_docstring_text(spec)}`" if spec else ""
    head = [
        f'"""{_docstring_text(network.name)}: Keras code written by archcalc {__version__}{about}.',
        "",
        f"archcalc's numbers: {analysis.totals.params:,} parameters "
        f"({analysis.totals.trainable_params:,} trainable), {analysis.totals.macs:,} MACs per example.",
        "Run it to build the model and print Keras' own summary.",
        '"""',
        "",
        "import keras",
        "from keras import layers",
    ]
    head += [_CUSTOM_SOURCES[cls].rstrip("\n") for cls in custom]
    model = [
        "model = keras.Sequential(",
        "    [",
        *lines,
        "    ],",
        f"    name={network.name!r},",
        ")",
    ] if chain else [*lines, f"model = keras.Model(x0, {_outputs(network)}, name={network.name!r})"]
    body = [
        "",
        *model,
        "",
        'if __name__ == "__main__":',
        "    model.summary()",
        '    print(f"{model.count_params():,} parameters")',
    ]
    return "\n".join(head + body) + "\n"


def check_target(path: Path, force: bool) -> None:
    """Refuse a target that cannot be written, or that exists and ``force`` is not set."""
    if not path.is_dir() and path.suffix.lower() not in SUFFIXES:
        raise UsageError(f"cannot export to `{path}`: unknown file type `{path.suffix or '(none)'}`",
                         hint="name the file .keras (the model), .h5 (the legacy format) or .py (Keras code)")
    files.check_target(path, overwrite=force)


def export(network: Network, analysis: Analysis, path: Path, *, force: bool = False, spec: str = "",
           max_memory: int | None = None) -> str:
    """Write ``network`` to ``path`` (.keras, .h5 or .py). Returns what was written, for the user."""
    check_target(path, force)
    if path.suffix.lower() == ".py":
        files.write_text(path, python_code(network, analysis, spec), overwrite=force)
        return "Keras code"
    from .verify import check_depth, deep_build

    depth = check_depth(network, "export")  # before TensorFlow is imported
    weight_bytes = analysis.totals.params * 4
    if max_memory is not None and weight_bytes > max_memory:
        from ..render import human_bytes

        raise UsageError(f"the model's float32 weights take {human_bytes(weight_bytes)}, above the "
                         f"{human_bytes(max_memory)} budget", hint="raise --max-memory, or export the .py code instead")
    p = B.plan(network, [tuple(network.input_shape)] + [tuple(r.output_shape) for r in analysis.rows])
    with deep_build(depth):  # Keras builds and saves a model by recursing a few calls a layer
        model = B.build_model(p)
        with files.replacing(path, overwrite=force) as tmp:
            model.save(tmp)
    return f"untrained Keras model ({model.count_params():,} parameters)"
