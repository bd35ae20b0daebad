// Shared helpers of the browser tests: start the release binary's demo on a free port,
// launch Debian's Chromium through playwright-core, phone/screen contexts, screenshots.

import { spawn } from "node:child_process";
import { once } from "node:events";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import readline from "node:readline";
import { fileURLToPath } from "node:url";

import { chromium } from "playwright-core";

const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(here, "..", "..");

/** The daihoi binary: $DAIHOI_BIN, else the release build in the usual target dirs. */
export function binaryPath() {
  if (process.env.DAIHOI_BIN) return process.env.DAIHOI_BIN;
  const candidates = [
    process.env.CARGO_TARGET_DIR && path.join(process.env.CARGO_TARGET_DIR, "release", "daihoi"),
    path.join(os.homedir(), ".cache", "daihoi-target", "release", "daihoi"),
    path.join(repoRoot, "target", "release", "daihoi"),
  ].filter(Boolean);
  return candidates.find((p) => fs.existsSync(p)) ?? candidates[0];
}

export const screenshotDir = process.env.DAIHOI_SCREENSHOTS ?? path.join(repoRoot, "artifacts", "screenshots");

async function freePort() {
  const srv = net.createServer();
  srv.listen(0, "127.0.0.1");
  await once(srv, "listening");
  const { port } = srv.address();
  srv.close();
  await once(srv, "close");
  return port;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
export { sleep };

const ROLES = ["admin", "presidium", "secretariat", "kiosk", "hall_screen"];

/** One `daihoi demo` process; resolves once it printed every link and /healthz answers. */
async function spawnDemo(bin, data, port, timeoutMs) {
  const base = `http://127.0.0.1:${port}`;
  // The server reads DAIHOI_* variables and DATABASE_URL as configuration: whatever the
  // test runner's environment holds, the demo runs on SQLite in its own directory.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("DAIHOI_") && k !== "DATABASE_URL"));
  const child = spawn(bin, ["demo", "--data", data, "--listen", `127.0.0.1:${port}`], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...env, RUST_LOG: process.env.RUST_LOG ?? "warn", RUST_BACKTRACE: "0" },
  });
  const stderr = [];
  readline.createInterface({ input: child.stderr }).on("line", (l) => {
    stderr.push(l);
    if (stderr.length > 200) stderr.shift();
  });
  const exited = once(child, "exit");
  const links = { delegate: [] };
  const haveAll = () => ROLES.every((r) => links[r]) && links.delegate.length >= 3;
  const kill = async (signal = "SIGTERM") => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill(signal);
      const t = setTimeout(() => child.kill("SIGKILL"), 5000);
      await exited.catch(() => {});
      clearTimeout(t);
    }
  };
  // Never leave a server behind, even if the test process dies on an exception.
  process.once("exit", () => {
    if (child.exitCode === null) child.kill("SIGKILL");
  });
  try {
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no sign-in links after ${timeoutMs} ms`)), timeoutMs);
      const rl = readline.createInterface({ input: child.stdout });
      rl.on("line", (line) => {
        const m = /^([a-z_]+): (https?:\/\/\S+)$/.exec(line.trim());
        if (!m) return;
        const [, role, url] = m;
        if (role === "delegate") links.delegate.push(url);
        else links[role] = url;
        if (haveAll()) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.on("exit", (code, sig) => {
        clearTimeout(timer);
        reject(new Error(`daihoi exited early (code ${code}, signal ${sig})`));
      });
      child.on("error", (e) => {
        clearTimeout(timer);
        reject(e);
      });
    });
    const deadline = Date.now() + 20_000;
    for (;;) {
      try {
        const res = await fetch(`${base}/healthz`);
        if (res.ok) break;
      } catch (_) {
        /* not listening yet */
      }
      if (Date.now() > deadline) throw new Error("/healthz did not answer within 20 s");
      await sleep(100);
    }
  } catch (e) {
    await kill("SIGKILL");
    throw new Error(`could not start ${bin} demo: ${e.message}\n--- daihoi stderr (last lines) ---\n${stderr.slice(-30).join("\n")}`);
  }
  return { base, links, kill, stderr };
}

/**
 * `daihoi demo --data <fresh dir> --listen 127.0.0.1:<free port>`; resolves once every
 * sign-in link is printed and /healthz answers. `links.delegate` is an array of 3 URLs.
 * `restart()` kills the process (SIGKILL, like a power cut) and starts it again on the
 * same data directory and port; `stop()` ends it and removes the data directory.
 */
export async function startServer({ timeoutMs = 60_000 } = {}) {
  const bin = binaryPath();
  if (!fs.existsSync(bin)) {
    throw new Error(`daihoi binary not found at ${bin}: run \`cargo build --release -p daihoi\` or set DAIHOI_BIN`);
  }
  const data = fs.mkdtempSync(path.join(os.tmpdir(), "daihoi-browser-"));
  const port = await freePort();
  let proc;
  try {
    proc = await spawnDemo(bin, data, port, timeoutMs);
  } catch (e) {
    fs.rmSync(data, { recursive: true, force: true });
    throw e;
  }
  const server = {
    base: proc.base,
    links: proc.links,
    data,
    stderr: () => proc.stderr.join("\n"),
    async restart() {
      await proc.kill("SIGKILL");
      proc = await spawnDemo(bin, data, port, timeoutMs);
    },
    async stop() {
      await proc.kill("SIGTERM");
      fs.rmSync(data, { recursive: true, force: true });
    },
  };
  return server;
}

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

export async function launchBrowser() {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
}

export const PHONE = { width: 390, height: 844 };
export const SCREEN = { width: 1920, height: 1080 };

/** A fresh browser context (own cookies) sized like a phone unless told otherwise. */
export async function newContext(browser, { viewport = PHONE, ...opts } = {}) {
  const mobile = viewport.width < 800;
  return browser.newContext({
    viewport,
    deviceScaleFactor: 1,
    isMobile: mobile,
    hasTouch: mobile,
    locale: "vi-VN",
    timezoneId: "Asia/Ho_Chi_Minh",
    ...opts,
  });
}

/** Save a PNG into artifacts/screenshots/. */
export async function shot(page, name, opts = {}) {
  fs.mkdirSync(screenshotDir, { recursive: true });
  const file = path.join(screenshotDir, name);
  await page.screenshot({ path: file, ...opts });
  return file;
}

/**
 * Collects what a person would notice in devtools: uncaught exceptions, console errors
 * (CSP violations land there) and failed requests.
 */
export function watchProblems(page) {
  const problems = [];
  page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error") problems.push(`console.error: ${m.text()}`);
  });
  page.on("response", (r) => {
    if (r.status() >= 400) problems.push(`HTTP ${r.status()} ${r.request().method()} ${r.url()}`);
  });
  return problems;
}

/**
 * Open a page and resolve once its live stream (/events) has answered, so that later
 * changes reach it as notices.
 */
export async function gotoLive(page, url) {
  const events = page.waitForResponse((r) => new URL(r.url()).pathname === "/events", { timeout: 15_000 });
  const res = await page.goto(url);
  await events;
  return res;
}

/** The trimmed text of the first element matching `selector`, or null. */
export async function textOf(page, selector) {
  const el = await page.$(selector);
  return el ? (await el.textContent()).trim() : null;
}

/** Wait until `selector`'s trimmed text equals `want`; returns the elapsed milliseconds. */
export async function waitForText(page, selector, want, timeout) {
  const t0 = Date.now();
  await page.waitForFunction(
    ([sel, w]) => {
      const el = document.querySelector(sel);
      return !!el && el.textContent.trim() === w;
    },
    [selector, want],
    { timeout, polling: 50 },
  );
  return Date.now() - t0;
}

/** A marker set on `window`: it survives only as long as the document is not reloaded. */
export async function markDocument(page) {
  const marker = `m${Math.random().toString(36).slice(2)}`;
  await page.evaluate((m) => {
    window.__daihoiMarker = m;
  }, marker);
  const origin = await page.evaluate(() => performance.timeOrigin);
  return async () => {
    const now = await page.evaluate(() => [window.__daihoiMarker, performance.timeOrigin]);
    return now[0] === marker && now[1] === origin;
  };
}

/**
 * Record, inside the page, what its live machinery does (stream events, fragment
 * fetches, online/offline): `readTrace(page)` returns it, for failure messages.
 */
export async function traceLive(page) {
  await page.addInitScript(() => {
    const t0 = performance.now();
    const trace = (window.__daihoiTrace = []);
    const log = (s) => trace.push(`${Math.round(performance.now() - t0)}ms ${s}`);
    const ES = window.EventSource;
    window.EventSource = class extends ES {
      constructor(url, opts) {
        super(url, opts);
        log(`stream connect ${url}`);
        this.addEventListener("open", () => log("stream open"));
        for (const ev of ["hello", "notice", "resync"]) this.addEventListener(ev, (e) => log(`stream ${ev} ${e.data}`));
        this.addEventListener("error", () => log(`stream error readyState=${this.readyState}`));
      }
    };
    const f = window.fetch.bind(window);
    window.fetch = (input, init) =>
      f(input, init).then(
        (r) => (log(`fetch ${input} ${r.status}`), r),
        (e) => (log(`fetch ${input} failed: ${e}`), Promise.reject(e)),
      );
    window.addEventListener("online", () => log("online event"));
    window.addEventListener("offline", () => log("offline event"));
  });
}

export async function readTrace(page) {
  return page.evaluate(() => (window.__daihoiTrace ?? []).join("\n")).catch((e) => `(no trace: ${e.message})`);
}
