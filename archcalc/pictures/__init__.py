"""Pictures: architecture diagrams (``archcalc draw``) and per-layer charts (``summary --plot``).

The functions are importable from here (``from archcalc.pictures import diagram_svg``) but load
lazily: this package is imported by every ``archcalc`` command, and must cost nothing until a picture
is asked for.

>>> import archcalc
>>> from archcalc.pictures import diagram_svg
>>> diagram_svg([archcalc.analyze("input 8x8\\nconv3-4")]).count('<g class="block')
2
"""

from __future__ import annotations

from typing import Any

_LAZY = {
    "diagram": "archcalc.pictures.draw",
    "diagram_svg": "archcalc.pictures.draw",
    "write_diagram": "archcalc.pictures.draw",
    "write_charts": "archcalc.pictures.charts",
    "MissingDependency": "archcalc.pictures.output",
    "OutputError": "archcalc.pictures.output",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'archcalc.pictures' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(_LAZY[name]), name)
