"""The documentation site's generated parts: the MkDocs hook (CLI reference, command outputs, pictures),
the doctest fences of the API pages, and the nav. `mkdocs build --strict` itself runs in CI (.ci/run)."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


def _module(name: str) -> ModuleType:
    path = DOCS / "hooks" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"docs_hooks_{name}", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def hook() -> ModuleType:
    pytest.importorskip("mkdocs")
    return _module("archcalc_docs")


def test_cli_reference_is_every_commands_own_help(hook: ModuleType) -> None:
    import typer

    from archcalc.cli import app

    text = hook.cli_reference()
    for name in typer.main.get_command(app).commands:  # type: ignore[attr-defined]
        assert f"## `archcalc {name}`" in text
        assert f"Usage: archcalc {name} [OPTIONS]" in text
    assert "-o, --output FILE" in text and "--max-width PX" in text  # draw's own options
    assert "mkdocs" not in text  # the program name is archcalc's, not the build tool's
    assert text == hook.cli_reference()  # the same on every build


def test_markers_run_archcalc_in_the_examples_folder(hook: ModuleType) -> None:
    page = ("A\n<!-- archcalc-run: summary tiny.txt -->\nB\n<!-- archcalc-run[2]: summary broken.txt -->\n"
            "<!-- archcalc-md: summary tiny.txt --format markdown -->\n"
            "<!-- archcalc-file[python]: export cifar_vgg.txt -o cifar_vgg.py -->\n")
    out = hook.on_page_markdown(page, None, None, None)
    assert "```text\n$ archcalc summary tiny.txt\ntiny  ·  input 28x28x1" in out
    assert "error: unknown layer kind `maxpol`" in out and "broken.txt:4:1" in out
    assert "| 1 | `conv3-32` | 28x28x32 | 320 |" in out
    assert '```python title="cifar_vgg.py"' in out and "layers.Conv2D(32, (3, 3)" in out
    assert out.count(hook.END) == 4 and not any(line != line.rstrip() for line in out.splitlines())
    assert not (DOCS / "examples" / "cifar_vgg.py").exists()  # written to a temporary folder only


def test_a_failing_command_fails_the_build(hook: ModuleType) -> None:
    from mkdocs.exceptions import PluginError

    with pytest.raises(PluginError, match="exited with 2, expected 0"):
        hook.on_page_markdown("<!-- archcalc-run: summary broken.txt -->", None, None, None)


def test_every_picture_a_page_shows_is_generated(hook: ModuleType) -> None:
    shown = {m for page in DOCS.glob("*.md") for m in re.findall(r"\]\((images/[^)#]+)\)", page.read_text())}
    assert shown and shown <= set(hook.DIAGRAMS) | set(hook.CHARTS)
    for ref, _ in hook.DIAGRAMS.values():  # every spec a diagram is drawn from exists
        hook._analyses(ref)


def test_generated_pictures_are_added_to_the_site(hook: ModuleType, tmp_path: Path) -> None:
    from mkdocs.config.defaults import MkDocsConfig
    from mkdocs.structure.files import Files

    config = MkDocsConfig()
    config.load_dict({"site_name": "t", "docs_dir": str(DOCS), "site_dir": str(tmp_path)})
    errors, _ = config.validate()
    assert not errors
    config.plugins._current_plugin = None  # set by mkdocs while it runs hooks; File.generated reads it
    files = hook.on_files(Files([]), config)
    svg = files.get_file_from_path("images/vgg16.svg")
    assert svg is not None and svg.content_bytes.startswith(b"<?xml")
    png = files.get_file_from_path("images/vgg16-charts.png")
    assert png is not None and png.content_bytes.startswith(b"\x89PNG\r\n\x1a\n")


def test_doctests_become_code_blocks() -> None:
    pytest.importorskip("griffe")
    fence = _module("griffe_doctests").fence_doctests
    text = "Networks.\n\n>>> parse('x')\n['tiny']\n\nMore.\n\n```python\n>>> kept\n```"
    assert fence(text) == ("Networks.\n\n```pycon\n>>> parse('x')\n['tiny']\n```\n\nMore.\n\n```python\n"
                           ">>> kept\n```")
    assert fence("    >>> a\n    1") == "    ```pycon\n    >>> a\n    1\n    ```"


def test_nav_lists_the_pages() -> None:
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text())

    def pages(items: list) -> list[str]:
        out: list[str] = []
        for item in items:
            value = next(iter(item.values())) if isinstance(item, dict) else item
            out += pages(value) if isinstance(value, list) else [value]
        return out

    nav = pages(config["nav"])
    assert {"index.md", "tutorial.md", "teaching.md", "keras.md", "pictures.md", "spec-language.md",
            "formulas.md", "cli.md", "api.md", "training.md", "limits.md", "hosting.md", "profiling.md",
            "playground/index.md", "reading-code.md", "pytorch.md", "pytorch-bridge.md"} == set(nav)
    pages_on_disk = [*DOCS.glob("*.md"), *DOCS.glob("*/index.md")]  # a page with its own files: a folder
    assert sorted(p.relative_to(DOCS).as_posix() for p in pages_on_disk) == sorted(nav)  # none left out of the nav
    for page in nav:
        assert (DOCS / page).exists(), page
    assert config["theme"]["name"] == "material" and config["strict"] is True
