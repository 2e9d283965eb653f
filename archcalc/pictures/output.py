"""Writing pictures: formats, atomic writes, and the optional matplotlib dependency.

Every file is written to a temporary file beside its destination and moved into place with
:func:`os.replace`, so an interrupted run never leaves half a picture under the user's file name.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from ..errors import DependencyError, OutputError, UsageError
from ..files import replacing

INSTALL_HINT = "install it with: pip install 'archcalc[plot]' (in a checkout of archcalc: pip install -e '.[plot]')"


#: An optional package (matplotlib) is needed and not installed: the core's DependencyError.
MissingDependency = DependencyError

__all__ = ["MissingDependency", "OutputError", "picture_format", "require_matplotlib", "write_atomic"]


def picture_format(path: str, allowed: tuple[str, ...], option: str) -> str:
    """The format named by ``path``'s suffix, one of ``allowed``.

    >>> picture_format("net.SVG", ("svg", "png"), "-o")
    'svg'
    >>> picture_format("net.jpg", ("svg", "png"), "-o")
    Traceback (most recent call last):
    ...
    archcalc.errors.UsageError: cannot tell the picture format of `net.jpg` (suffix `.jpg`)
    """
    suffix = Path(path).suffix.lower().lstrip(".")
    if suffix not in allowed:
        shown = f"suffix `.{suffix}`" if suffix else "no suffix"
        raise UsageError(f"cannot tell the picture format of `{path}` ({shown})",
                         hint=f"end the file name given to {option} with " + ", ".join("." + a for a in allowed))
    return suffix


def require_matplotlib(what: str) -> Any:
    """Import matplotlib with the Agg backend (no display needed), or say how to install it."""
    try:
        import matplotlib
    except ImportError:
        raise MissingDependency(f"{what} needs matplotlib, which is not installed", hint=INSTALL_HINT) from None
    matplotlib.use("Agg", force=True)
    return matplotlib


def write_atomic(path: str, write: Callable[[IO[bytes]], None], *, overwrite: bool = True) -> Path:
    """Write a file through ``write(binary file)``, atomically (see :func:`archcalc.files.replacing`).

    Args:
        path: the destination, as the user wrote it.
        write: fills the file.
        overwrite: ``False`` refuses to replace an existing file.

    Raises:
        OutputError: the folder does not exist or is not writable, ``path`` is a folder, or it exists
            and ``overwrite`` is ``False``.
    """
    with replacing(path, overwrite=overwrite) as tmp, open(tmp, "wb") as f:
        write(f)
    return Path(path)
