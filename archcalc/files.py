"""Writing the user's files safely: never half a file, never an unasked-for overwrite.

Every command that writes a file (``export``, ``import -o``, ``draw``, ``summary --plot``,
``exercise new``, ``check --scores``) goes through :func:`replacing`: the content is written to a
temporary file beside the destination, which is moved into place with :func:`os.replace` only once
it is complete. An interrupted run leaves the old file (if any) untouched and no temporary file
behind; an existing file is replaced only when the caller says so (``--force``).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .errors import OutputError


def check_target(path: str | Path, *, overwrite: bool = False) -> Path:
    """The destination as a :class:`Path`, or an :class:`OutputError` saying why it cannot be written.

    >>> check_target("/", overwrite=True)
    Traceback (most recent call last):
    ...
    archcalc.errors.OutputError: cannot write `/`: it is a folder
    """
    dest = Path(path)
    try:
        return _check_target(dest, path, overwrite)
    except PermissionError:  # a folder of the path that cannot be entered
        raise OutputError(f"cannot write `{path}`: permission denied (on a folder of its path)",
                          hint="check the folders' permissions, or write somewhere else") from None


def _check_target(dest: Path, path: str | Path, overwrite: bool) -> Path:
    if dest.is_dir():
        raise OutputError(f"cannot write `{path}`: it is a folder", hint=f"give a file name, e.g. `{dest / 'out'}`")
    if not overwrite and dest.is_symlink() and not dest.exists():
        raise OutputError(f"`{path}` already exists (a symbolic link to a missing file); archcalc does not "
                          "overwrite it", hint="add --force to replace the link, or choose another file name")
    if not overwrite and dest.exists():
        raise OutputError(f"`{path}` already exists; archcalc does not overwrite it",
                          hint="add --force to replace it, or choose another file name")
    folder = dest.parent if str(dest.parent) else Path(".")
    if not folder.is_dir():
        raise OutputError(f"cannot write `{path}`: the folder `{folder}` does not exist",
                          hint=f"create it first (mkdir -p {folder})")
    return dest


@contextmanager
def replacing(path: str | Path, *, overwrite: bool = False) -> Iterator[Path]:
    """Yield a temporary path beside ``path`` (same suffix: Keras picks the format by it); when the
    block ends without an error, move it to ``path``.

    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "net.txt"
    >>> with replacing(target) as tmp:
    ...     _ = tmp.write_text("input 28x28")
    >>> target.read_text(), sorted(p.name for p in target.parent.iterdir())
    ('input 28x28', ['net.txt'])
    """
    dest = check_target(path, overwrite=overwrite)
    folder = dest.parent if str(dest.parent) else Path(".")
    try:
        fd, name = tempfile.mkstemp(prefix=f".{dest.stem}.", suffix=dest.suffix, dir=folder)
    except OSError as e:
        raise OutputError(f"cannot write `{path}`: {e.strerror or e}",
                          hint="check the folder's permissions, or write somewhere else") from None
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes private files; the user expects a normal one
        os.replace(tmp, dest)
    except OSError as e:
        tmp.unlink(missing_ok=True)
        raise OutputError(f"cannot write `{path}`: {e.strerror or e}",
                          hint="check the folder's permissions and free space") from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def make_folder(path: str | Path, *, what: str = "the folder") -> Path:
    """Create a folder and its parents (an existing folder is fine), or an :class:`OutputError` saying why not.

    A symbolic link to a missing folder is named as such: ``mkdir`` would only say "File exists".

    >>> import tempfile, pathlib
    >>> base = pathlib.Path(tempfile.mkdtemp())
    >>> make_folder(base / "runs" / "mnist").is_dir()
    True
    >>> (base / "link").symlink_to(base / "gone")
    >>> make_folder(base / "link", what="the output folder")
    Traceback (most recent call last):
    ...
    archcalc.errors.OutputError: cannot create the output folder `.../link`: it is a symbolic link to `...`, ...
    """
    folder = check_folder(path, what=what)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise OutputError(f"cannot create {what} `{path}`: {e.strerror or e}",
                          hint="check the path and its permissions, or write somewhere else") from None
    return folder


def check_folder(path: str | Path, *, what: str = "the folder") -> Path:
    """Refuse, before any work, a folder to create that is (or lies under) a symbolic link to nothing.

    >>> check_folder("runs/mnist").name
    'mnist'
    """
    folder = Path(path)
    for link in (folder, *folder.parents):
        if link.is_symlink() and not link.exists():
            target = os.readlink(link)
            raise OutputError(f"cannot create {what} `{path}`: "
                              + (f"it is a symbolic link to `{target}`" if link == folder else
                                 f"`{link}` is a symbolic link to `{target}`") + ", which does not exist",
                              hint=f"create `{target}` first, remove the link, or name another folder")
    return folder


def write_text(path: str | Path, text: str, *, overwrite: bool = False) -> Path:
    """Write ``text`` (UTF-8, line ends as given) to ``path`` through :func:`replacing`."""
    with replacing(path, overwrite=overwrite) as tmp, open(tmp, "w", encoding="utf-8", newline="") as f:
        f.write(text)
    return Path(path)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
