// Service worker of the delegate app: precache the shell's assets, keep the last good
// copy of each delegate page so the program stays readable without a network.
const VERSION = "__VERSION__";
const ASSETS = __ASSETS__;
const CACHE = `daihoi-${VERSION}`;
const PAGES = ["/app", "/app/program"];
// Documents saved for reading offline (docs.js fills it; the server marks a reading view
// that holds the whole document, never a confidential one, with x-daihoi-offline: full).
// It outlives new versions of the app: saved documents stay saved.
const DOCS = "daihoi-docs";
const DOC_PAGE = /^\/app\/docs(\/\d+)?$/;
const OFFLINE_PAGE = "/app/docs/offline";
// With a saved copy at hand, a network that does not answer within this is treated as down.
const DOC_TIMEOUT_MS = 6000;

self.addEventListener("install", (e) => {
  e.waitUntil(caches.open(CACHE).then((c) => c.addAll(ASSETS)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (e) => {
  e.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith("daihoi-") && k !== CACHE && k !== DOCS).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

// "/static/app.1a2b3c4d5e6f.css" → "/static/app.css": a page saved under an older version
// of the app names older assets; it gets the current ones.
const plainAsset = (path) => path.replace(/\.[0-9a-f]{12}(\.[a-z0-9]+)$/, "$1");

async function staticAsset(req, url) {
  const hit = await caches.match(req);
  if (hit) return hit;
  try {
    return await fetch(req);
  } catch (err) {
    const same = ASSETS.find((a) => plainAsset(a) === plainAsset(url.pathname));
    const old = same && (await caches.match(same));
    if (old) return old;
    throw err;
  }
}

async function offlinePage() {
  const hit = await caches.match(OFFLINE_PAGE, { ignoreVary: true });
  return hit || Response.error();
}

// The document list and reading views: network first, the saved copy (looked up without
// the query string, so ?p=N&q=… finds it) when the network is down or does not answer.
async function docPage(req, url) {
  const key = url.pathname;
  const cache = await caches.open(DOCS);
  const saved = await cache.match(key, { ignoreVary: true });
  const network = fetch(req).then((res) => {
    if (res.ok && !res.redirected && res.headers.get("x-daihoi-offline") === "full") {
      cache.put(key, res.clone()).catch(() => {});
    } else if (saved && (res.status === 404 || /no-store/.test(res.headers.get("cache-control") ?? ""))) {
      // Removed, no longer readable by this reader, or now confidential: forget the copy.
      cache.delete(key).catch(() => {});
    }
    return res;
  });
  if (!saved) return network.catch(() => offlinePage());
  const timeout = new Promise((resolve) => setTimeout(() => resolve(saved), DOC_TIMEOUT_MS));
  return Promise.race([network.catch(() => saved), timeout]);
}

self.addEventListener("fetch", (e) => {
  const url = new URL(e.request.url);
  if (e.request.method !== "GET" || url.origin !== location.origin) return;
  if (url.pathname.startsWith("/static/")) {
    e.respondWith(staticAsset(e.request, url));
    return;
  }
  if (DOC_PAGE.test(url.pathname)) {
    e.respondWith(docPage(e.request, url));
    return;
  }
  if (url.pathname.startsWith("/app/docs/") && e.request.mode === "navigate") {
    // Search, page images, unsaved documents: they need the server.
    e.respondWith(fetch(e.request).catch(() => offlinePage()));
    return;
  }
  if (PAGES.includes(url.pathname)) {
    // Network first; on failure the last copy this phone saw.
    e.respondWith(
      fetch(e.request)
        .then((res) => {
          if (res.ok && !res.redirected) {
            const copy = res.clone();
            caches.open(CACHE).then((c) => c.put(e.request, copy));
          }
          return res;
        })
        .catch(() => caches.match(e.request).then((hit) => hit || Response.error())),
    );
  }
});
