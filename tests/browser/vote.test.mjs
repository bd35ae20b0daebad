// Voting: the presidium opens a poll from the console, three delegates vote on their
// phones (choose, confirm, receipt), the hall screen counts the ballots live and shows the
// result once the presidium closes the poll; the phones show the same result. Then a
// batch poll (25 targets, a countdown) made on the console form, voted with the shortcut.
//
// The tests of this file run in order on one server and share the pages opened by the
// first one.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import {
  SCREEN,
  gotoLive,
  launchBrowser,
  markDocument,
  newContext,
  shot,
  startServer,
  waitForText,
  watchProblems,
} from "./support.mjs";

const FIRST_POLL = "Thông qua Chương trình Đại hội";
const ITEM = "Thông qua chương trình, quy chế làm việc của Đại hội";
const BATCH_POLL = "Các chỉ tiêu kinh tế - xã hội (biểu quyết thử)";

describe("voting", () => {
  let server;
  let browser;
  let chair; // presidium: { context, page }
  let hall; // hall screen, 1920x1080
  let hallSame; // () => true while the hall's document was never reloaded
  const phones = []; // three delegates, 390x844
  const problems = {};
  let pollId;

  before(async () => {
    server = await startServer();
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  /** A new page in its own context; dialogs (data-confirm) are accepted. */
  async function open(name, url, viewport) {
    const context = await newContext(browser, { baseURL: server.base, ...(viewport ? { viewport } : {}) });
    const page = await context.newPage();
    page.on("dialog", (d) => d.accept());
    problems[name] = watchProblems(page);
    await page.goto(url);
    return { context, page };
  }

  /** Click a console button (posted by live.js) and wait for its answer. */
  async function post(page, testid, path) {
    const match = (p) => (path instanceof RegExp ? path.test(p) : p === path);
    const done = page.waitForResponse((r) => match(new URL(r.url()).pathname) && r.request().method() === "POST");
    await page.getByTestId(testid).click();
    const res = await done;
    assert.ok(res.status() < 400, `POST ${path} answered ${res.status()}: ${await res.text().catch(() => "")}`);
  }

  /** The id of the poll whose row on /console/polls has this title. */
  async function pollIdOf(title) {
    const row = chair.page.locator("[data-testid^=poll-row-]", { has: chair.page.locator(".poll-title", { hasText: title }) }).first();
    const testid = await row.getAttribute("data-testid");
    return Number(testid.replace("poll-row-", ""));
  }

  /**
   * A phone votes: /app/vote, `choose` picks the answers, "Tiếp tục" (or the button
   * `shots.submit`), confirm, receipt. `shots` names the screenshots to take.
   */
  async function vote(phone, choose, shots = {}) {
    const { page } = phone;
    if (new URL(page.url()).pathname !== "/app/vote") await page.goto("/app/vote");
    await page.getByTestId("ballot").waitFor();
    await choose(page);
    if (shots.ballot) await shot(page, shots.ballot, { fullPage: !!shots.full });
    await Promise.all([page.waitForURL(/\/app\/vote\/\d+\/confirm$/), page.getByTestId(shots.submit ?? "ballot-next").click()]);
    await page.getByTestId("confirm-list").waitFor();
    if (shots.confirm) await shot(page, shots.confirm, { fullPage: !!shots.full });
    await Promise.all([page.waitForURL(/\/app\/vote\/\d+$/), page.getByTestId("vote-confirm").click()]);
    await page.getByText("Phiếu biểu quyết đã được ghi nhận").waitFor();
    const code = (await page.textContent("[data-testid=receipt-code]")).trim();
    assert.match(code, /^\S{12,}$/, `a receipt code: "${code}"`);
    if (shots.receipt) await shot(page, shots.receipt);
    return code;
  }

  test("a: session running, everyone present, the hall on the poll's agenda item", async () => {
    chair = await open("chair", server.links.presidium);
    assert.equal(new URL(chair.page.url()).pathname, "/console");
    const first = chair.page.locator("ul.session-list > li.planned").first();
    await first.getByRole("button", { name: "Bắt đầu" }).click();
    await chair.page.getByTestId("next-item").waitFor();
    // The poll is on the third item of the preparatory session: go there.
    const item = chair.page.locator("ol.console-items > li", { hasText: ITEM });
    await item.getByRole("button").click();
    await chair.page.locator("ol.console-items > li.current", { hasText: ITEM }).waitFor();

    const secretariat = await open("secretariat", server.links.secretariat);
    await secretariat.page.goto("/console/attendance");
    await post(secretariat.page, "attendance-all-present", /^\/console\/attendance\/\d+\/all$/);
    await secretariat.context.close();

    hall = await open("hall", server.links.hall_screen, SCREEN);
    await gotoLive(hall.page, "/hall");
    await hall.page.getByTestId("hall-item").waitFor();
    assert.equal((await hall.page.textContent("[data-testid=hall-item]")).trim(), ITEM);
    hallSame = await markDocument(hall.page);

    for (let i = 0; i < 3; i++) {
      const phone = await open(`phone${i}`, server.links.delegate[i]);
      assert.equal(new URL(phone.page.url()).pathname, "/app");
      phones.push(phone);
    }
    // The delegate's navigation has a Vote tab.
    await phones[0].page.locator("nav.tabs a[href='/app/vote']", { hasText: "Biểu quyết" }).waitFor();
  });

  test("b: the presidium opens the poll; the phones see the banner, the hall the counter", async () => {
    await chair.page.goto("/console/polls");
    pollId = await pollIdOf(FIRST_POLL);
    assert.ok(pollId > 0, "the demo has the draft poll");
    await gotoLive(phones[0].page, "/app");
    await post(chair.page, `poll-open-${pollId}`, `/console/polls/${pollId}/open`);

    // The home page's live card shows the banner without reload.
    const banner = phones[0].page.getByTestId("poll-banner");
    await banner.waitFor({ timeout: 5000 });
    assert.match(await banner.textContent(), new RegExp(FIRST_POLL));
    await shot(phones[0].page, "vote-phone-banner.png");

    await hall.page.getByTestId("hall-poll").waitFor({ timeout: 5000 });
    await waitForText(hall.page, "[data-testid=hall-voted]", "0", 5000);
    assert.match(await hall.page.textContent("[data-testid=hall-poll]"), new RegExp(FIRST_POLL));
  });

  test("c: three delegates choose, confirm and get a receipt; the hall counts 3 live", async () => {
    await Promise.all([phones[0].page.getByTestId("poll-banner").click(), phones[0].page.waitForURL(/\/app\/vote$/)]);
    const choices = ["Tán thành", "Tán thành", "Không tán thành"];
    const codes = [];
    for (let i = 0; i < 3; i++) {
      const shots = i === 0 ? { ballot: "vote-phone-ballot.png", confirm: "vote-phone-confirm.png", receipt: "vote-phone-receipt.png" } : {};
      codes.push(
        await vote(phones[i], (page) => page.locator("label.choice", { hasText: new RegExp(`^\\s*${choices[i]}\\s*$`) }).click(), shots),
      );
      await waitForText(hall.page, "[data-testid=hall-voted]", String(i + 1), 5000);
    }
    assert.equal(new Set(codes).size, 3, "three different receipts");
    assert.ok(await hallSame(), "the hall screen counted without a reload");
    const voted = (await hall.page.textContent(".hall-voted .figure")).replace(/\s+/g, "");
    assert.match(voted, /^3\/\d/, `"Đã biểu quyết 3/…": ${voted}`);
    await shot(hall.page, "vote-hall-open.png");

    // Back on the vote page, the phone says it has voted instead of showing the buttons.
    const { page } = phones[1];
    await gotoLive(page, "/app/vote");
    await page.getByTestId("vote-notice").waitFor();
    assert.match(await page.textContent("[data-testid=vote-notice]"), /Đồng chí đã biểu quyết/);
    assert.equal(await page.getByTestId("ballot").count(), 0);
  });

  test("d: the presidium closes the poll; the hall and a phone show the same result", async () => {
    await chair.page.goto("/console/polls");
    await post(chair.page, `poll-close-${pollId}`, `/console/polls/${pollId}/close`);

    const outcome = hall.page.locator(".hall-result [data-testid=outcome]");
    await outcome.waitFor({ timeout: 5000 });
    const hallOutcome = (await outcome.textContent()).trim();
    assert.match(hallOutcome, /^(KHÔNG )?THÔNG QUA$/);
    const hallText = await hall.page.textContent(".hall-result");
    assert.match(hallText, /của B/);
    assert.match(hallText, /Tổng số đại biểu làm căn cứ \(B\): [\d.]+/);
    assert.ok(await hallSame(), "the hall screen showed the result without a reload");
    await shot(hall.page, "vote-hall-result.png");

    // The phone left on /app/vote redraws itself with the result.
    const { page } = phones[1];
    const card = page.getByTestId(`result-${pollId}`);
    await card.waitFor({ timeout: 8000 });
    assert.equal((await card.locator("[data-testid=outcome]").textContent()).trim(), hallOutcome);
    const rows = await card.locator(".bar-row").allTextContents();
    const hallRows = await hall.page.locator(".hall-result .bar-row").allTextContents();
    const norm = (l) => l.map((s) => s.replace(/\s+/g, " ").trim());
    assert.deepEqual(norm(rows), norm(hallRows), "the same figures on the phone and the hall");
    assert.match(norm(rows)[0], /^Tán thành 2 /);
    assert.match(norm(rows)[1], /^Không tán thành 1 /);
    await shot(page, "vote-phone-result.png", { fullPage: true });

    // In English too, nothing left untranslated.
    await page.goto("/lang/en?next=/app/vote");
    await card.waitFor();
    const text = await page.textContent("main");
    assert.match(text, /Voting result/);
    assert.doesNotMatch(text, /\b(ballot|result|vote|receipt|hall_vote|live_vote)\.[a-z_]+/);
    await shot(page, "vote-phone-result-en.png", { fullPage: true });
    await page.goto("/lang/vi?next=/app/vote");
  });

  test("e: a batch poll of 25 targets with a countdown: compact ballot, shortcut, table on the hall", async () => {
    await chair.page.goto("/console/polls/new");
    const form = chair.page.locator("form", { has: chair.page.getByTestId("poll-save") });
    await form.locator("input[name=title]").fill(BATCH_POLL);
    const targets = Array.from({ length: 25 }, (_, i) => `Chỉ tiêu số ${i + 1}: tỷ lệ hoàn thành kế hoạch năm đạt ${70 + i}% trở lên`);
    await form.locator("textarea[name=questions]").fill(targets.join("\n"));
    await form.locator("input[name=mode][value=secret]").check();
    await form.locator("input[name=countdown_secs]").fill("600");
    await Promise.all([chair.page.waitForURL((u) => !u.pathname.endsWith("/new")), chair.page.getByTestId("poll-save").click()]);
    await chair.page.goto("/console/polls");
    const id = await pollIdOf(BATCH_POLL);
    await post(chair.page, `poll-open-${id}`, `/console/polls/${id}/open`);
    await hall.page.getByTestId("hall-poll").waitFor({ timeout: 5000 });
    await hall.page.locator("[data-countdown]").waitFor();
    // The countdown ticks: m:ss.
    await hall.page.waitForFunction(() => /^\d+:\d\d$/.test(document.querySelector("[data-countdown]")?.textContent.trim() ?? ""), null, { timeout: 3000 });

    // Target 4 against, the rest with the shortcut: still a confirmation step.
    await vote(
      phones[0],
      (page) => page.getByTestId("question-4").locator("label.choice", { hasText: /^\s*Không tán thành\s*$/ }).click(),
      { ballot: "vote-phone-ballot-batch.png", confirm: "vote-phone-confirm-batch.png", submit: "ballot-fill" },
    );
    for (const phone of phones.slice(1)) {
      await phone.page.goto("/app/vote");
      await Promise.all([phone.page.waitForURL(/confirm$/), phone.page.getByTestId("ballot-fill").click()]);
      assert.match(await phone.page.textContent(".confirm-summary"), /Tán thành 25/);
      await Promise.all([phone.page.waitForURL(/\/app\/vote\/\d+$/), phone.page.getByTestId("vote-confirm").click()]);
      await phone.page.getByTestId("receipt").waitFor();
    }
    await waitForText(hall.page, "[data-testid=hall-voted]", "3", 5000);
    await shot(hall.page, "vote-hall-open-batch.png");

    await chair.page.goto("/console/polls");
    await post(chair.page, `poll-close-${id}`, `/console/polls/${id}/close`);
    await hall.page.locator(".hall-result .result-table").first().waitFor({ timeout: 5000 });
    assert.equal(await hall.page.locator(".hall-result .result-table tbody tr").count(), 25);
    // All 25 rows fit the 1080 px screen.
    const bottom = await hall.page.evaluate(() =>
      Math.max(...[...document.querySelectorAll(".hall-result tr, .hall-result .result-foot")].map((e) => e.getBoundingClientRect().bottom)),
    );
    await shot(hall.page, "vote-hall-result-batch.png");
    assert.ok(bottom <= 1080, `the batch result fits the screen: bottom at ${bottom}px`);

    await phones[0].page.goto("/app/vote");
    await phones[0].page.getByTestId(`result-${id}`).waitFor();
    await shot(phones[0].page, "vote-phone-result-batch.png");
  });

  test("no errors on the voting pages and no failed requests", async () => {
    const seen = Object.fromEntries(Object.entries(problems).map(([k, v]) => [k, v.filter((p) => !/\/events/.test(p))]));
    const empty = Object.fromEntries(Object.keys(problems).map((k) => [k, []]));
    assert.deepEqual(seen, empty);
  });
});
