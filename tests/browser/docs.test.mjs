// Documents on the delegate's phone: search typed without accents, the hit on page 4 of
// the political report, the reading view with the words marked, saving documents for
// offline reading and reading them with the network cut; the list and the reading view
// on a phone and on a 1920x1080 screen.
//
// The demo's contract: a document titled "Báo cáo chính trị" whose page 4, and only page 4,
// holds the phrase "chuyển đổi số toàn diện".

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import { SCREEN, launchBrowser, markDocument, newContext, shot, sleep, startServer, watchProblems } from "./support.mjs";

const TITLE = "Báo cáo chính trị";
const PHRASE = "chuyển đổi số toàn diện";
const TYPED = "chuyen doi so toan dien";
const fold = (s) => s.normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/[đĐ]/g, "d").toLowerCase();

describe("documents", () => {
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

  /** A delegate's phone (or screen) signed in by a demo QR link, on /app. */
  async function delegate(i, opts = {}) {
    const context = await newContext(browser, { baseURL: server.base, ...opts });
    const page = await context.newPage();
    const problems = watchProblems(page);
    await page.goto(server.links.delegate[i]);
    assert.equal(new URL(page.url()).pathname, "/app");
    return { context, page, problems };
  }

  /** The demo's documents are extracted in the background after start: wait for the list. */
  async function openList(page) {
    const deadline = Date.now() + 60_000;
    for (;;) {
      await page.goto("/app/docs");
      const ready = await page.locator("a.doc-row.ready", { hasText: TITLE }).count();
      if (ready > 0) return;
      if (Date.now() > deadline) throw new Error(`"${TITLE}" is not readable after 60 s:\n${await page.textContent("main")}`);
      await sleep(500);
    }
  }

  /** Whether the element's box is inside the viewport, below the sticky header. */
  function inView(locator) {
    return locator.evaluate((el) => {
      const r = el.getBoundingClientRect();
      const header = document.querySelector("header.top")?.getBoundingClientRect().bottom ?? 0;
      return r.top >= header - 1 && r.bottom <= window.innerHeight;
    });
  }

  test("a: typed without accents, the hit on page 4, the words marked, saved and read offline", async () => {
    const { context, page, problems } = await delegate(0);
    try {
      await openList(page);
      await page.getByRole("heading", { name: "Tài liệu", exact: true }).waitFor();
      const w = await page.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(w <= 390, `/app/docs scrolls horizontally at 390 px: ${w}`);
      await shot(page, "docs-list-phone.png");

      // Search as you type: results replace the list without loading another page.
      const same = await markDocument(page);
      const box = page.getByTestId("doc-search");
      await box.click();
      await box.pressSequentially(TYPED, { delay: 30 });
      const hit = page.locator("[data-doc-results] a.hit", { hasText: TITLE });
      await hit.first().waitFor({ timeout: 10_000 });
      const hits = await hit.allTextContents();
      assert.equal(hits.length, 1, `one hit in ${TITLE}: ${hits.join(" | ")}`);
      assert.match(hits[0], /Trang 4/);
      // The snippet marks the words as written, with their accents. (Its passage is the
      // search index's choice and may begin inside the phrase.)
      const marked = (await hit.locator("mark").allTextContents()).map((s) => s.trim());
      const typed = new Set(TYPED.split(" "));
      assert.ok(marked.length > 0 && marked.every((m) => typed.has(fold(m))), `only the query's words marked: ${marked}`);
      const accented = new Set(marked.filter((m) => PHRASE.split(" ").includes(m) && m !== fold(m)));
      assert.ok(accented.size >= 2, `accented words of «${PHRASE}» marked in the snippet: ${marked}`);
      assert.ok(await same(), "results came without a page load");
      assert.equal(await page.isHidden("[data-doc-list]"), true);
      const url = new URL(page.url());
      assert.equal(url.pathname, "/app/docs/search");
      assert.equal(url.searchParams.get("q"), TYPED);

      // The hit: the reading view at page 4, the phrase marked and on the screen.
      await hit.first().click();
      await page.waitForURL(/\/app\/docs\/\d+\?p=4&q=.*#p-4$/);
      const readUrl = page.url();
      const section = page.locator("#p-4");
      await section.waitFor();
      const marks = (await section.locator("mark").allTextContents()).join(" ");
      assert.ok(marks.includes(PHRASE), `«${PHRASE}» marked on page 4: ${marks}`);
      const mark = section.locator("mark", { hasText: PHRASE }).first();
      assert.ok(await inView(mark), "the marked phrase is on the screen");
      assert.equal(await page.textContent("#p-4 .page-no a"), "Trang 4");
      await shot(page, "docs-hit-phone.png");

      // Text size: larger, remembered, back.
      const size = () => page.evaluate(() => getComputedStyle(document.querySelector("#p-4 .page-text")).fontSize);
      const before = await size();
      await page.getByRole("button", { name: "Chữ lớn hơn" }).click();
      const bigger = await size();
      assert.ok(parseFloat(bigger) > parseFloat(before), `${before} → ${bigger}`);
      await page.reload();
      assert.equal(await size(), bigger, "the size is remembered");
      await page.getByRole("button", { name: "Chữ nhỏ hơn" }).click();
      assert.equal(await size(), before);
      assert.deepEqual(problems, [], "no errors online");

      // Save for offline reading.
      await page.goto("/app/docs");
      const list = await (await page.request.get("/app/docs/offline.json")).json();
      assert.ok(list.docs.length >= 2, `documents to save: ${JSON.stringify(list)}`);
      const other = list.docs.find((d) => d.title !== TITLE);
      await page.getByTestId("save-offline").click();
      await page.getByTestId("save-status").filter({ hasText: "Đã lưu" }).waitFor({ timeout: 60_000 });
      assert.match(await page.textContent("[data-testid=save-status]"), new RegExp(`Đã lưu ${list.docs.length} tài liệu`));

      // The network cut: the saved reading views still open, the query marked again.
      await context.setOffline(true);
      try {
        await page.goto(readUrl);
        await page.locator("#p-4").waitFor();
        const offlineMarks = (await page.locator("#p-4 mark").allTextContents()).join(" ");
        assert.ok(offlineMarks.includes(PHRASE), `«${PHRASE}» marked offline: ${offlineMarks}`);
        assert.match(await page.textContent("#p-4"), new RegExp(PHRASE));
        assert.ok(await inView(page.locator("#p-4 .page-no")), "page 4 on the screen offline");
        await shot(page, "docs-offline-phone.png");

        await page.goto(`/app/docs/${other.id}`);
        assert.equal((await page.textContent("h1.reader-title")).trim(), other.title);
        const text = await page.textContent(".doc-text");
        assert.ok(text.replace(/\s+/g, " ").length > 80, `text of «${other.title}» offline`);

        // The list opens; searching says it needs the network.
        await page.goto("/app/docs");
        await page.getByTestId("doc-search").fill("ngan sach");
        await page.getByTestId("doc-offline").waitFor({ state: "visible" });
        assert.match(await page.textContent("[data-testid=doc-offline]"), /Cần kết nối mạng để tìm kiếm/);
        // A page that was not saved: the offline page, not the browser's error.
        await page.goto("/app/docs/search?q=ngan+sach");
        await page.getByTestId("docs-offline-page").waitFor();
      } finally {
        await context.setOffline(false);
      }
    } finally {
      await context.close();
    }
  });

  test("a: a confidential document carries the reader's watermark and is not offered offline", async () => {
    const context = await newContext(browser, { baseURL: server.base });
    const page = await context.newPage();
    const problems = watchProblems(page);
    try {
      await page.goto(server.links.presidium);
      await openList(page);
      const row = page.locator("a.doc-row", { has: page.locator(".badge.secret") }).first();
      const title = (await row.locator(".doc-title").textContent()).trim();
      await row.click();
      await page.getByTestId("confidential-notice").waitFor();
      const id = new URL(page.url()).pathname.split("/").pop();
      const tiles = await page.locator("[data-testid=watermark] span").allTextContents();
      assert.ok(tiles.length > 10 && tiles.every((t) => t === tiles[0]), "one line, repeated");
      assert.match(tiles[0], /· \d{2}\/\d{2}\/\d{4} \d{2}:\d{2}$/, `name · code · date: ${tiles[0]}`);
      // Over the text, yet the text stays selectable and the links tappable.
      const wm = await page.evaluate(() => {
        const el = document.querySelector("[data-testid=watermark]");
        const s = getComputedStyle(el);
        return { events: s.pointerEvents, position: s.position, width: document.documentElement.scrollWidth };
      });
      assert.equal(wm.events, "none");
      assert.equal(wm.position, "fixed");
      assert.ok(wm.width <= 390, `no horizontal scroll: ${wm.width}`);
      await shot(page, "docs-confidential-phone.png");
      const list = await (await page.request.get("/app/docs/offline.json")).json();
      assert.ok(!list.docs.some((d) => String(d.id) === id), `«${title}» is not in the offline list`);
      const res = await page.request.get(`/app/docs/${id}?all=1`);
      assert.equal(res.headers()["cache-control"], "no-store");
      assert.equal(res.headers()["x-daihoi-offline"], undefined);
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });

  test("a: the reading view on a 1920x1080 screen", async () => {
    const { context, page, problems } = await delegate(1, { viewport: SCREEN });
    try {
      await openList(page);
      await page.locator("a.doc-row", { hasText: TITLE }).first().click();
      await page.waitForURL(/\/app\/docs\/\d+$/);
      const id = new URL(page.url()).pathname.split("/").pop();
      await page.goto(`/app/docs/${id}?p=4&q=${encodeURIComponent(TYPED)}#p-4`);
      await page.locator("#p-4 mark").first().waitFor();
      const column = await page.evaluate(() => document.querySelector(".doc-text").getBoundingClientRect().width);
      assert.ok(column <= 800, `a readable column, not ${column} px`);
      await shot(page, "docs-read-desktop.png");
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });
});
