// The playground's Python: Pyodide and archcalc, in a worker so that typing never waits for a calculation.
//
// Messages from the page: {type: "calc", id, text, options} and {type: "example", id, name}.
// Messages to the page:   {type: "progress", fraction, label}, {type: "ready", examples, options, timings},
//                         {type: "result", id, result} (the JSON of archcalc.web.calculate or .example),
//                         {type: "failed", message} (Python could not start).
// Everything is fetched from this site (Pyodide is copied into it at build time): no CDN, no network after.

import { loadPyodide } from "./pyodide/pyodide.mjs";

const here = new URL(".", import.meta.url);
let python = null;
const queue = [];

function progress(fraction, label) {
  postMessage({ type: "progress", fraction, label });
}

// Fetch a file, reporting bytes as they arrive (the browser keeps it: Pyodide's own fetch is then a hit).
async function fetchWithProgress(url, onBytes) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  const reader = response.body.getReader();
  const chunks = [];
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    onBytes(value.length);
  }
  const bytes = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    bytes.set(c, at);
    at += c.length;
  }
  return bytes;
}

async function start() {
  const t0 = performance.now();
  const manifest = await (await fetch(new URL("manifest.json", here))).json();
  const big = ["pyodide/pyodide.asm.wasm", "pyodide/python_stdlib.zip", manifest.wheel];
  const total = big.reduce((n, f) => n + manifest.sizes[f], 0);
  let received = 0;
  const mib = (n) => (n / 2 ** 20).toFixed(1);
  const fetched = {};
  // Downloading is most of the first visit's wait: 80% of the bar, by bytes.
  await Promise.all(big.map(async (f) => {
    fetched[f] = await fetchWithProgress(new URL(f, here), (n) => {
      received += n;
      progress(0.8 * received / total, `Downloading Python (Pyodide ${manifest.pyodide}): ` +
        `${mib(received)} of ${mib(total)} MiB`);
    });
  }));
  const t1 = performance.now();
  progress(0.85, "Starting Python…");
  python = await loadPyodide({ indexURL: new URL("pyodide/", here).href });
  const t2 = performance.now();
  progress(0.92, "Installing archcalc…");
  const sitePackages = python.runPython("import site; site.getsitepackages()[0]");
  python.unpackArchive(fetched[manifest.wheel], "wheel", { extractDir: sitePackages });
  progress(0.96, "Importing the calculator…");
  python.runPython("import archcalc.web");
  const web = python.pyimport("archcalc.web");
  const t3 = performance.now();
  const examples = JSON.parse(python.runPython("import json, archcalc.web as w; json.dumps(w.examples())"));
  const options = JSON.parse(python.runPython("import json, archcalc.web as w; json.dumps(w.options())"));
  const version = python.runPython("import archcalc; archcalc.__version__");
  postMessage({
    type: "ready", examples, options, version, pyodide: manifest.pyodide,
    timings: { download: t1 - t0, start: t2 - t1, install: t3 - t2, total: performance.now() - t0 },
  });
  return web;
}

const ready = start().catch((e) => {
  postMessage({ type: "failed", message: String(e && e.message || e) });
  throw e;
});

async function handle(message) {
  const web = await ready;
  let result;
  if (message.type === "calc") {
    result = web.calculate_json(message.text, JSON.stringify(message.options || {}));
  } else if (message.type === "example") {
    result = web.example_json(message.name);
  }
  postMessage({ type: "result", id: message.id, kind: message.type, result });
}

onmessage = (event) => {
  queue.push(event.data);
  if (queue.length === 1) drain();
};

async function drain() {
  while (queue.length) {
    // Only the newest calculation matters: the text has changed since the older ones were asked for.
    const newest = queue.filter((m) => m.type === "calc").pop();
    const next = queue[0];
    try {
      await handle(next.type === "calc" ? newest : next);
    } catch (e) {
      postMessage({ type: "result", id: next.id, kind: next.type,
                    result: JSON.stringify({ ok: false, error: { text: "internal error: " + e, line: null } }) });
    }
    if (next.type === "calc") {
      for (let i = queue.length - 1; i >= 0; i--) if (queue[i].type === "calc" && queue[i].id <= newest.id) queue.splice(i, 1);
    } else {
      queue.shift();
    }
  }
}
