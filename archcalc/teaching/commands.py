"""Command-line commands of this subpackage, added to the ``archcalc`` app by :func:`register`.

Only typer and :mod:`archcalc.cli_common` are imported at the top: ``archcalc summary`` imports
this module too and must stay fast. Everything else is imported inside the commands.
"""

from __future__ import annotations

import sys
from enum import Enum
from typing import Annotated

import typer

from ..cli_common import (
    DefineOpt,
    DType,
    DTypeOpt,
    Format,
    FormatOpt,
    InputOpt,
    NetOpt,
    NoBiasOpt,
    emit,
    make_console,
    out,
    spec_options,
)


def _exit(code: int) -> None:
    """End the command with ``code`` (1: some answer wrong, 2: unreadable answers); ``cli.main``
    turns it into the process's exit status."""
    raise typer.Exit(code)


class CheckFormat(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"
    markdown = "markdown"
    gradescope = "gradescope"


class AnswerFormat(str, Enum):
    cs231n = "cs231n"
    csv = "csv"
    markdown = "markdown"
    yaml = "yaml"
    json = "json"


class Difficulty(str, Enum):
    easy = "easy"
    medium = "medium"
    hard = "hard"


def check(
    answers: Annotated[list[str], typer.Argument(
        help="Answer files (CS231n-style text, CSV, Markdown, YAML or JSON), or folders of them.")],
    spec: Annotated[str, typer.Option("--spec", "-s", help="The network the students computed: a spec file, a "
                                                           "bundled name (vgg16), or a folder of exercises (each "
                                                           "sheet names its own in a `# spec: NAME` line).")],
    format: Annotated[CheckFormat, typer.Option("--format", "-f", help="Output format; `gradescope` prints "
                                                                     "Gradescope's results.json.")] = CheckFormat.table,
    no_bias: NoBiasOpt = False,
    dtype: DTypeOpt = DType.float32,
    net: NetOpt = None,
    define: DefineOpt = None,
    input: InputOpt = None,
    answer_format: Annotated[AnswerFormat | None, typer.Option(
        "--answer-format", help="Read the answers in this format (default: by extension, then by content).")] = None,
    scores: Annotated[str | None, typer.Option(
        "--scores", help="Also write one line per student (score, wrong cells, ...) to this CSV file.")] = None,
    points: Annotated[float | None, typer.Option(
        "--points", min=0, help="Gradescope: scale the sheet to this many points (default: one a cell).")] = None,
    force: Annotated[bool, typer.Option("--force", help="Let --scores replace an existing file.")] = False,
    carried_credit: Annotated[float, typer.Option(
        "--carried-credit", min=0, max=1,
        help="Points (0 to 1) for a cell wrong only because of the student's own earlier numbers "
             "(follow-through: a layer applied right to a wrong shape, a total of wrong rows).")] = 0.0,
) -> None:
    """Grade hand-computed tables of shapes, memory and parameters; explain each mistake.

    Exit 0 when every cell is right, 1 when some are wrong, 2 when an answer file cannot be read.
    """
    from pathlib import Path

    from ..analysis import dtype_size
    from ..errors import ArchcalcError, UsageError
    from . import report
    from .answers import expand_folders
    from .exercise import write_atomic
    from .grade import Result, grade_files

    if scores is not None:
        target = Path(scores)
        if target.is_dir():
            raise UsageError(f"`{scores}` is a folder", hint="name a file for --scores, e.g. scores.csv")
        if target.exists() and not force:
            raise UsageError(f"`{scores}` exists: archcalc will not write over it",
                             hint="name a new file, or add --force to replace it")
        if not target.resolve().parent.is_dir():
            raise UsageError(f"the folder of `{scores}` does not exist", hint="create it first, or name another file")
    skipped: list[str] = []
    answers = expand_folders(answers, skipped)
    if skipped:  # a folder made by `exercise new`: its spec and key are not answers
        sys.stderr.write(f"skipped {', '.join(skipped)}: the exercise's own spec and answer key, not answers\n")
    if format is CheckFormat.gradescope and len(answers) > 1:
        raise UsageError(f"--format gradescope grades one submission, got {len(answers)} files",
                         hint="Gradescope runs the autograder once per student: pass that student's file")
    graded = grade_files(answers, spec, net=net, reading=spec_options(define, input), count_bias=not no_bias,
                         fmt=answer_format.value if answer_format else None, bytes_per_value=dtype_size(dtype.value),
                         carried_credit=carried_credit)
    results = list(zip(answers, graded))
    if len(results) == 1 and isinstance(results[0][1], ArchcalcError) and format is not CheckFormat.gradescope:
        raise results[0][1]  # one file: its error, with the caret, is the whole answer
    if format is CheckFormat.gradescope:
        import json

        r = results[0][1]
        if isinstance(r, ArchcalcError):
            out(json.dumps({"score": 0, "output": "Your answers could not be read:\n" + r.render(),
                            "visibility": "visible", "tests": []}, indent=2, ensure_ascii=False) + "\n")
            _exit(2)

        out(json.dumps(report.gradescope(r, points=points), indent=2, ensure_ascii=False) + "\n")
    elif format is CheckFormat.json:
        out(report.json_text(results))
    elif format is CheckFormat.csv:
        out(report.items_csv(results))
    elif format is CheckFormat.markdown:
        out("\n".join(report.markdown(r) if isinstance(r, Result) else f"## {p}\n\nunreadable: {r}\n"
                      for p, r in results))
    elif len(results) == 1:
        console = make_console()
        for part in report.rich_report(results[0][1]):  # type: ignore[arg-type]
            console.print(part)
    else:
        for p, r in results:
            out(report.one_line(p, r) + "\n")
            if isinstance(r, ArchcalcError):
                sys.stderr.write(r.render() + "\n")
        ok = [r for _, r in results if isinstance(r, Result)]
        if ok:
            mean = sum(r.percent for r in ok) / len(ok)
            out(f"{len(ok)} graded, {sum(r.all_right for r in ok)} all right, mean {mean:.1f}%"
                + (f", {len(results) - len(ok)} unreadable" if len(ok) < len(results) else "") + "\n")
    if scores is not None:
        write_atomic(Path(scores), report.scores_csv(results))
    if any(isinstance(r, ArchcalcError) for _, r in results):
        _exit(2)
    if not all(r.all_right for _, r in results):  # type: ignore[union-attr]
        _exit(1)


exercise_app = typer.Typer(help="Make random exercises (spec, blank table, answer key) and solve specs.",
                           no_args_is_help=True, add_completion=False, rich_markup_mode=None)


@exercise_app.command("new")
def exercise_new(
    seed: Annotated[int | None, typer.Option(
        "--seed", min=0, help="The same seed gives the same exercise everywhere; without it a fresh seed is "
                              "picked and printed, to make the same exercise again.")] = None,
    difficulty: Annotated[Difficulty, typer.Option("--difficulty", "-d", help="easy, medium or hard.")]
    = Difficulty.easy,
    out_dir: Annotated[str | None, typer.Option(
        "--out", "-o", help="Write spec.txt, answers.csv (blank), key.csv and key.md into this folder.")] = None,
    count: Annotated[int, typer.Option("--count", "-n", min=1, max=10000,
                                       help="Make this many exercises (seeds SEED, SEED+1, ...), one folder each.")]
    = 1,
    force: Annotated[bool, typer.Option("--force", help="Write into a folder that is not empty.")] = False,
    format: FormatOpt = Format.table,
) -> None:
    """A random but valid network to compute by hand, with its blank table and answer key.

    Without --out, prints the spec and the blank table (csv/markdown: the table alone, to redirect
    into a file; json: spec and blank rows). With --out, lists the files written (json: as a list).
    """
    import json
    from pathlib import Path

    from ..errors import UsageError
    from .exercise import blank_csv, blank_markdown, generate, key_analysis, key_rows, write_exercises

    if seed is None:  # a fresh exercise each time, its seed said so that it can be made again
        import secrets

        seed = 1 + secrets.randbelow(999_999)
        again = f"--seed {seed}" + (f" --count {count}" if count > 1 else "")
        sys.stderr.write(f"seed {seed}: `archcalc exercise new {again} --difficulty {difficulty.value}` "
                         "makes the same exercise again\n")
    seeds = list(range(seed, seed + count))
    if out_dir is None:
        if count > 1:
            raise UsageError("--count needs --out DIR: each exercise gets a folder",
                             hint=f"e.g. `archcalc exercise new --seed {seed} --count {count} --out class/`")
        ex = generate(seed, difficulty.value)
        a = key_analysis(ex.network)
        if format is Format.json:
            out(json.dumps({"seed": seed, "difficulty": difficulty.value, "network": ex.name, "spec": ex.spec,
                            "blank": [{"layer": e.name, "output_shape": None, "memory": None, "params": None}
                                      for e in key_rows(a)]}, indent=2) + "\n")
        elif format is Format.csv:
            out(blank_csv(a))
        elif format is Format.markdown:
            out(blank_markdown(a))
        else:
            out(ex.spec + "\n" + blank_markdown(a))
            out("\nThe key: archcalc exercise solve SPEC (save the spec above), or use --out DIR.\n")
        return
    written = write_exercises(Path(out_dir), seeds, difficulty.value, force=force)
    if format is Format.json:
        out(json.dumps([str(p) for p in written], indent=2) + "\n")
    else:
        for p in written:
            out(f"wrote {p}\n")


@exercise_app.command("solve")
def exercise_solve(
    spec: Annotated[str, typer.Argument(help="A spec file or a bundled spec's name.")],
    format: FormatOpt = Format.table,
    no_bias: NoBiasOpt = False,
    net: NetOpt = None,
    define: DefineOpt = None,
    input: InputOpt = None,
) -> None:
    """The filled table of a spec, with the working of every number (the answer key)."""
    import json

    from ..errors import UsageError
    from ..source import load
    from .exercise import key_analysis, key_csv, key_markdown, solve_dict, solve_rich

    networks = load(spec, net, **spec_options(define, input))
    if len(networks) > 1 and format is not Format.table and format is not Format.markdown and \
            format is not Format.json:
        raise UsageError(f"`{spec}` holds {len(networks)} networks", hint="pick one with --net NAME")
    analyses = [key_analysis(n, not no_bias) for n in networks]
    objs = [solve_dict(a) for a in analyses] if format is Format.json else []
    if not emit(format, json=lambda: json.dumps(objs[0] if len(objs) == 1 else objs, indent=2) + "\n",
                csv=lambda: key_csv(analyses[0]), markdown=lambda: "\n".join(key_markdown(a) for a in analyses)):
        console = make_console()
        for a in analyses:
            for part in solve_rich(a):
                console.print(part)


def register(app: typer.Typer) -> None:
    """Add this subpackage's commands to ``app``."""
    app.command("check")(check)
    app.add_typer(exercise_app, name="exercise")
