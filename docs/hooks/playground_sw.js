// The playground's service worker (written to the site as playground/sw.js by docs/hooks/playground.py,
// which fills in VERSION and FILES): it keeps a copy of everything the page loads, so that the page opens
// and calculates again without a network. The calculation itself never needs one.
const VERSION = "@VERSION@";
const FILES = ["@FILES@"];
const CACHE = "archcalc-playground-" + VERSION;

self.addEventListener("install", (event) => {
  // Every file at once: a half-filled cache would open a page that cannot start Python.
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(FILES)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith("archcalc-playground-") && k !== CACHE)
        .map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET" || new URL(request.url).origin !== self.location.origin) return;
  if (request.mode === "navigate") {
    // The page: the server's copy when it answers (a new version of the site), else the kept one.
    // `?example=vgg16` and `#spec=...` are the same page.
    event.respondWith(fetch(request).catch(() => caches.match(request, { ignoreSearch: true })
      .then((kept) => kept || Response.error())));
    return;
  }
  // Everything else is named by its content's version (a new site has a new cache): the kept copy first.
  event.respondWith(caches.match(request, { ignoreSearch: true }).then((kept) => kept || fetch(request)));
});
