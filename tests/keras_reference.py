"""Running model code with real Keras and comparing its models with archcalc's reading, layer by layer.

Shared by the corpus test and the hypothesis test of random programs. Only the tests import it.
"""

from __future__ import annotations

import re
import shlex
from typing import Any

from archcalc import kinds as K
from archcalc.analysis import analyze_network
from archcalc.code.defines import parse_defines, parse_input_shape
from archcalc.keras_code import parse_keras


def options(text: str) -> dict[str, Any]:
    """The ``# archcalc: --define ... --input ...`` line of a corpus file, as ``parse_keras`` keywords."""
    match = re.search(r"^# archcalc: (.*)$", text, re.M)
    words = shlex.split(match.group(1)) if match else []
    defines = [words[i + 1] for i, w in enumerate(words) if w == "--define"]
    shape = next((words[i + 1] for i, w in enumerate(words) if w == "--input"), None)
    return {"defines": parse_defines(defines), "input_shape": parse_input_shape(shape)}


def run_keras(text: str, defines: dict[str, Any]) -> dict[str, Any]:
    """Execute the code (our own test files) and return its module-level Keras models by name."""
    import keras

    namespace: dict[str, Any] = {"__name__": "archcalc_corpus", **defines}
    exec(compile(text, "<corpus>", "exec"), namespace)
    return {k: v for k, v in namespace.items() if isinstance(v, keras.Model)}


def keras_leaves(model: Any) -> list[Any]:
    """The model's layers that hold no other layers, each once (a shared layer is one layer)."""
    import keras

    leaves, seen = [], set()
    for layer in model._flatten_layers(include_self=False, recursive=True):
        if id(layer) in seen or isinstance(layer, keras.layers.InputLayer):
            continue
        seen.add(id(layer))
        if list(layer._flatten_layers(include_self=False, recursive=False)):
            continue  # a container (a nested model, a custom layer): its own layers are listed
        leaves.append(layer)
    return leaves


def _counts(layer: Any) -> tuple[int, int]:
    trainable = sum(int(w.numpy().size) for w in layer.trainable_weights)
    return trainable, sum(int(w.numpy().size) for w in layer.non_trainable_weights)


def compare(text: str, path: str = "<corpus>", **reading: Any) -> list[str]:
    """Every difference between Keras' models and archcalc's networks (empty: they agree)."""
    reading = reading or options(text)
    networks = parse_keras(text, path, **reading)
    models = run_keras(text, reading["defines"])
    problems: list[str] = []
    if sorted(n.name for n in networks) != sorted(models):
        return [f"networks {sorted(n.name for n in networks)} != Keras models {sorted(models)}"]
    for network in networks:
        model = models[network.name]
        if model.count_params() == 0 and not hasattr(model, "_functional"):
            # Keras 3 creates a subclassed model's weights at its first call, not at `model.build`.
            import keras

            model(keras.ops.zeros((1, *network.input_shape)))
        analysis = analyze_network(network)
        rows = [r for r in analysis.rows if network.nodes[r.index].shares is None]
        ours = sorted((r.kind, r.params, r.trainable, r.non_trainable) for r in rows)
        theirs = []
        for layer in keras_leaves(model):
            trainable, frozen = _counts(layer)
            theirs.append((K.KERAS_NAMES[type(layer).__name__][0], trainable + frozen, trainable, frozen))
        if ours != sorted(theirs):
            problems.append(f"{network.name}: layers (kind, params, trainable, non-trainable)\n"
                            f"  archcalc {ours}\n  keras    {sorted(theirs)}")
        totals = (analysis.totals.params, analysis.totals.trainable_params)
        keras_totals = (model.count_params(), sum(int(w.numpy().size) for w in model.trainable_weights))
        if totals != keras_totals:
            problems.append(f"{network.name}: totals {totals} != Keras {keras_totals}")
        out = tuple(model.output.shape[1:]) if hasattr(model, "output") else None
        if out is not None and tuple(analysis.rows[-1].output_shape) != out:
            problems.append(f"{network.name}: output {analysis.rows[-1].output_shape} != Keras {out}")
        if not any(network.nodes[r.index].shares is not None for r in analysis.rows):
            shapes = []
            for layer in keras_leaves(model):
                try:
                    shapes.append(tuple(layer.output.shape[1:]))
                except (AttributeError, ValueError):
                    shapes = None
                    break
            if shapes is not None and sorted(shapes) != sorted(tuple(r.output_shape) for r in rows):
                problems.append(f"{network.name}: layer shapes {sorted(tuple(r.output_shape) for r in rows)} "
                                f"!= Keras {sorted(shapes)}")
    return problems
