"""A griffe extension for the API pages: doctests become ``pycon`` code blocks.

archcalc's docstrings carry small doctests (pytest runs them) without an ``Examples:`` heading, and
Markdown would read ``>>> parse(...)`` and its output ``['tiny']`` as text (and the brackets as a
link). This wraps each run of ``>>>`` lines and their output, up to the next blank line, in a fence.
Registered in ``mkdocs.yml`` under the Python handler's ``extensions``.
"""

from __future__ import annotations

from typing import Any

import griffe


def fence_doctests(text: str) -> str:
    r"""Wrap every doctest of ``text`` in a ```` ```pycon ```` fence.

    >>> fence_doctests("Parse.\n\n>>> f(1)\n2\n\nMore.").splitlines()[2:6]
    ['```pycon', '>>> f(1)', '2', '```']
    """
    out: list[str] = []
    inside = False
    fenced = False
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("```"):
            fenced = not fenced
        if not fenced and not inside and stripped.startswith(">>>"):
            indent = line[: len(line) - len(line.lstrip())]
            out.append(f"{indent}```pycon")
            inside = True
        elif inside and not stripped:
            out.append(f"{indent}```")
            inside = False
        out.append(line)
    if inside:
        out.append(f"{indent}```")
    return "\n".join(out)


class DoctestBlocks(griffe.Extension):
    """Fence the doctests of every docstring griffe loads."""

    def on_object(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None and ">>>" in obj.docstring.value:
            obj.docstring.value = fence_doctests(obj.docstring.value)
