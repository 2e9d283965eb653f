"""Writing pictures: formats, atomic writes, and the optional matplotlib dependency.

Every file is written to a temporary file beside its destination and moved into place with
:func:`os.replace`, so an interrupted run never leaves half a picture under the user's file name.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from ..errors import ArchcalcError, UsageError

INSTALL_HINT = "install it with: pip install 'archcalc[plot]'"


class MissingDependency(ArchcalcError):
    """An optional package (matplotlib) is needed for what was asked and is not installed."""


class OutputError(ArchcalcError):
    """The output file cannot be written: missing folder, permission denied, or a file that exists."""


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
    """Write a file through ``write(binary file)`` into a temporary file, then move it to ``path``.

    Args:
        path: the destination, as the user wrote it.
        write: fills the file.
        overwrite: ``False`` refuses to replace an existing file.

    Raises:
        OutputError: the folder does not exist or is not writable, ``path`` is a folder, or it exists
            and ``overwrite`` is ``False``.
    """
    dest = Path(path)
    if dest.is_dir():
        raise OutputError(f"cannot write `{path}`: it is a folder", hint="give a file name, e.g. net.svg")
    if not overwrite and dest.exists():
        raise OutputError(f"`{path}` already exists", hint="add --force to replace it, or choose another file name")
    folder = dest.parent if str(dest.parent) else Path(".")
    if not folder.is_dir():
        raise OutputError(f"cannot write `{path}`: the folder `{folder}` does not exist",
                          hint=f"create it first (mkdir -p {folder})")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".tmp", dir=folder)
    except OSError as e:
        raise OutputError(f"cannot write `{path}`: {e.strerror or e}",
                          hint="check the folder's permissions, or write somewhere else with -o") from None
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600 files; a picture is as readable as any other
        os.replace(tmp, dest)
    except OSError as e:
        _remove(tmp)
        raise OutputError(f"cannot write `{path}`: {e.strerror or e}",
                          hint="check the folder's permissions and free space") from None
    except BaseException:
        _remove(tmp)
        raise
    return dest


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _remove(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass
