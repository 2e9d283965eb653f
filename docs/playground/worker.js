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

// Every fetch of the files below reports its bytes as they arrive. Pyodide fetches its runtime itself, and
// compiles the WebAssembly while it downloads (instantiateStreaming): counting a clone of each response
// gives a progress bar without a second download. The original response goes to Pyodide untouched, so
// that the browser also keeps the compiled code for the next visit (a rebuilt Response would lose that).
const realFetch = globalThis.fetch.bind(globalThis);
const tracked = new Map(); // path under this folder → bytes expected
let received = 0;
let onBytes = () => {};

async function count(body) {
  const reader = body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    received += value.length;
    onBytes();
  }
}

globalThis.fetch = async (input, init) => {
  const response = await realFetch(input, init);
  const path = new URL(input instanceof Request ? input.url : String(input), here).pathname; // a URL object too
  const key = [...tracked.keys()].find((k) => path.endsWith("/" + k));
  if (key && response.ok && response.body) count(response.clone().body).catch(() => {});
  return response;
};

async function start() {
  const t0 = performance.now();
  const manifest = await (await realFetch(new URL("manifest.json", here))).json();
  for (const f of ["pyodide/pyodide.asm.wasm", "pyodide/python_stdlib.zip", manifest.wheel]) {
    tracked.set(f, manifest.sizes[f]);
  }
  const total = [...tracked.values()].reduce((n, size) => n + size, 0);
  const mib = (n) => (n / 2 ** 20).toFixed(1);
  let t1 = null;
  // Downloading is most of a first visit's wait on a slow network: 80% of the bar, by bytes.
  onBytes = () => {
    progress(0.8 * received / total, `Downloading Python (Pyodide ${manifest.pyodide}): ` +
      `${mib(received)} of ${mib(total)} MiB`);
    if (received >= total && t1 === null) {
      t1 = performance.now();
      progress(0.85, "Starting Python…");
    }
  };
  const wheel = fetch(new URL(manifest.wheel, here)).then((r) => {
    if (!r.ok) throw new Error(`${manifest.wheel}: HTTP ${r.status}`);
    return r.arrayBuffer();
  });
  python = await loadPyodide({ indexURL: new URL("pyodide/", here).href });
  const wheelBytes = new Uint8Array(await wheel);
  t1 ??= performance.now();
  const t2 = performance.now();
  progress(0.92, "Installing archcalc…");
  const sitePackages = python.runPython("import site; site.getsitepackages()[0]");
  python.unpackArchive(wheelBytes, "wheel", { extractDir: sitePackages });
  progress(0.96, "Importing the calculator…");
  python.runPython("import archcalc.web");
  const web = python.pyimport("archcalc.web");
  const t3 = performance.now();
  const examples = JSON.parse(python.runPython("import json, archcalc.web as w; json.dumps(w.examples())"));
  const options = JSON.parse(python.runPython("import json, archcalc.web as w; json.dumps(w.options())"));
  const version = python.runPython("import archcalc; archcalc.__version__");
  postMessage({
    type: "ready", examples, options, version, pyodide: manifest.pyodide,
    // download: until the last byte came (compiling overlaps it); start: the rest of loadPyodide.
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
