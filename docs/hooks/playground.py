"""MkDocs hook: what the playground page (``docs/playground/``) needs beside its own files, added at build time.

The page runs archcalc in the browser, in Pyodide, with no server and no network once it is loaded:

* Pyodide's runtime (:data:`PYODIDE_FILES`) comes from the npm registry's ``pyodide`` package, pinned in
  ``package.json``/``package-lock.json`` at the top of the repository. When ``node_modules/pyodide`` is
  missing or holds another version, the build runs ``npm ci`` (npm must be installed; nothing is taken from
  a CDN). ``ARCHCALC_PYODIDE=DIR`` points at another folder holding the same files.
* archcalc itself ships as its pure-Python wheel, built here from the checkout with ``pip wheel --no-deps``
  (the page unpacks it into Pyodide's ``site-packages``: typer, rich and PyYAML are not needed there).
* ``playground/manifest.json`` tells the page the files and their sizes (for the progress bar).
* ``playground/sw.js``, written after the build, is the service worker that keeps every file the page
  loaded (its HTML, the theme's assets, Pyodide, the wheel) so that it opens again offline.

Registered in ``mkdocs.yml`` under ``hooks:``.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files

ROOT = Path(__file__).resolve().parents[2]
#: Where the page lives on the site; the files below are added under it.
PAGE = "playground/"
#: The files of the npm package Pyodide loads at start (its ES module, the WebAssembly runtime, the
#: standard library and the lock file it reads even when it installs no package).
PYODIDE_FILES = ("pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip", "pyodide-lock.json")
#: What goes into the wheel: the package, the bundled specs, and what pyproject.toml reads.
WHEEL_SOURCES = ("archcalc", "specs", "pyproject.toml", "README.md")

_wheels: dict[str, tuple[str, bytes]] = {}  # source hash → (file name, bytes): `mkdocs serve` rebuilds often


def pinned_version() -> str:
    """The version of ``pyodide`` that ``package.json`` pins (an exact version, so builds are repeatable)."""
    try:
        version = json.loads((ROOT / "package.json").read_text(encoding="utf-8"))["dependencies"]["pyodide"]
    except (OSError, KeyError, ValueError) as e:
        raise PluginError(f"playground: cannot read the pyodide version from package.json: {e}") from None
    if not re.fullmatch(r"\d+\.\d+\.\d+", version):
        raise PluginError(f"playground: package.json must pin an exact pyodide version, not `{version}`")
    return version


def pyodide_dir() -> Path:
    """The folder holding Pyodide's files: ``$ARCHCALC_PYODIDE``, else ``node_modules/pyodide`` (installed
    with ``npm ci`` when it is missing or is not the pinned version)."""
    if os.environ.get("ARCHCALC_PYODIDE"):
        folder = Path(os.environ["ARCHCALC_PYODIDE"])
    else:
        folder = ROOT / "node_modules" / "pyodide"
        if _installed_version(folder) != pinned_version():
            npm = shutil.which("npm")
            if npm is None:
                raise PluginError("playground: Pyodide is not installed and npm is not found; install Node.js "
                                  "and npm (`apt-get install npm`), then run `npm ci` in the repository")
            command = [npm, "ci" if (ROOT / "package-lock.json").exists() else "install",
                       "--no-audit", "--no-fund", "--ignore-scripts"]
            done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
            if done.returncode != 0:
                raise PluginError(f"playground: `{' '.join(command[:2])}` failed:\n{done.stdout}{done.stderr}")
    missing = [name for name in PYODIDE_FILES if not (folder / name).is_file()]
    if missing:
        raise PluginError(f"playground: {folder} lacks {', '.join(missing)}; run `npm ci` in the repository")
    return folder


def _installed_version(folder: Path) -> str | None:
    try:
        return json.loads((folder / "package.json").read_text(encoding="utf-8"))["version"]
    except (OSError, KeyError, ValueError):
        return None


def build_wheel() -> tuple[str, bytes]:
    """archcalc's wheel, built from a copy of the checkout (a clean tree: no stale ``build/`` files).

    Returns:
        The wheel's file name and its bytes.
    """
    digest = hashlib.sha256()
    for name in WHEEL_SOURCES:
        path = ROOT / name
        for f in sorted(path.rglob("*")) if path.is_dir() else [path]:
            if f.is_file() and "__pycache__" not in f.parts:
                digest.update(str(f.relative_to(ROOT)).encode() + b"\0" + f.read_bytes())
    key = digest.hexdigest()
    if key in _wheels:
        return _wheels[key]
    with tempfile.TemporaryDirectory() as tmp:
        src, out = Path(tmp) / "src", Path(tmp) / "out"
        for name in WHEEL_SOURCES:
            path = ROOT / name
            if path.is_dir():
                shutil.copytree(path, src / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
            else:
                src.mkdir(exist_ok=True)
                shutil.copy2(path, src / name)
        command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "--disable-pip-version-check",
                   "-w", str(out), str(src)]
        if importlib.util.find_spec("setuptools") is not None:
            command.insert(4, "--no-build-isolation")  # the build backend is here: no download needed
        done = subprocess.run(command, capture_output=True, text=True)
        wheels = sorted(out.glob("archcalc-*-py3-none-any.whl"))
        if done.returncode != 0 or len(wheels) != 1:
            raise PluginError(f"playground: building archcalc's wheel failed:\n{done.stdout}{done.stderr}")
        _wheels[key] = (wheels[0].name, wheels[0].read_bytes())
    return _wheels[key]


def on_files(files: Files, config: Any) -> Files:
    """Add Pyodide, the wheel and the manifest under ``playground/``."""
    folder = pyodide_dir()
    sizes: dict[str, int] = {}
    for name in PYODIDE_FILES:
        uri = f"{PAGE}pyodide/{name}"
        _replace(files, File.generated(config, uri, abs_src_path=str(folder / name)))
        sizes[f"pyodide/{name}"] = (folder / name).stat().st_size
    wheel_name, wheel = build_wheel()
    _replace(files, File.generated(config, PAGE + wheel_name, content=wheel))
    sizes[wheel_name] = len(wheel)
    manifest = {"pyodide": _installed_version(folder) or pinned_version(), "wheel": wheel_name, "sizes": sizes}
    _replace(files, File.generated(config, PAGE + "manifest.json", content=json.dumps(manifest, indent=1)))
    return files


def _replace(files: Files, file: File) -> None:
    old = files.get_file_from_path(file.src_uri)
    if old is not None:
        files.remove(old)
    files.append(file)


#: Links of the built page to keep for offline use: its stylesheets, scripts and icons (same site only).
ASSET = re.compile(r'(?:href|src)="((?![a-z]+:|//|#)[^"?#]+)[^"]*"')


def on_post_build(config: Any) -> None:
    """Write ``playground/sw.js``: the service worker, with the list of files to keep and a version that
    changes when any of them does (the browser then replaces the old copies)."""
    site = Path(config["site_dir"])
    page_dir = site / PAGE
    page = page_dir / "index.html"
    if not page.exists():
        raise PluginError(f"playground: {page} was not built; is docs/playground/index.md there?")
    keep: set[str] = {"./"}
    for ref in ASSET.findall(page.read_text(encoding="utf-8")):
        target = (page_dir / ref).resolve()
        if target.is_file() and site.resolve() in target.parents:
            keep.add(os.path.relpath(target, page_dir).replace(os.sep, "/"))
    for f in page_dir.rglob("*"):
        if f.is_file() and f.name not in ("index.html", "sw.js"):
            keep.add(f.relative_to(page_dir).as_posix())
    digest = hashlib.sha256()
    for ref in sorted(keep):
        path = page if ref == "./" else page_dir / ref
        digest.update(ref.encode() + b"\0" + path.read_bytes())
    template = (ROOT / "docs" / "hooks" / "playground_sw.js").read_text(encoding="utf-8")
    script = (template.replace('"@VERSION@"', json.dumps(digest.hexdigest()[:16]))
              .replace('["@FILES@"]', json.dumps(sorted(keep), indent=1)))
    (page_dir / "sw.js").write_text(script, encoding="utf-8")
