"""Teaching: grade hand-computed layer tables (``archcalc check``) and make exercises
(``archcalc exercise``).

The Python API, for notebooks and autograders::

    from archcalc.teaching import check, new_exercise
    r = check("answers.csv", "vgg16", count_bias=False)   # a file (or the table's text) and a spec
    r.score, r.max_score, [(i.layer, i.field, i.diagnosis) for i in r.wrong]
    ex = new_exercise(7, "medium")                         # ex.spec, ex.network

This package is imported on every ``archcalc`` run (its ``commands`` module registers the
commands), so nothing heavy is imported here: the functions import their modules when called.

The maximum is the exercise's (every row and total of the spec), not the sheet's:

>>> r = check("CONV3-64: [224x224x64] memory: 3.2M weights: (3*3*3)*64", "input 224x224x3\\nconv3-64")
>>> r.score, r.max_score, sorted({i.diagnosis for i in r.wrong})
(2, 8, ['forgot-bias', 'missing-row', 'missing-total'])
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .exercise import Exercise
    from .grade import Result


def check(answers: str, spec: str, *, net: str | None = None, count_bias: bool = True,
          answer_format: str | None = None, bytes_per_value: int = 4, carried_credit: float = 0.0,
          columns: tuple[str, ...] | None = None, input_row: bool = True) -> Result:
    """Grade one student's table.

    Args:
        answers: a file path, or the table's text (CS231n lines unless ``answer_format`` says otherwise).
        spec: the network: a spec file, a bundled name (``"vgg16"``), or the spec's text.
        net: the network to pick when the spec holds several.
        count_bias: ``False`` for the weights-only convention (``--no-bias``).
        answer_format: ``cs231n``, ``csv``, ``markdown``, ``yaml`` or ``json`` (default: from the file).
        bytes_per_value: for memory written in bytes.
        carried_credit: points (0 to 1) for a cell wrong only because of the student's own earlier numbers.
        columns: the columns asked for (default: shape, memory and params); a column not asked is not graded.
        input_row: whether the input's row is asked for.

    Raises:
        ArchcalcError: unreadable answers or spec, located at the culprit.
    """
    from pathlib import Path

    from .. import parse
    from ..errors import UsageError
    from .answers import read_sheet, read_text
    from .grade import grade_sheet

    networks = parse(spec, net)
    if len(networks) > 1:
        raise UsageError(f"the spec holds {len(networks)} networks: " + ", ".join(n.name for n in networks),
                         hint="pick one with net=NAME")
    is_file = "\n" not in answers and Path(answers).is_file()
    sheet = read_sheet(Path(answers), answers, answer_format) if is_file else read_text(answers,
                                                                                         answer_format or "cs231n")
    return grade_sheet(sheet, networks[0], count_bias=count_bias, bytes_per_value=bytes_per_value,
                       carried_credit=carried_credit, columns=columns, input_row=input_row)


def new_exercise(seed: int, difficulty: str = "easy") -> Exercise:
    """The exercise of ``seed`` at ``difficulty`` (``easy``, ``medium``, ``hard``): its spec and network.

    (Not called ``exercise``: that name is the submodule ``archcalc.teaching.exercise``, which
    would replace the function on the package as soon as it is imported.)
    """
    from .exercise import generate

    return generate(seed, difficulty)


__all__ = ["check", "new_exercise"]
