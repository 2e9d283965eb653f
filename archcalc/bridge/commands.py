"""Command-line commands of the Keras bridge: ``verify``, ``export`` and ``import``.

Only typer and :mod:`archcalc.cli_common` are imported at the top: ``archcalc summary`` imports
this module too and must stay fast. TensorFlow is imported inside the commands that need it.
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from ..cli_common import DefineOpt, Format, FormatOpt, InputOpt, NetOpt, emit, make_console, out, spec_options

MaxMemoryOpt = Annotated[str, typer.Option(
    "--max-memory", metavar="SIZE",
    help="Largest float32 weight memory to allocate (4GiB, 500MB). Above it, verify checks shapes by Keras' "
         "shape inference and counts each layer alone; export refuses.")]


class Framework(str, Enum):
    keras = "keras"
    torch = "torch"


FrameworkOpt = Annotated[Framework | None, typer.Option(
    "--framework", help="Which framework to build with: keras or torch (PyTorch, on the meta device). "
                        "Default: torch for networks read from PyTorch, keras otherwise.")]


def _budget(text: str) -> int:
    from ..render import parse_bytes

    return parse_bytes(text)


def verify(
    specs: Annotated[list[str] | None, typer.Argument(
        metavar="[SPEC...]", help="Spec files or bundled names; none: every bundled spec.")] = None,
    format: FormatOpt = Format.table,
    net: NetOpt = None,
    define: DefineOpt = None,
    input: InputOpt = None,
    max_memory: MaxMemoryOpt = "4GiB",
    framework: FrameworkOpt = None,
) -> None:
    """Build each network as a real Keras model (or PyTorch module: --framework torch) and compare, layer by
    layer, the output shape and the parameters (total, trainable, non-trainable; PyTorch: parameters and
    buffers) with archcalc's. Exit 0 when all agree, 1 when any differ."""
    from ..analysis import analyze_network
    from ..source import bundled_files, load
    from . import report as R
    from .verify import verify as run_keras

    def run(network, analysis, max_memory):  # type: ignore[no-untyped-def]
        use = framework.value if framework is not None else ("torch" if network.notation == "torch" else "keras")
        if use == "torch":
            from .torch_verify import verify as run_torch

            return run_torch(network, analysis)
        return run_keras(network, analysis, max_memory=max_memory)

    budget = _budget(max_memory)
    # No SPEC: every network of every bundled file (a file's path gives all of its networks, where
    # its bare name may pick one: `mobilenet` is MobileNet, not also MobileNetV2 beside it).
    refs = [(ref, ref) for ref in specs] if specs else [(f.stem, str(f)) for f in bundled_files()]
    networks = [(shown, n) for shown, ref in refs for n in load(ref, net, **spec_options(define, input))]
    reports = []
    console = make_console() if format is Format.table else None
    for ref, network in networks:
        r = run(network, analyze_network(network), max_memory=budget)
        reports.append((ref, r))
        if console is not None:
            for part in R.rich_parts(r):
                console.print(part)
    emit(format, json=lambda: R.json_text(reports), csv=lambda: R.csv_text(reports),
         markdown=lambda: R.markdown(reports))  # the table was printed network by network above
    failed = [r for _, r in reports if not r.ok]
    if console is not None and len(reports) > 1:
        seconds = sum(r.seconds for _, r in reports)
        who = " and ".join(sorted({"PyTorch" if r.framework == "torch" else "Keras" for _, r in reports}))
        console.print(f"{len(reports)} networks: {len(reports) - len(failed)} agree with {who}, {len(failed)} differ"
                      f" ({seconds:.1f} s)" + (": " + ", ".join(r.network for r in failed) if failed else ""))
    if failed:
        raise typer.Exit(1)


def export(
    spec: Annotated[str, typer.Argument(metavar="SPEC", help="A spec file or a bundled spec's name.")],
    output: Annotated[Path, typer.Option("--output", "-o", metavar="FILE", help="model.keras, model.h5 or model.py")],
    net: NetOpt = None,
    define: DefineOpt = None,
    input: InputOpt = None,
    force: Annotated[bool, typer.Option("--force", help="Replace the output file if it exists.")] = False,
    max_memory: MaxMemoryOpt = "4GiB",
    framework: FrameworkOpt = None,
) -> None:
    """Write the network as an untrained Keras model (.keras, .h5) or as the Keras or PyTorch code that builds
    it (.py; --framework torch, the default for networks read from PyTorch)."""
    from ..analysis import analyze_network
    from ..errors import UsageError
    from ..source import load
    from .export import check_target
    from .export import export as write

    check_target(output, force)  # before any work: a bad target costs nothing
    networks = load(spec, net, **spec_options(define, input))
    if len(networks) > 1:
        raise UsageError(f"`{spec}` holds {len(networks)} networks: " + ", ".join(n.name for n in networks),
                         hint="pick one with --net NAME")
    network = networks[0]
    use = framework.value if framework is not None else ("torch" if network.notation == "torch" else "keras")
    if use == "torch":
        from .. import files
        from .torch_export import python_code

        if output.suffix.lower() != ".py":
            raise UsageError(f"cannot export to `{output}` with --framework torch: PyTorch is written as code",
                             hint="name the file .py")
        files.write_text(output, python_code(network, analyze_network(network), spec), overwrite=force)
        out(f"wrote {output}: {network.name}, PyTorch code\n")
        return
    what = write(network, analyze_network(network), output, force=force, spec=spec, max_memory=_budget(max_memory))
    out(f"wrote {output}: {network.name}, {what}\n")


def import_model(
    model: Annotated[str, typer.Argument(
        metavar="MODEL", help="A .keras/.h5 file, keras.applications.NAME or torchvision.models.NAME "
                              "(weights=None: nothing is downloaded).")],
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", metavar="FILE", help="Write the spec to this file instead of printing it.")] = None,
    format: Annotated[Format, typer.Option(
        "--format", "-f", help="table: the spec in archcalc's notation; json/csv/markdown: its analysis, "
                               "as `summary` prints it.")] = Format.table,
    force: Annotated[bool, typer.Option("--force", help="Replace the output file if it exists.")] = False,
    input: Annotated[str | None, typer.Option(
        "--input", metavar="SHAPE", help="torchvision models: the input, channels first (default 3x224x224; "
                                         "3x299x299 for inception_v3).")] = None,
) -> None:
    """Read a Keras or PyTorch model into archcalc's notation, checked layer by layer against the model;
    `summary` of the result reproduces the framework's numbers."""
    from .. import files
    from ..analysis import analyze_network

    if output is not None:
        files.check_target(output, overwrite=force)  # before loading TensorFlow or PyTorch and the model
    if model.startswith("torchvision."):
        from ..code.defines import parse_input_shape
        from . import torch_import as T

        shape = parse_input_shape(input)
        torch_model, source, shape = T.load_model(model, shape)
        imported = T.read_module(torch_model, shape, source)
        write = T.notation
    else:
        if input is not None:
            from ..errors import UsageError

            raise UsageError("--input is for torchvision models", hint="a Keras model has its input shape")
        from .importer import load_model, notation, read_model

        keras_model, source = load_model(model)
        imported = read_model(keras_model, source)
        write = notation
    if format is Format.table:
        text = write(imported)
    else:
        from .. import render

        a = analyze_network(imported.network)
        text = {Format.json: render.json_text, Format.csv: render.csv_text}.get(
            format, lambda xs: "\n".join(render.markdown_table(x) for x in xs))([a])
    if output is None:
        out(text)
        return
    files.write_text(output, text, overwrite=force)
    out(f"wrote {output}: {imported.network.name}, {len(imported.network.layers)} layers from {source}\n")


def register(app: typer.Typer) -> None:
    """Add ``verify``, ``export`` and ``import`` to ``app``."""
    app.command()(verify)
    app.command()(export)
    app.command("import")(import_model)
