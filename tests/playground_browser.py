"""Helpers shared by the playground's browser test and its benchmark: build the site, serve it on
127.0.0.1, drive Debian's headless Chromium (selenium + chromium-driver) with no network but loopback.

Not a test module itself (no ``test_`` prefix): ``tests/test_playground_browser.py`` and
``benchmarks/playground.py`` import it.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("ARCHCALC_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("ARCHCALC_CHROMEDRIVER", "/usr/bin/chromedriver")
#: The flags of the brief: headless, no sandbox (CI runs as root), nothing phoning home; and every host but
#: 127.0.0.1 unresolvable, so that a request to a CDN fails instead of quietly succeeding.
FLAGS = ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1")


def missing_tools() -> list[str]:
    """What the browser test needs and this machine lacks (``.ci/run`` installs all of it)."""
    missing = [tool for tool in (CHROMIUM, CHROMEDRIVER) if not Path(tool).exists()]
    try:
        import selenium  # noqa: F401
    except ImportError:
        missing.append("selenium (pip install -e '.[dev]')")
    if not (ROOT / "node_modules" / "pyodide").exists() and shutil.which("npm") is None:
        missing.append("npm (for Pyodide)")
    return missing


def build_site(site: Path) -> None:
    """``mkdocs build --strict`` into ``site`` (the whole site: the playground links the theme's assets)."""
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    done = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
                          cwd=ROOT, capture_output=True, text=True, env=env)
    if done.returncode != 0:
        raise RuntimeError(f"mkdocs build failed:\n{done.stdout[-3000:]}{done.stderr[-6000:]}")


class _Handler(SimpleHTTPRequestHandler):
    # Module scripts must come with a JavaScript type; not every Python knows .mjs.
    extensions_map = {**SimpleHTTPRequestHandler.extensions_map, ".mjs": "text/javascript",
                      ".js": "text/javascript", ".wasm": "application/wasm", ".whl": "application/zip"}
    log: list[tuple[str, int]]

    def log_request(self, code: Any = "-", size: Any = "-") -> None:
        self.log.append((self.path, int(code) if str(code).isdigit() else 0))

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def serve(site: Path) -> Iterator[tuple[str, list[tuple[str, int]], ThreadingHTTPServer]]:
    """Serve ``site`` on 127.0.0.1 (a free port); yields the base URL, the log of (path, status), the server."""
    log: list[tuple[str, int]] = []
    handler = type("Handler", (_Handler,), {"log": log})
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(site)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/", log, server
    finally:
        server.shutdown()
        server.server_close()


def chromium(profile: Path, width: int = 1400, height: int = 2200, downloads: Path | None = None) -> Any:
    """A headless Chromium driven by chromedriver, with a fresh profile (nothing cached from before);
    downloads land in ``downloads`` (default: ``profile/downloads``)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    os.environ.setdefault("SE_OFFLINE", "true")  # selenium-manager: never download a browser or driver
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (*FLAGS, f"--user-data-dir={profile}", f"--window-size={width},{height}"):
        options.add_argument(flag)
    options.add_experimental_option("prefs", {
        "download.default_directory": str(downloads or profile / "downloads"), "download.prompt_for_download": False})
    return webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))


def wait_for(driver: Any, script: str, timeout: float = 180.0, statuses: list[str] | None = None) -> Any:
    """Run ``script`` (a JavaScript function body: ``return ...``) until it returns something truthy.

    ``statuses``: a list to which each new text of the page's loading status is added while waiting.
    """
    deadline = time.monotonic() + timeout
    while True:
        if statuses is not None:
            status = driver.execute_script("return document.getElementById('ac-status')?.textContent")
            if status and (not statuses or statuses[-1] != status):
                statuses.append(status)
        value = driver.execute_script(script)
        if value:
            return value
        if time.monotonic() > deadline:
            status = driver.execute_script("return document.getElementById('ac-status')?.textContent")
            raise TimeoutError(f"waited {timeout:.0f} s for `{script}`; the page says: {status!r}")
        time.sleep(0.05)


#: Returns the text of the tables once the newest calculation is on the page (not greyed as stale).
TABLES_SHOWN = ("const t = document.getElementById('ac-tables');"
                "return t && t.querySelector('table') && !t.classList.contains('ac-stale') && t.innerText;")
#: Returns the error's text once it is shown.
ERROR_SHOWN = "const e = document.getElementById('ac-error'); return e && !e.hidden && e.textContent;"
#: The totals row of each table: its cells' texts.
TOTALS = ("return [...document.querySelectorAll('#ac-tables table')].map(t => "
          "[...t.querySelector('tbody tr:last-child').children].map(c => c.textContent));")
