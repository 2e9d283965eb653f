// The playground page: the editor, the options and the address on this side; Python in worker.js.
//
// The address carries the input: `?example=NAME` (a bundled spec, kept while the text is unchanged) or
// `#spec=<percent-encoded text>`, and the options after it in the fragment: `&batch=8&dtype=float16
// &optimizer=sgd&no-bias=1&explain=1&net=NAME`. Editing rewrites it (history.replaceState: no reload).

const $ = (id) => document.getElementById(id);
const ui = {
  loading: $("ac-loading"), progress: $("ac-progress"), status: $("ac-status"), input: $("ac-input"),
  example: $("ac-example"), net: $("ac-net"), batch: $("ac-batch"), dtype: $("ac-dtype"),
  optimizer: $("ac-optimizer"), noBias: $("ac-no-bias"), explain: $("ac-explain"), error: $("ac-error"),
  tables: $("ac-tables"), working: $("ac-working"), drawing: $("ac-drawing"), timing: $("ac-timing"),
  json: $("ac-json"), csv: $("ac-csv"), markdown: $("ac-markdown"), spec: $("ac-spec"),
};
const state = { example: null, exampleText: null, net: "", names: [], result: null, asked: 0, shown: 0 };
const worker = new Worker(new URL("worker.js", import.meta.url), { type: "module" });
const pending = new Map(); // id → resolve, for example look-ups
let nextId = 1;
let typingTimer = null;

// --- The address ------------------------------------------------------------------------------------

function readAddress() {
  const query = new URLSearchParams(location.search);
  const fragment = {};
  for (const part of location.hash.replace(/^#/, "").split("&")) {
    if (!part) continue;
    const at = part.indexOf("=");
    const key = at < 0 ? part : part.slice(0, at);
    try {
      fragment[key] = at < 0 ? "" : decodeURIComponent(part.slice(at + 1));
    } catch {
      fragment[key] = null; // badly percent-encoded: said below, not guessed
    }
  }
  return { example: query.get("example"), fragment };
}

function writeAddress() {
  const parts = [];
  const text = ui.input.value;
  const unchanged = state.example && text === state.exampleText;
  if (!unchanged) parts.push("spec=" + encodeURIComponent(text));
  const o = options();
  if (o.net && !(unchanged && o.net === state.exampleNet)) parts.push("net=" + encodeURIComponent(o.net));
  if (o.batch !== 1) parts.push("batch=" + o.batch);
  if (o.dtype !== "float32") parts.push("dtype=" + o.dtype);
  if (o.optimizer !== "adam") parts.push("optimizer=" + o.optimizer);
  if (o.no_bias) parts.push("no-bias=1");
  if (ui.explain.checked) parts.push("explain=1");
  const search = unchanged ? "?example=" + encodeURIComponent(state.example) : "";
  const address = location.pathname + search + (parts.length ? "#" + parts.join("&") : "");
  if (address !== location.pathname + location.search + location.hash) history.replaceState(null, "", address);
}

// --- Options -----------------------------------------------------------------------------------------

function options() {
  const batch = Number(ui.batch.value);
  return {
    batch: Number.isInteger(batch) ? batch : NaN, dtype: ui.dtype.value, optimizer: ui.optimizer.value,
    no_bias: ui.noBias.checked, net: ui.net.value || null,
  };
}

function fillSelect(select, values, chosen) {
  select.replaceChildren(...values.map((v) => new Option(v, v)));
  if (chosen !== undefined && values.includes(chosen)) select.value = chosen;
}

// --- Talking to Python ---------------------------------------------------------------------------------

function ask(message) {
  const id = nextId++;
  worker.postMessage({ ...message, id });
  return id;
}

function calculate() {
  const o = options();
  if (!Number.isInteger(o.batch) || o.batch < 1) {
    showError({ text: `error: the batch size must be a whole number of at least 1, got \`${ui.batch.value}\`` });
    return;
  }
  state.asked = ask({ type: "calc", text: ui.input.value, options: o });
  ui.tables.classList.add("ac-stale");
  writeAddress();
}

function lookUpExample(name) {
  return new Promise((resolve) => {
    const id = ask({ type: "example", name });
    pending.set(id, resolve);
  });
}

worker.onmessage = (event) => {
  const m = event.data;
  if (m.type === "progress") {
    ui.progress.value = m.fraction;
    ui.status.textContent = m.label;
  } else if (m.type === "ready") {
    ready(m);
  } else if (m.type === "failed") {
    ui.progress.removeAttribute("value");
    ui.loading.classList.add("ac-failed");
    ui.status.textContent = "Python could not start in this browser: " + m.message;
  } else if (m.type === "result" && m.kind === "example") {
    pending.get(m.id)?.(JSON.parse(m.result));
    pending.delete(m.id);
  } else if (m.type === "result" && m.id >= state.shown) {
    state.shown = m.id;
    show(JSON.parse(m.result), m.id === state.asked);
  }
};
worker.onerror = (e) => {
  ui.loading.classList.add("ac-failed");
  ui.status.textContent = "The playground's worker failed: " + (e.message || "see the browser console");
};

// --- Showing ------------------------------------------------------------------------------------------

function showError(error) {
  ui.error.textContent = error.text;
  ui.error.hidden = false;
}

function show(result, newest) {
  if (newest) ui.tables.classList.remove("ac-stale");
  if (!result.ok) {
    showError(result.error);
    ui.tables.classList.add("ac-stale"); // the last good table stays, greyed, while the text is being fixed
    return;
  }
  ui.error.hidden = true;
  state.result = result;
  if (!ui.net.value) {
    const names = result.networks.map((n) => n.name);
    if (names.join() !== state.names.join()) {
      state.names = names;
      fillSelect(ui.net, ["", ...names]);
      ui.net.options[0].textContent = "all";
    }
  }
  ui.tables.innerHTML = result.networks.map((n) => `<div class="ac-table">${n.html}</div>`).join("");
  ui.working.textContent = result.networks.map((n) => n.text_explain).join("\n"); // `summary --explain --wide`
  ui.working.hidden = !ui.explain.checked;
  ui.drawing.innerHTML = result.svg.replace(/^<\?xml[^>]*>\s*/, "");
  for (const b of [ui.json, ui.csv, ui.markdown]) b.disabled = false;
  if (!state.firstTable) {
    state.firstTable = performance.now();
    document.documentElement.dataset.firstTableMs = String(Math.round(state.firstTable));
    ui.timing.textContent = `first table ${(state.firstTable / 1000).toFixed(1)} s after the page opened`;
  }
}

// --- Downloads ----------------------------------------------------------------------------------------

function download(name, type, text) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = Object.assign(document.createElement("a"), { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

function baseName() {
  const r = state.result;
  return r && r.networks.length === 1 ? r.networks[0].name : (state.example || "archcalc");
}

// As `summary --format json|csv|markdown`, with `--explain` when the working is shown.
const withExplain = (key) => state.result[ui.explain.checked ? key + "_explain" : key];
ui.json.onclick = () => download(baseName() + ".json", "application/json", withExplain("json"));
ui.csv.onclick = () => download(baseName() + ".csv", "text/csv", withExplain("csv"));
ui.markdown.onclick = () => download(baseName() + ".md", "text/markdown", withExplain("markdown"));
ui.spec.onclick = () => download("spec.txt", "text/plain", ui.input.value);

// --- Start --------------------------------------------------------------------------------------------

async function openExample(name, net) {
  const found = await lookUpExample(name);
  if (!found.ok) {
    showError(found.error);
    return false;
  }
  state.example = name;
  state.exampleText = found.text;
  state.exampleNet = found.net || "";
  ui.input.value = found.text;
  // The menu shows the file: `resnet50` is a network of `resnet`.
  const file = state.examples.find((e) => e.name === name) || state.examples.find((e) => e.networks.includes(name));
  ui.example.value = file ? file.name : "";
  setNet(net ?? found.net ?? "");
  return true;
}

function setNet(name) {
  if (name && ![...ui.net.options].some((o) => o.value === name)) ui.net.append(new Option(name, name));
  ui.net.value = name || "";
  state.names = [];
}

async function ready(m) {
  // For benchmarks/playground.py: when Python was ready, and how long each step took (ms).
  document.documentElement.dataset.pythonReadyMs = String(Math.round(performance.now()));
  document.documentElement.dataset.loadTimings = JSON.stringify(m.timings);
  ui.status.textContent = `Python ready (Pyodide ${m.pyodide}, archcalc ${m.version})`;
  ui.progress.value = 1;
  ui.loading.classList.add("ac-ready");
  state.options = m.options;
  state.examples = m.examples;
  fillSelect(ui.dtype, m.options.dtypes, "float32");
  fillSelect(ui.optimizer, m.options.optimizers, "adam");
  ui.example.replaceChildren(new Option("(your own)", ""), ...m.examples.map((e) => {
    const o = new Option(`${e.name} — ${e.networks.join(", ")}`, e.name);
    o.title = e.description;
    return o;
  }));
  const opened = await applyAddress(); // an unknown example: its error shows, the editor stays usable
  for (const el of [ui.input, ui.batch]) el.addEventListener("input", () => {
    clearTimeout(typingTimer);
    typingTimer = setTimeout(calculate, 150); // as you type, without a calculation per key
  });
  for (const el of [ui.dtype, ui.optimizer, ui.noBias]) el.addEventListener("change", calculate);
  ui.net.addEventListener("change", () => {
    if (!ui.net.value) state.names = [];
    calculate();
  });
  ui.explain.addEventListener("change", () => {
    ui.working.hidden = !ui.explain.checked;
    writeAddress();
  });
  ui.example.addEventListener("change", async () => {
    if (ui.example.value && (await openExample(ui.example.value))) calculate();
  });
  // A link pasted into this tab's address bar changes the fragment only: no new page, so read it again.
  window.addEventListener("hashchange", async () => {
    if (await applyAddress()) calculate();
  });
  ui.input.disabled = false;
  if (opened) calculate();
}

// The address's input and options into the page; false when it names an example that does not exist.
async function applyAddress() {
  const { example, fragment } = readAddress();
  ui.batch.value = fragment.batch || "1";
  ui.dtype.value = state.options.dtypes.includes(fragment.dtype) ? fragment.dtype : "float32";
  ui.optimizer.value = state.options.optimizers.includes(fragment.optimizer) ? fragment.optimizer : "adam";
  ui.noBias.checked = fragment["no-bias"] === "1";
  ui.explain.checked = fragment.explain === "1";
  ui.working.hidden = !ui.explain.checked;
  if (fragment.spec === null) {
    showError({ text: "error: the address's #spec= is not valid percent-encoding (encodeURIComponent)" });
    return false;
  }
  if (fragment.spec !== undefined) {
    state.example = null;
    ui.example.value = "";
    ui.input.value = fragment.spec;
    setNet(fragment.net || "");
    return true;
  }
  return openExample(example || "vgg16", fragment.net);
}

ui.input.disabled = true;
ui.status.textContent = "Loading Python…";
if ("serviceWorker" in navigator && (location.protocol === "https:" || ["localhost", "127.0.0.1"].includes(location.hostname))) {
  navigator.serviceWorker.register(new URL("sw.js", import.meta.url)).catch(() => {}); // offline copies; optional
}
