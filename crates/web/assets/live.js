// Live updates for every page: one EventSource on /events; each notice names topics, and
// every region marked data-fragment whose data-topics intersect is re-read from the server.
// After a reconnect the "hello" event carries the current sequence number: if we missed
// anything, every region is re-read. Forms marked data-enhance are posted with fetch.

const regions = () => [...document.querySelectorAll("[data-fragment]")];
// The sequence number the page was drawn at: a change between drawing and connecting
// is caught by the first hello.
const drawnAt = Number(document.body.dataset.seq);
let lastSeq = Number.isFinite(drawnAt) && document.body.dataset.seq !== "" ? drawnAt : null;
let source = null;
let retry = 1000;

// One re-read in flight per region: notices arriving meanwhile (a burst of votes moves the
// voted/eligible counter hundreds of times a second) coalesce into one more re-read.
const inFlight = new WeakMap();
async function refresh(region, attempt = 0) {
  const state = inFlight.get(region);
  if (state && attempt === 0) { state.again = true; return; }
  inFlight.set(region, { again: false });
  try { await reread(region, attempt); } finally {
    const again = inFlight.get(region)?.again;
    inFlight.delete(region);
    if (again) refresh(region);
  }
}

async function reread(region, attempt) {
  const name = region.dataset.fragment;
  // A failed re-read is retried with backoff: the notice that asked for it will not come again.
  const retryLater = () => { if (attempt < 6) setTimeout(() => refresh(region, attempt + 1), 500 * 2 ** attempt); };
  try {
    const res = await fetch(`/fragments/${name}`, { credentials: "same-origin", cache: "no-store" });
    if (res.status === 401) { location.href = `/login?next=${encodeURIComponent(location.pathname)}`; return; }
    if (!res.ok) { retryLater(); return; }
    swap(region, await res.text());
  } catch (_) { retryLater(); }
}

function swap(region, html) {
  if (region.innerHTML !== html) {
    region.innerHTML = html;
    region.dispatchEvent(new CustomEvent("daihoi:updated", { bubbles: true }));
  }
}

// Re-read the regions concerned by `topics` (all when null). A notice may carry the fresh
// HTML of a small region itself (`embedded`): then that region needs no request.
function refreshTopics(topics, embedded = {}) {
  for (const r of regions()) {
    const wants = (r.dataset.topics || "").split(/\s+/);
    if (topics && !topics.some((t) => wants.includes(t))) continue;
    const html = embedded[r.dataset.fragment];
    if (typeof html === "string") swap(r, html);
    else refresh(r);
  }
}

function banner(state) {
  const el = document.getElementById("net");
  if (!el) return;
  if (state === "offline") { el.textContent = el.dataset.offline; el.className = "net"; el.hidden = false; }
  else if (state === "back") {
    el.textContent = el.dataset.back; el.className = "net ok"; el.hidden = false;
    setTimeout(() => { el.hidden = true; }, 2500);
  }
}

let wasDown = false;
function connect() {
  if (!regions().length) return;
  source = new EventSource("/events");
  source.addEventListener("hello", (e) => {
    const { seq } = JSON.parse(e.data);
    if (wasDown) { banner("back"); wasDown = false; }
    if (lastSeq !== null && seq !== lastSeq) refreshTopics(null);
    lastSeq = seq;
    retry = 1000;
  });
  source.addEventListener("notice", (e) => {
    const n = JSON.parse(e.data);
    lastSeq = n.seq;
    refreshTopics(n.topics, n.fragments || {});
  });
  source.addEventListener("resync", () => refreshTopics(null));
  source.onerror = () => {
    // Let the browser's own retry run while the stream is merely reconnecting; if it has
    // given up (CLOSED), reconnect ourselves with backoff.
    wasDown = true;
    banner("offline");
    if (source.readyState === EventSource.CLOSED) {
      setTimeout(connect, retry);
      retry = Math.min(retry * 2, 15000);
    }
  };
}

function csrf() { return document.body.dataset.csrf || ""; }

function enhanceForms() {
  document.addEventListener("submit", async (ev) => {
    const form = ev.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-enhance")) return;
    if (form.dataset.confirm && !confirm(form.dataset.confirm)) { ev.preventDefault(); return; }
    ev.preventDefault();
    const errorBox = document.querySelector("[data-form-error]");
    const button = form.querySelector("button[type=submit]");
    if (button) button.disabled = true;
    try {
      const res = await fetch(form.action, {
        method: "POST",
        body: new URLSearchParams(new FormData(form)),
        headers: { "X-Requested-With": "fetch", "X-CSRF-Token": csrf() },
        credentials: "same-origin",
      });
      if (res.ok) {
        if (errorBox) errorBox.hidden = true;
        if (form.hasAttribute("data-reset")) form.reset();
        refreshTopics(null);
      } else {
        let msg = `${res.status}`;
        try { msg = (await res.json()).message || msg; } catch (_) {}
        if (errorBox) { errorBox.textContent = msg; errorBox.hidden = false; errorBox.scrollIntoView({ block: "nearest" }); }
        else alert(msg);
      }
    } catch (_) {
      banner("offline");
    } finally {
      if (button) button.disabled = false;
    }
  });
}

function clock() {
  const el = document.querySelector("[data-clock]");
  if (!el) return;
  const tick = () => { el.textContent = new Date().toLocaleTimeString("vi-VN", { hour: "2-digit", minute: "2-digit", timeZone: "Asia/Ho_Chi_Minh" }); };
  tick();
  setInterval(tick, 10000);
}

// Countdowns: [data-countdown] holds the end (RFC 3339); without script the end time shows.
function countdowns() {
  const tick = () => {
    for (const el of document.querySelectorAll("[data-countdown]")) {
      const left = Math.max(0, Math.round((Date.parse(el.dataset.countdown) - Date.now()) / 1000));
      if (Number.isFinite(left)) el.textContent = `${Math.floor(left / 60)}:${String(left % 60).padStart(2, "0")}`;
    }
  };
  tick();
  setInterval(tick, 1000);
  document.addEventListener("daihoi:updated", tick);
}

// The phone's vote page is drawn for one state of the polls ([data-poll-page]); when its
// live region reports another (a poll opened, closed, was published), draw it again.
document.addEventListener("daihoi:updated", () => {
  const page = document.querySelector("[data-poll-page]");
  const now = document.querySelector("[data-fragment] [data-poll-state]");
  if (page && now && page.dataset.pollPage !== now.dataset.pollState) location.reload();
});

if ("serviceWorker" in navigator && location.pathname.startsWith("/app")) {
  navigator.serviceWorker.register("/sw.js").catch(() => {});
}
window.addEventListener("online", () => refreshTopics(null));

// Regions whose state changes without an event (the progress of a background job): re-read
// every data-refresh-ms while the page is visible.
function polled() {
  for (const el of document.querySelectorAll("[data-refresh-url]")) {
    const every = Math.max(1000, Number(el.dataset.refreshMs) || 3000);
    setInterval(async () => {
      if (document.hidden) return;
      try {
        const res = await fetch(el.dataset.refreshUrl, { credentials: "same-origin" });
        if (res.ok) el.innerHTML = await res.text();
      } catch { /* offline: keep the last state */ }
    }, every);
  }
}

polled();
enhanceForms();
clock();
countdowns();
connect();
