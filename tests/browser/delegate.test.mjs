// The delegate's phone and the pages anyone can reach: program, 360 px layout, page
// weight, PWA, error pages, language switch; screenshots of login and admin.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import { PHONE, launchBrowser, newContext, shot, startServer, watchProblems } from "./support.mjs";

const WEEKDAY = /Thứ (Hai|Ba|Tư|Năm|Sáu|Bảy)|Chủ Nhật/;

describe("delegate phone", () => {
  let server;
  let browser;

  before(async () => {
    server = await startServer();
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  /** A phone signed in by the first delegate's QR code, on /app. */
  async function delegatePhone(opts = {}) {
    const context = await newContext(browser, opts);
    const page = await context.newPage();
    const problems = watchProblems(page);
    await page.goto(server.links.delegate[0]);
    return { context, page, problems };
  }

  test("a: the QR link lands on /app; the program shows the three days in Vietnamese; usable at 360 px", async () => {
    const { context, page } = await delegatePhone();
    try {
      assert.equal(new URL(page.url()).pathname, "/app");
      assert.equal(await page.getAttribute("html", "lang"), "vi");
      await page.getByText("Xin chào đồng chí").waitFor();
      const live = await page.textContent("[data-fragment=live]");
      assert.match(live, /Hiện không có phiên họp|Đang diễn ra/);
      await shot(page, "delegate-home.png", { fullPage: true });

      await page.getByRole("link", { name: "Chương trình", exact: true }).click();
      await page.waitForURL("**/app/program");
      await page.getByRole("heading", { name: "Chương trình đại hội" }).waitFor();
      const program = await page.textContent("main");
      assert.match(program, /Phiên trù bị/);
      assert.match(program, /Phiên khai mạc/);
      assert.match(program, WEEKDAY);
      const days = await page.$$eval("section.day", (ds) =>
        ds.map((d) => ({ label: d.querySelector("h2")?.textContent.trim(), sessions: d.querySelectorAll(".session-card").length })),
      );
      assert.equal(days.length, 3, `three congress days, got ${JSON.stringify(days)}`);
      for (const d of days) {
        assert.match(d.label, WEEKDAY, `day label in Vietnamese: ${d.label}`);
        assert.ok(d.sessions > 0, `sessions on ${d.label}`);
      }
      await shot(page, "delegate-program.png", { fullPage: true });

      await page.setViewportSize({ width: 360, height: 740 });
      for (const p of ["/app/program", "/app"]) {
        await page.goto(server.base + p);
        const w = await page.evaluate(() => document.documentElement.scrollWidth);
        assert.ok(w <= 360, `${p} at 360 px wide scrolls horizontally: scrollWidth ${w}`);
      }
    } finally {
      await context.close();
    }
  });

  test("a: every file the delegate's pages link to loads; no console errors", async () => {
    const { context, page, problems } = await delegatePhone();
    try {
      for (const p of ["/app", "/app/program"]) {
        if (new URL(page.url()).pathname !== p) await page.goto(server.base + p);
        await page.waitForLoadState("load");
        const linked = await page.$$eval("link[href], script[src]", (els) => els.map((e) => e.href || e.src));
        for (const href of linked) {
          const res = await page.request.get(href);
          assert.equal(res.status(), 200, `${p} links to ${href}, which answers ${res.status()}`);
        }
      }
      await page.waitForTimeout(500);
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });

  test("e: the delegate home weighs under 100 KB (document, CSS, JS, manifest)", async () => {
    const context = await newContext(browser);
    const page = await context.newPage();
    try {
      const cdp = await context.newCDPSession(page);
      await cdp.send("Network.enable");
      const wire = new Map();
      cdp.on("Network.responseReceived", (e) => wire.set(e.requestId, { url: e.response.url, bytes: 0 }));
      cdp.on("Network.loadingFinished", (e) => {
        const w = wire.get(e.requestId);
        if (w) w.bytes = e.encodedDataLength;
      });
      const bodies = [];
      page.on("response", (res) => {
        const u = new URL(res.url());
        if (u.pathname === "/events") return; // the live stream never ends
        bodies.push(
          res
            .body()
            .then((b) => ({ path: u.pathname, type: res.request().resourceType(), bytes: b.length }))
            .catch(() => ({ path: u.pathname, type: res.request().resourceType(), bytes: 0 })),
        );
      });
      await page.goto(server.links.delegate[1]);
      await page.waitForLoadState("load");
      await page.waitForTimeout(300);
      const list = await Promise.all(bodies);
      if (!list.some((r) => r.path === "/manifest.webmanifest")) {
        // Headless Chromium fetches the manifest only on demand: count it as a phone would.
        const m = await page.request.get(server.base + "/manifest.webmanifest");
        list.push({ path: "/manifest.webmanifest", type: "manifest", bytes: (await m.body()).length });
      }
      const total = list.reduce((s, r) => s + r.bytes, 0);
      // For information: what the service worker then precaches on a first visit.
      const sw = await (await page.request.get(server.base + "/sw.js")).text();
      const precache = JSON.parse(/const ASSETS = (\[[^\]]*\]);/.exec(sw)?.[1] ?? "[]");
      let precached = 0;
      for (const a of precache) precached += (await (await page.request.get(server.base + a)).body()).length;
      const onWire = [...wire.values()].filter((w) => !w.url.endsWith("/events")).reduce((s, w) => s + w.bytes, 0);
      const kinds = new Set(list.map((r) => r.type));
      console.log(
        `delegate home: ${(total / 1024).toFixed(1)} KB of response bodies (${list.map((r) => `${r.path} ${r.bytes}`).join(", ")}); ` +
          `${(onWire / 1024).toFixed(1)} KB on the wire (compressed, with headers); ` +
          `the service worker then precaches ${precache.length} files, ${(precached / 1024).toFixed(1)} KB`,
      );
      for (const k of ["document", "stylesheet", "script"]) assert.ok(kinds.has(k), `a ${k} was loaded: ${[...kinds]}`);
      assert.ok(total < 100 * 1024, `delegate home is ${total} bytes, over 100 KB`);
    } finally {
      await context.close();
    }
  });

  test("f: manifest, icons and service worker make an installable app", async () => {
    const context = await newContext(browser);
    const page = await context.newPage();
    try {
      const res = await page.request.get(server.base + "/manifest.webmanifest");
      assert.equal(res.status(), 200);
      const m = JSON.parse(await res.text());
      assert.ok(m.name && typeof m.name === "string", "manifest name");
      assert.ok(m.start_url, "manifest start_url");
      assert.equal(m.display, "standalone");
      for (const size of ["192x192", "512x512"]) {
        const icon = (m.icons ?? []).find((i) => i.sizes === size && i.type === "image/png");
        assert.ok(icon, `a ${size} PNG icon in ${JSON.stringify(m.icons)}`);
        const r = await page.request.get(new URL(icon.src, server.base).href);
        assert.equal(r.status(), 200, `${icon.src} loads`);
        assert.match(r.headers()["content-type"], /^image\/png/);
        const png = await r.body();
        assert.equal(png.subarray(1, 4).toString("latin1"), "PNG");
        const [w, h] = [png.readUInt32BE(16), png.readUInt32BE(20)];
        assert.equal(`${w}x${h}`, size, `${icon.src} is really ${size}`);
      }
      const sw = await page.request.get(server.base + "/sw.js");
      assert.equal(sw.status(), 200);
      assert.match(sw.headers()["content-type"], /javascript/);

      await page.goto(server.links.delegate[2]);
      assert.equal(new URL(page.url()).pathname, "/app");
      const scope = await page.evaluate(
        () =>
          Promise.race([
            navigator.serviceWorker.ready.then((r) => r.scope),
            new Promise((_, reject) => setTimeout(() => reject(new Error("service worker not ready within 10 s")), 10_000)),
          ]),
      );
      assert.equal(scope, server.base + "/");
    } finally {
      await context.close();
    }
  });

  test("g: an unknown page is a 404 in the app's style", async () => {
    const context = await newContext(browser);
    const page = await context.newPage();
    try {
      const res = await page.goto(server.base + "/nope");
      assert.equal(res.status(), 404);
      const text = await page.textContent("main");
      assert.match(text, /Không tìm thấy/);
      const styled = await page.evaluate(() => ({
        sheets: [...document.styleSheets].filter((s) => s.href && s.href.includes("/static/app.")).map((s) => s.cssRules.length),
        font: getComputedStyle(document.body).fontFamily,
      }));
      assert.equal(styled.sheets.length, 1, "the app's stylesheet is linked");
      assert.ok(styled.sheets[0] > 0, "the app's stylesheet loaded");
      await page.getByRole("link", { name: "Về trang chính" }).waitFor();
      await shot(page, "not-found.png", { fullPage: true });
    } finally {
      await context.close();
    }
  });

  test("g: a tampered or forged QR link gets a clear Vietnamese message", async () => {
    const context = await newContext(browser);
    const page = await context.newPage();
    try {
      const good = server.links.delegate[0];
      const tampered = good.slice(0, -1) + (good.endsWith("A") ? "B" : "A");
      for (const url of [server.base + "/q/1.0.AAAA", tampered, server.base + "/q/garbage"]) {
        const res = await page.goto(url);
        assert.ok(res.status() >= 400 && res.status() < 500, `${url}: status ${res.status()}`);
        assert.notEqual(new URL(page.url()).pathname, "/app", `${url} must not sign in`);
        const msg = (await page.textContent("main")).replace(/\s+/g, " ");
        assert.match(msg, /Mã QR này đã bị thu hồi|Ban Tổ chức/, `${url}: ${msg}`);
      }
      await shot(page, "qr-invalid.png", { fullPage: true });
      // Still not signed in afterwards.
      const app = await page.goto(server.base + "/app");
      assert.ok(app.status() === 401 || new URL(page.url()).pathname === "/login", `after a bad QR /app: ${app.status()} ${page.url()}`);
    } finally {
      await context.close();
    }
  });

  test("g: a QR code revoked by the administrator signs the phone out and then explains itself", async () => {
    const link = server.links.delegate[2];
    const id = new URL(link).pathname.split("/")[2].split(".")[0];
    const phone = await newContext(browser);
    const admin = await newContext(browser, { viewport: { width: 1366, height: 900 } });
    try {
      const page = await phone.newPage();
      await page.goto(link);
      assert.equal(new URL(page.url()).pathname, "/app");

      const a = await admin.newPage();
      await a.goto(server.links.admin);
      await a.goto(`${server.base}/admin/delegates/${id}`);
      await a.getByText("Thu hồi mã QR", { exact: true }).click();
      await a.getByRole("button", { name: "Thu hồi và cấp mã mới" }).click();
      await a.getByText("Đã thu hồi mã QR cũ").waitFor();

      // The phone signed in with the old code is signed out at once.
      await page.goto(server.base + "/app");
      assert.equal(new URL(page.url()).pathname, "/login", `after revocation /app shows ${page.url()}`);
      // The old code now gets a clear message, not a crash.
      const res = await page.goto(link);
      assert.equal(res.status(), 403);
      assert.match(await page.textContent("main"), /Mã QR này đã bị thu hồi\. Vui lòng liên hệ Ban Tổ chức để nhận mã mới\./);
      await shot(page, "qr-revoked.png", { fullPage: true });
    } finally {
      await phone.close();
      await admin.close();
    }
  });

  test("h: the English switch translates the page, and back", async () => {
    const { context, page } = await delegatePhone();
    try {
      await page.getByRole("link", { name: "English" }).click();
      await page.waitForURL("**/app");
      assert.equal(await page.getAttribute("html", "lang"), "en");
      await page.getByRole("link", { name: "Program", exact: true }).waitFor();
      assert.match(await page.textContent("main"), /Welcome/);
      await page.getByRole("link", { name: "Program", exact: true }).click();
      await page.getByRole("heading", { name: "Congress program" }).waitFor();
      await shot(page, "delegate-program-en.png", { fullPage: true });
      await page.getByRole("link", { name: "Tiếng Việt" }).click();
      await page.waitForURL("**/app/program");
      assert.equal(await page.getAttribute("html", "lang"), "vi");
      await page.getByRole("heading", { name: "Chương trình đại hội" }).waitFor();
      await page.getByRole("link", { name: "Chương trình", exact: true }).waitFor();
    } finally {
      await context.close();
    }
  });

  test("login page", async () => {
    const context = await newContext(browser);
    const page = await context.newPage();
    try {
      const res = await page.goto(server.base + "/login");
      assert.equal(res.status(), 200);
      await page.getByRole("heading", { name: "Đăng nhập" }).waitFor();
      await page.getByLabel("Tên đăng nhập").waitFor();
      await page.getByLabel("Mật khẩu").waitFor();
      await shot(page, "login.png", { fullPage: true });
      const w = await page.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(w <= PHONE.width, `login scrolls horizontally: ${w}`);
    } finally {
      await context.close();
    }
  });

  test("admin dashboard through the administrator's link", async () => {
    const context = await newContext(browser, { viewport: { width: 1366, height: 900 } });
    const page = await context.newPage();
    const problems = watchProblems(page);
    try {
      const res = await page.goto(server.links.admin);
      await shot(page, "admin.png", { fullPage: true });
      assert.equal(new URL(page.url()).pathname, "/admin");
      assert.equal(res.status(), 200, `/admin answered ${res.status()}`);
      await page.getByRole("link", { name: "Tổng quan" }).first().waitFor();
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });
});
