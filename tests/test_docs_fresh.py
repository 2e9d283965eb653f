"""The documentation pages hold their generated outputs, so GitHub shows what the site shows; this
fails when a page or a diagram is stale. Regenerate them with ``python docs/hooks/archcalc_docs.py``."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]
HINT = "stale: run `python docs/hooks/archcalc_docs.py` and commit the pages it rewrites"


@pytest.fixture(scope="module")
def hook() -> ModuleType:
    pytest.importorskip("mkdocs")
    pytest.importorskip("keras")  # keras.md runs `verify` and `import`
    path = ROOT / "docs" / "hooks" / "archcalc_docs.py"
    spec = importlib.util.spec_from_file_location("docs_hooks_archcalc_docs_fresh", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_every_page_holds_its_generated_output(hook: ModuleType) -> None:
    stale = [p.name for p in hook.pages() if not hook.same(hook.expand(p.read_text(encoding="utf-8")),
                                                          p.read_text(encoding="utf-8"))]
    assert not stale, f"{', '.join(stale)} {HINT}"


def test_pages_show_no_template_syntax_on_github(hook: ModuleType) -> None:
    """What GitHub cannot expand: snippets, and a marker with nothing generated under it."""
    for page in hook.pages():
        text = page.read_text(encoding="utf-8")
        assert "--8<--" not in text, page.name
        markers = len(hook.REGION.findall(text))
        assert text.count(hook.END) == markers, f"{page.name}: a marker without its output ({HINT})"


def test_diagrams_in_docs_are_current(hook: ModuleType) -> None:
    assert hook.write_pictures(check=True) == [], HINT


def test_a_stale_region_is_replaced_not_repeated(hook: ModuleType) -> None:
    page = "x\n<!-- archcalc-run: --version -->\n\n```text\nold output\n```\n\n<!-- /archcalc -->\ny\n"
    fresh = hook.expand(page)
    assert "old output" not in fresh and fresh.count(hook.END) == 1 and "$ archcalc --version" in fresh
    assert hook.expand(fresh) == fresh and fresh.startswith("x\n") and fresh.endswith("y\n")
