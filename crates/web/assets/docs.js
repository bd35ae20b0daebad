// Documents (tài liệu), on top of pages that work without it: search as you type, text
// size, jumping within the reading view, saving documents for reading offline, and the
// offline notices. The service worker (sw.js) serves what is saved here.

// The cache the service worker reads saved documents from (sw.js: DOCS).
const DOCS_CACHE = "daihoi-docs";
const SIZE_KEY = "daihoi.docs.size";
const SAVED_KEY = "daihoi.docs.saved";
const SIZES = [0.85, 1, 1.15, 1.3, 1.5, 1.75, 2, 2.4];

const $ = (sel, root = document) => root.querySelector(sel);
const fill = (tpl, args) => tpl.replace(/\{(\w+)\}/g, (m, k) => (k in args ? String(args[k]) : m));

// ----- search as you type ----------------------------------------------------------------

function searchAsYouType(form) {
  const input = form.querySelector("input[name=q]");
  const results = $("[data-doc-results]");
  const list = $("[data-doc-list]");
  const offline = $("[data-doc-offline]");
  if (!input || !results || !list) return;
  let timer = 0;
  let pending = null;

  // The filters apply at once with script; their button is for pages without it.
  const apply = form.querySelector("[data-apply]");
  if (apply) apply.hidden = true;

  const params = () => {
    const p = new URLSearchParams();
    for (const [k, v] of new FormData(form)) if (typeof v === "string" && v.trim()) p.set(k, v.trim());
    return p;
  };
  const showOffline = (on) => { if (offline) offline.hidden = !on; };
  // The filters the list below was drawn with.
  const filtersOf = (p) => { p.delete("q"); p.delete("page"); p.delete("partial"); return p.toString(); };
  const listFilters = filtersOf(new URLSearchParams(location.search));

  async function run() {
    clearTimeout(timer);
    pending?.abort();
    pending = null;
    const p = params();
    if (!p.get("q")) {
      results.innerHTML = "";
      list.hidden = false;
      showOffline(false);
      const rest = filtersOf(p);
      // Other filters without words: the list, filtered by the server.
      if (rest !== listFilters) { location.href = rest ? `/app/docs?${rest}` : "/app/docs"; return; }
      history.replaceState(null, "", rest ? `/app/docs?${rest}` : "/app/docs");
      return;
    }
    if (!navigator.onLine) { showOffline(true); return; }
    const mine = new AbortController();
    pending = mine;
    const url = `/app/docs/search?${p}`;
    try {
      const res = await fetch(`${url}&partial=1`, { signal: mine.signal, credentials: "same-origin", headers: { "X-Requested-With": "fetch" } });
      if (res.status === 401) { location.href = `/login?next=${encodeURIComponent(url)}`; return; }
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      const html = await res.text();
      if (pending !== mine) return;
      results.innerHTML = html;
      list.hidden = true;
      showOffline(false);
      history.replaceState(null, "", url);
    } catch (e) {
      if (e.name === "AbortError") return;
      // A search the server cannot answer: offline, or the answer never came.
      showOffline(true);
    } finally {
      if (pending === mine) pending = null;
    }
  }

  input.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(run, 150); });
  form.addEventListener("change", (e) => { if (e.target instanceof HTMLSelectElement) run(); });
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    run();
    input.blur();
  });
  window.addEventListener("online", () => showOffline(false));
}

// ----- saving for offline reading --------------------------------------------------------

async function savedKeys() {
  if (!("caches" in window)) return new Set();
  try {
    const cache = await caches.open(DOCS_CACHE);
    return new Set((await cache.keys()).map((r) => new URL(r.url).pathname));
  } catch (_) {
    return new Set();
  }
}

// Rows of saved documents get a mark; offline, the others are dimmed (they need the server).
async function markSaved() {
  const keys = await savedKeys();
  for (const a of document.querySelectorAll("a[data-doc]")) {
    const saved = keys.has(`/app/docs/${a.dataset.doc}`);
    const mark = a.querySelector(".saved-mark");
    if (mark) mark.hidden = !saved;
    a.classList.toggle("not-saved", !saved && !navigator.onLine);
  }
}

async function saveOffline(button, status) {
  const say = (text) => { status.textContent = text; };
  if (!navigator.onLine) { say(button.dataset.noNetwork); return; }
  button.disabled = true;
  try {
    // The service worker must be running to serve the copies without a network.
    await Promise.race([
      navigator.serviceWorker.ready,
      new Promise((_, reject) => setTimeout(() => reject(new Error("no service worker")), 15000)),
    ]);
    const res = await fetch("/app/docs/offline.json", { credentials: "same-origin", cache: "no-store" });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    const list = await res.json();
    const cache = await caches.open(DOCS_CACHE);
    const total = list.docs.length;
    let done = 0;
    say(fill(button.dataset.saving, { done, total }));
    const store = async (url, key) => {
      const r = await fetch(url, { credentials: "same-origin", cache: "no-store" });
      if (!r.ok || r.redirected) throw new Error(`HTTP ${r.status} ${url}`);
      await cache.put(key, r);
    };
    for (const page of list.pages) await store(page, page);
    const queue = [...list.docs];
    const worker = async () => {
      for (let d = queue.shift(); d; d = queue.shift()) {
        await store(d.url, d.key);
        done += 1;
        say(fill(button.dataset.saving, { done, total }));
      }
    };
    await Promise.all([worker(), worker(), worker()]);
    // Forget what this reader may no longer read (or what was removed).
    const keep = new Set([...list.pages, ...list.docs.map((d) => d.key)]);
    for (const req of await cache.keys()) {
      if (!keep.has(new URL(req.url).pathname)) await cache.delete(req);
    }
    try { await navigator.storage?.persist?.(); } catch (_) { /* best effort */ }
    localStorage.setItem(SAVED_KEY, String(total));
    say(fill(button.dataset.saved, { n: total }));
    markSaved();
  } catch (e) {
    say(button.dataset.failed);
  } finally {
    button.disabled = false;
  }
}

function offlineSaving() {
  const box = $("[data-offline-save]");
  const button = $("[data-save-offline]");
  const status = $("[data-save-status]");
  if (!box || !button || !status || !("caches" in window) || !("serviceWorker" in navigator)) return;
  box.hidden = false;
  const n = localStorage.getItem(SAVED_KEY);
  if (n !== null) status.textContent = fill(button.dataset.saved, { n });
  button.addEventListener("click", () => saveOffline(button, status));
  markSaved();
  window.addEventListener("online", markSaved);
  window.addEventListener("offline", markSaved);
}

// ----- the reading view ------------------------------------------------------------------

function scrollToTarget() {
  const id = decodeURIComponent(location.hash.slice(1));
  const el = id && document.getElementById(id);
  if (el) el.scrollIntoView({ block: "start" });
}

function textSize(reader) {
  const tools = $("[data-size-tools]");
  if (!tools) return;
  let i = Number.parseInt(localStorage.getItem(SIZE_KEY) ?? "", 10);
  if (!Number.isInteger(i) || i < 0 || i >= SIZES.length) i = 1;
  const buttons = tools.querySelectorAll("[data-size]");
  const apply = () => {
    reader.style.setProperty("--doc-size", String(SIZES[i]));
    for (const b of buttons) {
      const step = Number(b.dataset.size);
      b.disabled = (step < 0 && i === 0) || (step > 0 && i === SIZES.length - 1);
    }
  };
  for (const b of buttons) {
    b.addEventListener("click", () => {
      // Keep the page being read in place while the text grows or shrinks.
      const sections = [...document.querySelectorAll(".doc-page")];
      const top = sections.find((s) => s.getBoundingClientRect().bottom > 120);
      i = Math.min(SIZES.length - 1, Math.max(0, i + Number(b.dataset.size)));
      localStorage.setItem(SIZE_KEY, String(i));
      apply();
      top?.scrollIntoView({ block: "start" });
    });
  }
  tools.hidden = false;
  apply();
}

// Pages scrolled to stop below the sticky header, whatever its height (its tabs wrap on
// narrow phones): CSS reads --top-h.
function headerOffset() {
  const top = $("header.top");
  if (!top) return;
  const set = () => document.documentElement.style.setProperty("--top-h", `${Math.ceil(top.getBoundingClientRect().height)}px`);
  set();
  window.addEventListener("resize", set);
}

// The jump form goes through the server (a redirect carries #p-N); a page already on
// the screen is reached without it, which also works offline.
function jumpWithin(form) {
  form.addEventListener("submit", (e) => {
    const n = Number.parseInt(form.elements.p.value, 10);
    const el = document.getElementById(`p-${n}`);
    if (!el) return;
    e.preventDefault();
    const params = new URLSearchParams(location.search);
    params.set("p", String(n));
    history.replaceState(null, "", `${location.pathname}?${params}#p-${n}`);
    el.scrollIntoView({ block: "start" });
    form.elements.p.blur();
  });
}

// Accent-insensitive word matching, as the server does it (daihoi-search's fold).
const fold = (s) => s.normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/đ/g, "d").replace(/Đ/g, "D").toLowerCase();
const WORD = /[\p{L}\p{N}]+/gu;

// A copy saved for offline reading was drawn without the query: mark its words here.
function markQuery(reader) {
  const q = new URLSearchParams(location.search).get("q") ?? "";
  if (!q.trim() || reader.dataset.q === q.trim()) return;
  const want = new Set((q.normalize("NFC").match(WORD) ?? []).map(fold));
  if (!want.size) return;
  for (const block of reader.querySelectorAll(".page-text p")) {
    const walker = document.createTreeWalker(block, NodeFilter.SHOW_TEXT);
    const nodes = [];
    for (let n = walker.nextNode(); n; n = walker.nextNode()) if (!n.parentElement.closest("mark")) nodes.push(n);
    for (const node of nodes) {
      const text = node.data.normalize("NFC");
      const parts = [];
      let at = 0;
      let last = null;
      for (const m of text.matchAll(WORD)) {
        if (!want.has(fold(m[0]))) continue;
        const gap = text.slice(at, m.index);
        if (last && /^\s*$/.test(gap)) {
          // Marks only a space apart are one, as the server draws them.
          last.textContent += gap + m[0];
        } else {
          parts.push(document.createTextNode(gap));
          last = document.createElement("mark");
          last.textContent = m[0];
          parts.push(last);
        }
        at = m.index + m[0].length;
      }
      if (!parts.length) continue;
      parts.push(document.createTextNode(text.slice(at)));
      node.replaceWith(...parts);
    }
  }
  reader.dataset.q = q.trim();
}

// ----- start -----------------------------------------------------------------------------

const form = $("[data-doc-search]");
if (form) searchAsYouType(form);
offlineSaving();
const reader = $("[data-reader]");
if (reader) {
  headerOffset();
  markQuery(reader);
  textSize(reader);
  const jump = $("[data-jump]");
  if (jump) jumpWithin(jump);
  // The browser scrolled to #p-N before the header offset, the text size or the marks
  // were known: scroll there again.
  scrollToTarget();
}
