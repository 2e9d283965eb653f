"""The playground in a real browser: the site is built, served on 127.0.0.1, and driven in headless Chromium
with no network but loopback (every other host is unresolvable). The page must read VGG-16 from
``?example=vgg16``, any text from ``#spec=``, show an error as the CLI prints it, keep its address in step
with the editor, and open again with the server gone (the service worker's copy).

Needs Debian's ``chromium`` and ``chromium-driver``, selenium and npm (``.ci/run`` installs them). Without
them the tests are skipped, unless ``ARCHCALC_REQUIRE_BROWSER=1`` (set by ``.ci/run``) makes that a failure.
Artifacts (screenshots, the time to the first table) go to ``test-artifacts/`` or ``$ARCHCALC_ARTIFACTS``.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from playground_browser import (
    ERROR_SHOWN,
    ROOT,
    TABLES_SHOWN,
    TOTALS,
    build_site,
    chromium,
    missing_tools,
    serve,
    wait_for,
)

import archcalc
import archcalc.web

ARTIFACTS = Path(os.environ.get("ARCHCALC_ARTIFACTS", ROOT / "test-artifacts"))

_missing = missing_tools()
if _missing and os.environ.get("ARCHCALC_REQUIRE_BROWSER") != "1":
    pytest.skip(f"the browser test needs {', '.join(_missing)}", allow_module_level=True)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("site")
    build_site(folder)
    return folder


@pytest.fixture(scope="module")
def server(site: Path) -> Iterator[tuple[str, list[tuple[str, int]]]]:
    with serve(site) as (base, log, _):
        yield base, log


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    downloads = tmp_path_factory.mktemp("downloads")
    driver = chromium(tmp_path_factory.mktemp("profile"), downloads=downloads)
    driver.downloads = downloads
    try:
        yield driver
    finally:
        driver.quit()


def _artifact(name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS / name


def test_vgg16_from_its_example_link(browser: Any, server: tuple[str, list[tuple[str, int]]],
                                     record_property: Any) -> None:
    base, log = server
    started = time.monotonic()
    browser.get(base + "playground/?example=vgg16")
    statuses: list[str] = []
    text = wait_for(browser, TABLES_SHOWN, statuses=statuses)
    wall = time.monotonic() - started
    # While Python loaded, the page said so, step by step, and the bar is full now.
    pyodide = json.loads((ROOT / "package.json").read_text())["dependencies"]["pyodide"]
    assert statuses[-1] == f"Python ready (Pyodide {pyodide}, archcalc {archcalc.__version__})"
    assert len(statuses) >= 3 and any(s.startswith(("Downloading Python", "Starting Python")) for s in statuses)
    assert browser.execute_script("return document.getElementById('ac-progress').value") == 1
    totals = browser.execute_script(TOTALS)
    assert len(totals) == 1
    assert totals[0][1] == "Total" and totals[0][3] == "138,357,544" and totals[0][6] == "15.47 G"
    assert "vgg16 (input 224x224x3)" in text and "FC-1000 +softmax" in text
    # The drawing and the footer are there too.
    blocks = archcalc.web.calculate(archcalc.web.example("vgg16")["text"])["svg"].count('<g class="block')
    assert browser.execute_script("return document.querySelectorAll('#ac-drawing svg g.block').length") == blocks
    assert "parameters: 138,357,544 (138.36 M)" in text
    first_table_ms = int(browser.execute_script("return document.documentElement.dataset.firstTableMs"))
    record_property("first_table_ms", first_table_ms)
    _artifact("playground-timing.json").write_text(json.dumps(
        {"first_table_ms": first_table_ms, "test_wall_s": round(wall, 2), "cold_cache": True}) + "\n")
    print(f"\nplayground: first table {first_table_ms} ms after navigation start (cold cache)")
    browser.save_screenshot(str(_artifact("playground-vgg16.png")))
    # Nothing but the site's own files was asked for, and every one was there.
    assert log and all(status in (200, 304) for _, status in log), [e for e in log if e[1] not in (200, 304)]
    asked = {path.split("?")[0] for path, _ in log}
    assert "/playground/pyodide/pyodide.asm.wasm" in asked and f"/playground/{_wheel(browser)}" in asked
    # The address still names the example: the text is unchanged.
    assert browser.execute_script("return location.search") == "?example=vgg16"


def _wheel(browser: Any) -> str:
    return browser.execute_async_script(
        "const done = arguments[0]; fetch('manifest.json').then(r => r.json()).then(m => done(m.wheel));")


SPEC = "network lenet\ninput 28x28\nconv5-6 padding=valid\nmaxpool\nFC-10\nsoft-max\n"


def test_any_text_from_the_address(browser: Any, server: tuple[str, list[tuple[str, int]]]) -> None:
    base, _ = server
    browser.get(base + "playground/#spec=" + quote(SPEC, safe="") + "&batch=8")
    wait_for(browser, TABLES_SHOWN)
    totals = browser.execute_script(TOTALS)[0]
    # By hand: conv (5·5·1 + 1)·6 = 156 on 24x24x6; pool 12x12x6 = 864; dense (864 + 1)·10 = 8,650.
    # MACs 24·24·6·25 = 86,400 + 8,640 = 95,040. Activations 3,456 + 864 + 10 = 4,330 (the softmax is
    # the dense layer's activation: one row), 4 bytes each, batch 8: 138,560 B.
    assert totals[3] == f"{156 + 8650:,}" and totals[4] == "4,330" and totals[6] == "95.04 K"
    assert totals[5] == f"{138560 / 1024:.2f} KiB"
    assert browser.find_element("id", "ac-input").get_property("value") == SPEC
    assert browser.find_element("id", "ac-batch").get_property("value") == "8"


def test_keras_code_in_the_page(browser: Any, server: tuple[str, list[tuple[str, int]]]) -> None:
    """The lecture notes' Keras code, read with `ast` inside Pyodide: 421,642 parameters, as the notes'
    numbers add up by hand ((3·3·1+1)·32 + (3·3·32+1)·64 + (7·7·64+1)·128 + (128+1)·10)."""
    base, _ = server
    browser.get(base + "playground/?example=mnist_cnn")
    wait_for(browser, TABLES_SHOWN)
    assert browser.execute_script(TOTALS)[0][3] == f"{320 + 18496 + 401536 + 1290:,}"
    assert browser.find_element("id", "ac-input").get_property("value").count("tf.keras.layers.") >= 5


def test_editing_updates_the_table_and_the_address(browser: Any, server: tuple[str, list[tuple[str, int]]]) -> None:
    base, _ = server
    browser.get(base + "playground/?example=lenet5")
    wait_for(browser, TABLES_SHOWN)
    editor = browser.find_element("id", "ac-input")
    editor.send_keys("\nFC-7")  # typed at the end: a layer more
    wait_for(browser, "return document.querySelector('#ac-tables').innerText.includes('FC-7')")
    wait_for(browser, TABLES_SHOWN)
    expected = archcalc.web.calculate(editor.get_property("value"))["networks"][0]["totals"]["params"]
    assert browser.execute_script(TOTALS)[0][3] == f"{expected:,}"
    # The address now carries the edited text, which opens the same page.
    address = wait_for(browser, "return location.hash.startsWith('#spec=') && location.href")
    assert "example=" not in address
    browser.find_element("id", "ac-no-bias").click()
    wait_for(browser, "return location.hash.includes('no-bias=1')")
    browser.get(address)
    wait_for(browser, TABLES_SHOWN)
    assert browser.execute_script(TOTALS)[0][3] == f"{expected:,}"


def test_a_typo_shows_the_cli_error_with_line_and_caret(browser: Any, server: tuple[str, list[tuple[str, int]]],
                                                       tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base, _ = server
    typo = "input 28x28\nconv3-8\nmaxpol\nFC-10\n"
    browser.get(base + "playground/#spec=" + quote(typo, safe=""))
    shown = wait_for(browser, ERROR_SHOWN)
    # Word for word what `archcalc summary spec.txt` prints for a file of that text.
    from archcalc.cli import main

    (tmp_path / "spec.txt").write_text(typo)
    old = os.getcwd()
    os.chdir(tmp_path)
    try:
        with pytest.raises(SystemExit) as exit_:
            main(["summary", "spec.txt"])
    finally:
        os.chdir(old)
    assert exit_.value.code == 2
    assert shown == capsys.readouterr().err.rstrip("\n")
    lines = shown.splitlines()
    assert lines[1] == " --> spec.txt:3:1" and lines[3] == "3 | maxpol" and lines[4].endswith("| ^^^^^^")
    browser.save_screenshot(str(_artifact("playground-error.png")))


def test_working_on_demand_and_downloads(browser: Any, server: tuple[str, list[tuple[str, int]]]) -> None:
    base, _ = server
    downloads = browser.downloads
    browser.get(base + "playground/?example=vgg16")
    wait_for(browser, TABLES_SHOWN)
    assert not browser.find_element("id", "ac-working").is_displayed()
    browser.find_element("id", "ac-explain").click()
    working = browser.find_element("id", "ac-working")
    assert working.is_displayed() and "params = (3·3·3 + 1)·64 = 1,792" in working.text
    browser.execute_script("arguments[0].scrollIntoView()", working)
    browser.save_screenshot(str(_artifact("playground-explain.png")))
    browser.execute_script("window.scrollTo(0, 0)")  # the buttons out from under the theme's sticky header
    # The downloads are `summary --format json|csv|markdown --explain` of the same text (the working is shown).
    expected = archcalc.web.calculate(archcalc.web.example("vgg16")["text"])
    for button, name, key in (("ac-json", "vgg16.json", "json_explain"), ("ac-csv", "vgg16.csv", "csv_explain"),
                              ("ac-markdown", "vgg16.md", "markdown_explain")):
        browser.find_element("id", button).click()
        deadline = time.monotonic() + 30
        while not (downloads / name).exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert (downloads / name).read_text(encoding="utf-8") == expected[key]
    data = json.loads((downloads / "vgg16.json").read_text())
    assert data["totals"]["params"] == 138357544 and data["totals"]["macs"] == 15470264320


def test_opens_again_with_the_server_gone(site: Path, tmp_path: Path) -> None:
    """Once loaded, the page opens and calculates offline: the service worker kept every file."""
    driver = chromium(tmp_path / "profile")
    try:
        with serve(site) as (base, _, _):
            driver.get(base + "playground/?example=vgg16")
            wait_for(driver, TABLES_SHOWN)
            wait_for(driver, "return navigator.serviceWorker.controller !== null")  # installed: every file kept
            kept = driver.execute_async_script(
                "const done = arguments[0]; caches.keys().then(k => Promise.all(k.map(n => caches.open(n)"
                ".then(c => c.keys())))).then(all => done(all.flat().map(r => r.url)));")
            assert any(url.endswith("pyodide.asm.wasm") for url in kept)
        # The server is down: the same address, from the kept copy, with another example typed in.
        driver.get(base + "playground/?example=alexnet")
        wait_for(driver, TABLES_SHOWN)
        assert driver.execute_script(TOTALS)[0][3] == f"{archcalc.analyze('alexnet').totals.params:,}"
    finally:
        driver.quit()
