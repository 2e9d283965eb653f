"""Exercises: a random but valid network for a seed and a difficulty, its blank table and its key.

Only :class:`random.Random` seeded from a string drives the choices (string seeds are hashed with
SHA-512, not with Python's salted ``hash``), and every choice is made from a tuple in a fixed
order, so a seed gives the same exercise on every machine and every Python version that keeps
``random``'s documented reproducibility.

>>> ex = generate(7, "easy")
>>> ex.spec == generate(7, "easy").spec
True
>>> ex.spec.splitlines()[0]
'network exercise-easy-7'
"""

from __future__ import annotations

import csv
import io
import math
import random
from dataclasses import dataclass
from pathlib import Path

from .. import files
from ..analysis import Analysis, analyze_network
from ..errors import ArchcalcError, UsageError
from ..network import Network
from ..paper import parse_paper
from .grade import Expected, expected_rows

DIFFICULTIES = ("easy", "medium", "hard")
#: The smallest feature map a generated layer may produce: below it the numbers stop being instructive.
MIN_SIDE = 2
#: The most weights a generated FC layer may have (its count is one multiplication, but a long one).
MAX_FC_WEIGHTS = 2_000_000


@dataclass(frozen=True)
class Exercise:
    seed: int
    difficulty: str
    spec: str
    network: Network

    @property
    def name(self) -> str:
        return self.network.name


def _shape_after(lines: list[str]) -> tuple[int, ...] | None:
    """The output shape of the last line, or None when the spec does not hold (a map below 1x1)."""
    try:
        net = parse_paper("\n".join(lines))[0]
        a = analyze_network(net)
    except ArchcalcError:
        return None
    return a.rows[-1].output_shape if a.rows else net.input_shape


def _conv_choices(rng: random.Random, level: int, side: int, first: bool) -> list[str]:
    """Candidate conv lines, the preferred first; later ones are fallbacks when a map gets small."""
    filters = rng.choice((8, 16, 32, 64) if level == 0 else (8, 16, 24, 32, 48, 64, 96, 128))
    k = rng.choice((3, 5) if level == 0 else (1, 3, 5, 7) if first else (1, 3, 3, 5))
    opts: list[str] = []
    if level >= 1:
        r = rng.random()
        if first and side >= 32 and r < 0.5:
            k = rng.choice((5, 7))
            opts.append(f"stride=2 padding={k // 2}" if rng.random() < 0.5 else "stride=2 padding=valid")
        elif r < 0.35 and k > 1:
            opts.append("padding=valid")
        elif r < 0.5 and k > 1:
            opts.append(f"padding={rng.choice(tuple(range(0, k // 2 + 1)))}")
    if level >= 2:
        r = rng.random()
        if r < 0.25 and k == 3:
            opts.append("dilation=2")
        elif r < 0.4 and k > 1 and "stride=2" not in " ".join(opts):
            opts.append("stride=2")
        elif r < 0.5:
            k2 = rng.choice((3, 5, 7))
            main = f"conv1x{k2}-{filters}" if rng.random() < 0.5 else f"conv{k2}x1-{filters}"
            return [" ".join([main, *[o for o in opts if o.startswith("padding")]]).strip(), f"conv1-{filters}"]
        if rng.random() < 0.2:
            opts.append("bias=false")
    line = f"conv{k}-{filters}" + ("".join(" " + o for o in opts))
    return [line, f"conv3-{filters}", f"conv1-{filters}"]


def _pool_choices(rng: random.Random, level: int) -> list[str]:
    if level == 0:
        return ["maxpool"]
    r = rng.random()
    if r < 0.3:
        return ["maxpool3 stride=2", "maxpool"]
    if level >= 2 and r < 0.5:
        return ["avgpool", "maxpool"]
    if level >= 2 and r < 0.6:
        return ["maxpool3 stride=2 padding=1", "maxpool"]
    return ["maxpool"]


def generate(seed: int, difficulty: str = "easy") -> Exercise:
    """A random network for ``seed`` at ``difficulty`` (easy, medium or hard), always valid.

    Easy: 3x3/5x5 'same' convolutions and 2x2 pooling on sizes that halve evenly, one FC head.
    Medium: strides, 'valid' and numeric padding, 7x7 stems, 1x1 convolutions, 3x3/2 pooling
    (sizes that floor). Hard: also dilation, rectangular kernels, average pooling, batch norm,
    dropout, convolutions without bias, global average pooling heads.
    """
    if difficulty not in DIFFICULTIES:
        import difflib

        close = difflib.get_close_matches(difficulty, DIFFICULTIES, n=1)
        raise UsageError(f"unknown difficulty `{difficulty}`",
                         hint=f"did you mean `{close[0]}`?" if close else "use easy, medium or hard")
    level = DIFFICULTIES.index(difficulty)
    rng = random.Random(f"archcalc-exercise:{difficulty}:{seed}")
    if level == 0:
        side = rng.choice((16, 28, 32, 48, 64))
        channels = rng.choice((1, 3))
        # Three halvings for the larger inputs keep the flattened FC input small enough to multiply by hand.
        blocks = 3 if side >= 48 else rng.choice((2, 3)) if side % 8 == 0 else 2
    else:
        side = rng.choice((28, 32, 40, 48, 57, 64, 96, 100, 112))
        channels = rng.choice((1, 3, 3))
        blocks = rng.choice((2, 3, 4) if level == 1 else (3, 4))
    lines = [f"network exercise-{difficulty}-{seed}", f"input {side}x{side}x{channels}"]
    for b in range(blocks):
        convs = 1 if level == 0 else rng.choice((1, 2))
        for c in range(convs):
            for candidate in _conv_choices(rng, level, side, first=(b == 0 and c == 0)):
                shape = _shape_after([*lines, candidate])
                if shape and len(shape) == 3 and min(shape[:2]) >= MIN_SIDE:
                    lines.append(candidate)
                    if level >= 2 and rng.random() < 0.25:
                        lines.append("batchnorm")
                    break
        for candidate in _pool_choices(rng, level):
            shape = _shape_after([*lines, candidate])
            if shape and min(shape[:2]) >= MIN_SIDE - (1 if b == blocks - 1 else 0):
                lines.append(candidate)
                break
        else:
            break  # the map is as small as it should get: go to the head
    # The head.
    if level >= 2 and rng.random() < 0.4:
        lines.append("global-avgpool")
    sizes = (32, 64, 100) if level == 0 else (32, 64, 100, 128, 256)
    # An FC layer on a large map has millions of weights: pool further first, then keep the
    # hidden sizes whose weight count stays in the range one multiplies by hand.
    while (shape := _shape_after(lines)) and len(shape) == 3 and math.prod(shape) * sizes[0] > MAX_FC_WEIGHTS \
            and min(shape[:2]) >= 4:
        lines.append("maxpool")
    flat = math.prod(_shape_after(lines) or (1,))
    sizes = tuple(h for h in sizes if flat * h <= MAX_FC_WEIGHTS) or sizes[:1]
    hidden = rng.choice(sizes) if level >= 1 or rng.random() < 0.5 else None
    if hidden:
        lines.append(f"FC-{hidden}")
        if level >= 2 and rng.random() < 0.5:
            lines.append(f"dropout {rng.choice((0.25, 0.5))}")
    lines.append(f"FC-{rng.choice((10, 10, 2, 5, 100))}")
    lines.append("soft-max")
    spec = "\n".join(lines) + "\n"
    network = parse_paper(spec, f"exercise-{difficulty}-{seed}.txt")[0]
    analyze_network(network)  # it holds, by construction; a failure here is a bug worth a loud error
    return Exercise(seed, difficulty, spec, network)


# ---------------------------------------------------------------------------------------------
# Tables.

HEADER = ["layer", "output shape", "memory", "params"]


def key_rows(analysis: Analysis) -> list[Expected]:
    return expected_rows(analysis)


def blank_csv(analysis: Analysis) -> str:
    """The table a student fills: one row a layer (the input too), and a TOTAL row."""
    buf = io.StringIO(f"# spec: {analysis.network}\n")
    buf.seek(0, io.SEEK_END)  # the comment line tells `check --spec FOLDER` which exercise this is
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(HEADER)
    for e in key_rows(analysis):
        w.writerow([e.name, "", "", ""])
    w.writerow(["TOTAL", "", "", ""])
    return buf.getvalue()


def key_csv(analysis: Analysis, *, working: bool = True) -> str:
    """The answer key in the blank table's columns (``archcalc check`` grades it 100%)."""
    buf = io.StringIO(f"# spec: {analysis.network}\n")
    buf.seek(0, io.SEEK_END)
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(HEADER + (["working"] if working else []))
    rows = key_rows(analysis)
    for e in rows:
        w.writerow([e.name, "x".join(map(str, e.shape)), e.memory, e.params]
                   + (["; ".join(e.explain)] if working else []))
    w.writerow(["TOTAL", "", sum(e.memory for e in rows), sum(e.params for e in rows)] + ([""] if working else []))
    return buf.getvalue()


def key_markdown(analysis: Analysis, *, working: bool = True) -> str:
    rows = key_rows(analysis)
    out = [f"# Answer key: {analysis.network}", "", "| # | layer | output shape | memory | params |",
           "|---|---|---|---|---|"]
    for e in rows:
        out.append(f"| {e.index} | `{e.name}` | {'x'.join(map(str, e.shape))} | {e.memory:,} | {e.params:,} |")
    out.append(f"| | **TOTAL** | | {sum(e.memory for e in rows):,} | {sum(e.params for e in rows):,} |")
    if working:
        out += ["", "## Working", ""]
        for e in rows:
            out.append(f"{e.index}. `{e.name}`")
            out += [f"    {line}" for line in e.explain]
    bias = "" if analysis.settings.get("count_bias", True) else " Parameters are weights only (--no-bias)."
    out += ["", f"Memory counts values (one example, no batch); the total includes the input.{bias}"]
    return "\n".join(out) + "\n"


def solve_dict(analysis: Analysis) -> dict[str, object]:
    rows = key_rows(analysis)
    return {
        "network": analysis.network,
        "count_bias": analysis.settings.get("count_bias", True),
        "rows": [{"index": e.index, "layer": e.name, "kind": e.kind, "output_shape": list(e.shape),
                  "memory": e.memory, "params": e.params, "working": list(e.explain)} for e in rows],
        "totals": {"memory": sum(e.memory for e in rows), "memory_without_input": sum(e.memory for e in rows[1:]),
                   "params": sum(e.params for e in rows)},
    }


def key_analysis(network: Network, count_bias: bool = True) -> Analysis:
    a = analyze_network(network, count_bias=True)
    a.settings["count_bias"] = count_bias
    return a


def solve_rich(analysis: Analysis) -> list[object]:
    from rich.table import Table

    rows = key_rows(analysis)
    table = Table(title=f"{analysis.network}: the filled table", header_style="bold", pad_edge=False)
    for c, j in (("#", "right"), ("layer", "left"), ("output shape", "left"), ("memory", "right"),
                 ("params", "right"), ("working", "left")):
        table.add_column(c, justify=j)  # type: ignore[arg-type]
    for e in rows:
        table.add_row(str(e.index), e.name, "x".join(map(str, e.shape)), f"{e.memory:,}", f"{e.params:,}",
                      "\n".join(e.explain))
    table.add_row("", "TOTAL", "", f"{sum(e.memory for e in rows):,}", f"{sum(e.params for e in rows):,}",
                  "memory includes the input")
    return [table]


# ---------------------------------------------------------------------------------------------
# Files.

def write_atomic(path: Path, text: str) -> None:
    """Write a file so that a reader never sees half of it (:func:`archcalc.files.write_text`).

    The callers decide about replacing: ``write_exercises`` checks its folder, ``check --scores``
    its file, before anything is written.

    Raises:
        OutputError: the file cannot be written (permissions, a full disk, a missing folder), with the reason.
    """
    files.write_text(path, text, overwrite=True)


def exercise_files(ex: Exercise) -> dict[str, str]:
    a = key_analysis(ex.network)
    return {"spec.txt": ex.spec, "answers.csv": blank_csv(a), "key.csv": key_csv(a), "key.md": key_markdown(a)}


def write_exercises(out: Path, seeds: list[int], difficulty: str, *, force: bool = False) -> list[Path]:
    """Write each exercise into ``out`` (one seed) or ``out/exercise-SEED`` (several).

    Refuses a folder that exists and is not empty unless ``force``; only the files it writes are
    replaced, nothing else in the folder is touched.
    """
    if out.exists() and not out.is_dir():
        raise UsageError(f"`{out}` is a file, not a folder", hint="name a new folder with --out")
    if out.exists() and any(out.iterdir()) and not force:
        raise UsageError(f"`{out}` is not empty: archcalc will not write over what is there",
                         hint="name a new folder, or add --force to replace the exercise files in it")
    exercises = [generate(s, difficulty) for s in seeds]  # all generated before anything is written
    written: list[Path] = []
    for ex in exercises:
        folder = out if len(exercises) == 1 else out / f"exercise-{ex.seed}"
        files.make_folder(folder)
        for name, text in exercise_files(ex).items():
            write_atomic(folder / name, text)
            written.append(folder / name)
    return written


def blank_markdown(analysis: Analysis) -> str:
    rows = key_rows(analysis)
    out = [f"<!-- spec: {analysis.network} -->", "", "| layer | output shape | memory | params |", "|---|---|---|---|"]
    out += [f"| {e.name} | | | |" for e in rows]
    out.append("| TOTAL | | | |")
    return "\n".join(out) + "\n"


__all__ = ["DIFFICULTIES", "Exercise", "blank_csv", "generate", "key_csv", "key_markdown", "write_exercises"]
