"""Command-line commands of this subpackage, added to the ``archcalc`` app by :func:`register`.

Only typer and :mod:`archcalc.cli_common` are imported at the top: ``archcalc summary`` imports
this module too and must stay fast. Everything else is imported inside the commands.
"""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add this subpackage's commands to ``app``."""
