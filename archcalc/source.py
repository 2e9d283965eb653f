"""Finding and reading specs: a file path, a bundled spec's name, or a network inside one.

``archcalc summary vgg16`` looks, in order, for a file ``vgg16``; a bundled file ``vgg16.txt``
(or ``.py``); a network called ``vgg16`` inside a bundled file. Bundled specs live in the
top-level ``specs/`` folder, installed as the package ``archcalc.specs``.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

from .errors import SourceError, SpecError
from .keras_code import looks_like_keras, parse_keras
from .limits import MAX_FILE_BYTES
from .network import Network
from .paper import parse_paper
from .torch_code import looks_like_torch, parse_torch

SPEC_SUFFIXES = (".txt", ".py", ".spec")


def specs_dir() -> Path:
    """The folder of bundled specs (the top-level ``specs/`` of the project)."""
    import archcalc.specs as bundled  # a package so that it is installed; lives in ../specs

    return Path(bundled.__file__).parent


def bundled_files() -> list[Path]:
    return sorted(p for p in specs_dir().iterdir() if p.suffix in SPEC_SUFFIXES and not p.name.startswith("_"))


@dataclass(frozen=True)
class Spec:
    """A spec's text and where it came from."""

    text: str
    path: str        # as shown in messages
    bundled: bool = False


_NOT_REGULAR = {stat.S_IFIFO: "a named pipe (FIFO)", stat.S_IFCHR: "a character device",
                stat.S_IFBLK: "a block device", stat.S_IFSOCK: "a socket"}


def _stat(path: Path, shown: str) -> os.stat_result | None:
    """The file's status; ``None`` when it does not exist; a SourceError when it cannot be looked at
    (a folder on its path that the user may not enter)."""
    try:
        return path.stat()
    except (FileNotFoundError, NotADirectoryError):
        return None
    except PermissionError:
        raise SourceError(f"cannot read `{shown}`: permission denied (on the file or a folder of its path)",
                          hint="check the permissions of the file and of the folders above it") from None
    except OSError as e:
        raise SourceError(f"cannot read `{shown}`: {e.strerror or e}") from None


def read_file(path: Path, shown: str | None = None) -> Spec:
    """Read a spec (or answer) file; every way it can fail is a SourceError that says what to do.

    Only a regular file is read, and at most :data:`~archcalc.limits.MAX_FILE_BYTES` of it: a pipe
    that nobody writes to would block forever, and ``/dev/zero`` never ends.
    """
    shown = shown or str(path)
    info = _stat(path, shown)
    if info is None:
        raise SourceError(f"no such file: `{shown}`", hint="check the path")
    if stat.S_ISDIR(info.st_mode):
        raise SourceError(f"`{shown}` is a folder, not a spec file", hint="name a file inside it")
    if not stat.S_ISREG(info.st_mode):
        what = _NOT_REGULAR.get(stat.S_IFMT(info.st_mode), "not a regular file")
        raise SourceError(f"`{shown}` is {what}, not a file archcalc reads",
                          hint="save the text to a file first and give that file")
    if info.st_size > MAX_FILE_BYTES:
        raise SourceError(f"`{shown}` is {info.st_size:,} bytes, more than archcalc reads "
                          f"({MAX_FILE_BYTES:,} bytes, MAX_FILE_BYTES)",
                          hint="a spec or an answer sheet is a few kilobytes: is this the right file?")
    try:
        with open(path, "rb") as f:
            data = f.read(MAX_FILE_BYTES + 1)  # the file may grow while it is read
    except PermissionError:
        raise SourceError(f"cannot read `{shown}`: permission denied",
                          hint="check the file's permissions (chmod +r)") from None
    except OSError as e:
        raise SourceError(f"cannot read `{shown}`: {e.strerror or e}") from None
    if len(data) > MAX_FILE_BYTES:
        raise SourceError(f"`{shown}` is more than {MAX_FILE_BYTES:,} bytes, more than archcalc reads "
                          "(MAX_FILE_BYTES)",
                          hint="a spec or an answer sheet is a few kilobytes: is this the right file?")
    if b"\0" in data[:8192]:
        raise SourceError(f"`{shown}` is a binary file, not a spec",
                          hint="a spec is plain text: `input 224x224x3` and one layer a line "
                               "(a saved .keras/.h5 model is read by `archcalc import`)")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise SourceError(f"`{shown}` is not UTF-8 text (byte {e.start} cannot be read)",
                          hint="save the file as UTF-8") from None
    if not text.strip():
        raise SourceError(f"`{shown}` is empty", hint="write `input 224x224x3` and one layer a line")
    return Spec(text, shown, bundled=False)


def network_names(path: Path) -> list[str]:
    """The names of a bundled file's networks, without parsing it when it is in the paper notation
    (a look at its ``network NAME`` lines: ResNet-152 would otherwise be expanded to find its name)."""
    text = read_file(path).text
    if looks_like_keras(text) or looks_like_torch(text):
        try:
            return [n.name for n in parse_text(text, path.name)]
        except SpecError:
            return []  # a broken bundled file is caught by the tests, not here
    import re

    names = re.findall(r"(?im)^[ \t]*network:?[ \t]+(\S+)", text)
    return names or [path.stem]


def resolve(ref: str) -> tuple[Spec, str | None]:
    """Find a spec by path or bundled name. Returns the spec and the network it names, if any.

    A bundled file's name gives all its networks (``vgg``: A to E), except when one of them bears
    that name too: ``mobilenet`` is the network MobileNet, not also MobileNetV2 beside it.
    """
    path = Path(ref)
    if _stat(path, ref) is not None:
        return read_file(path, ref), None
    found = find_bundled(ref)
    if found is not None:
        f, named = found
        return Spec(read_file(f).text, f"specs/{f.name}", bundled=True), named
    import difflib

    known = bundled_names()
    close = difflib.get_close_matches(ref.lower(), known, n=1)
    looks_like_path = os.sep in ref or "/" in ref or Path(ref).suffix in SPEC_SUFFIXES
    if looks_like_path:
        raise SourceError(f"no such file: `{ref}`",
                          hint=f"did you mean the bundled `{close[0]}`?" if close else
                          "check the path; `archcalc list` shows the bundled specs")
    raise SourceError(f"`{ref}` is neither a file nor a bundled spec",
                      hint=f"did you mean `{close[0]}`?" if close else
                      "`archcalc list` shows the bundled specs: " + ", ".join(known[:8]) + ", …")


def find_bundled(ref: str) -> tuple[Path, str | None] | None:
    """The bundled file that ``ref`` names and the network it picks in it (``None``: all of them), or
    ``None`` when ``ref`` names nothing bundled; case does not matter.

    Reads only what it must: a file's name first (``vgg16`` reads no file but ``vgg16.txt`` itself,
    later), then the ``network NAME`` lines of the paper-notation files, and only then parses the
    Keras-code files, whose networks' names come from their code. (No name is in two files: a test
    checks it, so this order finds what a search of every file in turn would.)

    >>> [(f.name, net) for f, net in [find_bundled("VGG16"), find_bundled("resnet50")]]
    [('vgg16.txt', None), ('resnet.txt', 'resnet50')]
    >>> find_bundled("vgg17") is None
    True
    """
    wanted = ref.lower()
    files = bundled_files()
    for f in files:
        if wanted in (f.stem.lower(), f.name.lower()):
            names = network_names(f)
            return f, next((n for n in names if n.lower() == f.stem.lower()), None) if len(names) > 1 else None
    for f in sorted(files, key=lambda f: f.suffix == ".py"):  # the code files, whose names cost a parse, last
        for name in network_names(f):
            if name.lower() == wanted:
                return f, name
    return None


def bundled_names() -> list[str]:
    """File stems and network names of the bundled specs."""
    names: list[str] = []
    for f in bundled_files():
        names.append(f.stem)
        names.extend(n for n in network_names(f) if n != f.stem)
    return names


def parse_text(text: str, path: str = "<text>", *, only: str | None = None, defines: dict | None = None,
               input_shape: tuple[int, ...] | None = None) -> list[Network]:
    """Parse a spec in whichever notation it is written (PyTorch code, Keras code or the paper's).

    ``only`` names the network wanted, when one is: a paper-notation file then expands only that one,
    PyTorch code reads that class or variable (``--net``). ``input_shape`` is channels first for
    PyTorch code, as PyTorch writes shapes (``3x32x32``).
    ``defines`` (``--define``) gives values the code uses but does not define; ``input_shape``
    (``--input``) replaces the input shape of every network, in either notation.

    Raises:
        SourceError: the text holds a lone surrogate (``"\\ud800"``: half a UTF-16 pair, which no file
            holds and no terminal prints; only the Python API can be handed one).
    """
    if (bad := re.search("[\ud800-\udfff]", text)) is not None:
        from .errors import Location

        number = text.count("\n", 0, bad.start()) + 1
        start = text.rfind("\n", 0, bad.start()) + 1
        line = text[start:].split("\n", 1)[0].encode("utf-8", "replace").decode()
        raise SourceError(f"the spec holds a lone surrogate U+{ord(bad.group()):04X}, which is not a character",
                          location=Location(path, number, bad.start() - start + 1, line), hint="save it as UTF-8 text")
    if looks_like_torch(text):  # before Keras: `nn.Sequential(` looks like Keras code too
        return parse_torch(text, path, defines=defines, input_shape=input_shape, net=only)
    if looks_like_keras(text):
        return named_after_file(parse_keras(text, path, defines=defines, input_shape=input_shape), path)
    networks = parse_paper(text, path, only=only)
    if input_shape is not None:
        from dataclasses import replace

        for n in networks:
            n.nodes[0] = replace(n.nodes[0], args={**n.nodes[0].args, "shape": tuple(input_shape)})
    return networks


def named_after_file(networks: list[Network], path: str) -> list[Network]:
    """Networks read from code, named as people refer to them: after the file, and the model's variable
    when the file builds several (``mnist_cnn``; ``autoencoder.encoder``, ``autoencoder.decoder`` and, for
    the variable that bears the file's name, ``autoencoder``). Code
    given as text (``path`` ``<text>``, a notebook's cell) keeps the variables' names (``model``). Each
    network keeps its variable in :attr:`Network.variable`, which ``--net`` takes as well as the name.

    >>> code = "model = Sequential([Input((8,)), Dense(2)])"
    >>> [(n.name, n.variable) for n in named_after_file(parse_keras(code, "ex/mnist_cnn.py"), "ex/mnist_cnn.py")]
    [('mnist_cnn', 'model')]
    >>> two = code + "\\nhead = Sequential([Input((2,)), Dense(1)])"
    >>> [n.name for n in named_after_file(parse_keras(two, "ae.py"), "ae.py")]
    ['ae.model', 'ae.head']
    >>> [n.name for n in named_after_file(parse_keras(two), "<text>")]
    ['model', 'head']
    """
    stem = re.sub(r"[^\w.-]+", "_", re.sub(r"\.[A-Za-z0-9]+$", "", path.replace("\\", "/").rsplit("/", 1)[-1]))
    for n in networks:
        n.variable = n.variable or n.name
        if stem and not path.startswith("<"):
            n.name = stem if len(networks) == 1 or n.variable == stem else f"{stem}.{n.variable}"
    return networks


def load(ref: str, net: str | None = None, *, defines: dict | None = None,
         input_shape: tuple[int, ...] | None = None) -> list[Network]:
    """The networks a spec reference names, or the one ``net`` picks.

    Raises:
        SourceError: unknown file or name, unreadable file.
        SpecError: the text is wrong; or ``net`` names no network of the file.
    """
    spec, named = resolve(ref)
    wanted = net or named
    networks = parse_text(spec.text, spec.path, only=wanted, defines=defines, input_shape=input_shape)
    if wanted is None:
        return networks
    for n in networks:
        if wanted.lower() in (n.name.lower(), n.variable.lower()):  # `--net encoder` as `--net ae.encoder`
            return [n]
    import difflib

    names = [n.name for n in networks]
    close = difflib.get_close_matches(wanted, names, n=1)
    raise SourceError(f"{spec.path} has no network `{wanted}`",
                      hint=(f"did you mean `{close[0]}`? " if close else "") + "it holds: " + ", ".join(names))


_ABBREVIATIONS = ("Prof.", "Proc.", "al.", "Dr.", "e.g.", "i.e.", "etc.", "vs.", "Fig.", "No.")


def description(text: str) -> str:
    """The first sentence of a spec's opening comment, its parenthesised references left out: what
    ``archcalc list`` says about a bundled spec.

    >>> description('# LeNet-5 as rebuilt today (LeCun et al., Proc.\\n# IEEE 1998). More.\\ninput 32x32')
    'LeNet-5 as rebuilt today.'
    >>> description("input 8x8")
    ''
    """
    lines = []
    for line in text.splitlines():
        if not line.startswith("#"):
            if lines:
                break
            continue
        lines.append(line.lstrip("#").strip())
    text, out, depth = " ".join(lines), [], 0
    for i, ch in enumerate(text):
        if ch == "(" and (depth or i == 0 or text[i - 1] == " "):  # a reference, not a call like f(x)
            depth += 1
            if depth == 1 and out and out[-1] == " ":
                out.pop()
        elif depth:
            depth -= ch == ")"
        else:
            out.append(ch)
            if ch in ".!?" and text[i + 1:i + 2] in ("", " ") and not "".join(out).endswith(_ABBREVIATIONS):
                break
    return "".join(out).strip()
