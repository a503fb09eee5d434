/// <reference lib="dom" />
/**
 * The triage web form in a real browser: Debian's chromium driven by playwright-core uploads the
 * f033 fixture pair (kernel core and gcore, with smaps and filter 0x33) through the form served by
 * the real app on a loopback port, and checks the verdict, the segment table (one row per range),
 * a known differing mapping, keyboard selection on the map, an API error shown next to its field,
 * that untrusted file names stay text, that nothing was loaded from outside the server, and that
 * the stored report renders at `/reports/{id}`. Screenshots go to `test/out/` (git-ignored).
 *
 * Skips, with a message, where no chromium is installed (`apt-get install chromium`).
 *
 * @module
 */

import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
// Pinned here rather than in deno.json: only this test uses it (ecosystem.md §8).
// deno-lint-ignore no-import-prefix
import { chromium as playwright, type Page } from "npm:playwright-core@1.65.1";
import { createApp } from "../api/app.ts";
import { silentLogger } from "../api/deps.ts";
import { openLocalStorage } from "../api/storage.ts";
import { fixturePath } from "./_fixtures.ts";

/** Launch flags from `../shared/specs/ecosystem.md` §8. */
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--no-first-run",
  "--disable-dev-shm-usage",
];

function findChromium(): string | undefined {
  const candidates = [
    Deno.env.get("CHROMIUM_PATH"),
    "/usr/bin/chromium",
    "/usr/bin/chromium-browser",
    "/usr/bin/google-chrome",
  ];
  for (const c of candidates) {
    if (!c) continue;
    try {
      if (Deno.statSync(c).isFile) return c;
    } catch {
      // not here
    }
  }
  return undefined;
}

const CHROMIUM = findChromium();
if (!CHROMIUM) {
  console.log(
    "browser_test: SKIPPED: no chromium found (/usr/bin/chromium); " +
      "install it with: apt-get install -y --no-install-recommends chromium fonts-dejavu-core",
  );
}

const OUT = new URL("./out/", import.meta.url);
const SET = "f033";
/** A file name that would run script if it were ever parsed as markup. */
const HOSTILE_NAME = "<img src=x onerror=globalThis.pwned=1>kernel.core.gz";

interface ReportJson {
  verdict: string;
  summary: { unexplained: number; ranges: number };
  a: { label: string; process?: { pid: number; name: string } };
  ranges: { start: string; end: string; status: string; name: string }[];
  /** Runs of equal ranges the report counts instead of listing (CONTRACTS.md 6), if any. */
  collapsed?: { before: number }[];
}

/** The page's row of listed range `j`: runs of equal ranges are rows too, before it. */
function rowOf(report: ReportJson, j: number): number {
  return j + (report.collapsed ?? []).filter((c) => c.before <= j).length;
}

Deno.test({
  name: "web form: upload two real cores, see the report, reopen it by permalink",
  ignore: !CHROMIUM,
  async fn() {
    const dataDir = await Deno.makeTempDir({ prefix: "coredelta-browser-" });
    const storage = await openLocalStorage(dataDir);
    const app = createApp({ storage, logger: silentLogger });
    const server = Deno.serve(
      { port: 0, hostname: "127.0.0.1", onListen: () => {} },
      app.fetch,
    );
    const base = `http://127.0.0.1:${server.addr.port}`;
    let browser: Awaited<ReturnType<typeof playwright.launch>> | undefined;
    try {
      browser = await playwright.launch({
        executablePath: CHROMIUM,
        headless: true,
        args: CHROMIUM_ARGS,
      });
      const context = await browser.newContext({ viewport: { width: 1440, height: 1000 } });
      const requested: string[] = [];
      const pageErrors: string[] = [];
      context.on("request", (r) => requested.push(r.url()));
      const page = await context.newPage();
      page.on("pageerror", (e) => pageErrors.push(e.message));
      // Console errors other than the 4xx this test provokes on purpose: CSP refusals, a missing
      // favicon and the like.
      const consoleErrors: string[] = [];
      const onConsole = (m: { type(): string; text(): string }) => {
        if (m.type() === "error" && !/status of 422/.test(m.text())) consoleErrors.push(m.text());
      };
      page.on("console", onConsole);

      await page.goto(`${base}/`);
      assert.equal(await page.locator("#form").count(), 1, "the form is served at /");

      // An API error lands next to the field it concerns: smaps text is not an ELF core.
      await page.setInputFiles("#in-a", fixturePath(SET, "kernel.core.gz"));
      await page.setInputFiles("#in-b", fixturePath(SET, "smaps.txt"));
      await page.click("#submit");
      const errB = page.locator("#err-b");
      await errB.waitFor({ state: "visible", timeout: 30_000 });
      assert.match((await errB.textContent()) ?? "", /Malformed ELF core/);
      const message = (await errB.textContent()) ?? "";
      console.log(`field error shown: ${message}`);
      const offsets = message.match(/0x[0-9a-f]+/g) ?? [];
      assert.equal(new Set(offsets).size, offsets.length, `each offset named once: ${message}`);
      assert.equal(
        await page.evaluate(() => document.activeElement?.id),
        "in-b",
        "focus goes to the field the server refused",
      );
      assert.equal(await page.locator("#err-a").isVisible(), false);

      // The real upload: hostile file name for A, the gcore for B, smaps and filter.
      await page.setInputFiles("#in-a", {
        name: HOSTILE_NAME,
        mimeType: "application/gzip",
        buffer: Buffer.from(await Deno.readFile(fixturePath(SET, "kernel.core.gz"))),
      });
      await page.setInputFiles("#in-b", fixturePath(SET, "gdb.core.gz"));
      await page.setInputFiles("#in-smaps", fixturePath(SET, "smaps.txt"));
      await page.fill("#in-filter", "0x33");
      await page.click("#submit");
      await page.locator("#verdict").waitFor({ timeout: 60_000 });
      assert.equal(await errB.isVisible(), false, "the old error is cleared");

      const m = /\/reports\/([0-9a-f]{64})$/.exec(page.url());
      assert.ok(m, `the page moved to its permalink (${page.url()})`);
      const id = m[1]!;
      const res = await fetch(`${base}/v1/reports/${id}?format=json`);
      assert.equal(res.status, 200);
      const report = (await res.json()) as ReportJson;
      // The program's own writes between its gcore and its crash are unexpected (issue 14).
      assert.equal(report.verdict, "fail");
      assert.equal(report.summary.unexplained, 0);
      await checkReport(page, report);

      // Untrusted strings stay text: the label shows literally and no element was made of it.
      assert.ok(report.a.label.includes("<img"), `label kept: ${report.a.label}`);
      assert.ok(((await page.textContent("#result")) ?? "").includes(report.a.label));
      assert.equal(await page.locator("#result img").count(), 0);
      assert.equal(await page.evaluate("globalThis.pwned"), undefined);

      // Keyboard: on the map, Home then Right moves to a differing range; the table follows and
      // the detail panel shows it, with its page strip marking the differing page.
      const listed = report.ranges.findIndex((g) => g.status === "differs");
      assert.ok(listed >= 0);
      const differs = rowOf(report, listed);
      await page.focus("#map");
      await page.keyboard.press("Home");
      for (let k = 0; k < differs; k++) await page.keyboard.press("ArrowRight");
      const detail = (await page.textContent("#detail-body")) ?? "";
      assert.ok(
        detail.includes(
          `0x${BigInt(report.ranges[listed]!.start).toString(16).padStart(12, "0")}`,
        ),
        "the detail panel shows the selected range",
      );
      assert.equal(await page.getAttribute("#ranges", "aria-activedescendant"), `row-${differs}`);
      assert.equal(
        await page.getAttribute(`#ranges .tr[data-i="${differs}"]`, "aria-selected"),
        "true",
      );
      assert.ok(
        (await page.locator(".detail .cell[data-page=d]").count()) >= 1,
        "the page strip marks the differing page",
      );

      // Back returns to the empty form; Forward shows the report again (fetched by id).
      await page.goBack();
      await page.waitForFunction(() => document.querySelector("#result")?.hasAttribute("hidden"));
      assert.equal(await page.getAttribute("#new", "open"), "");
      await page.goForward();
      await page.locator("#detail-body .dname").waitFor();
      assert.match(page.url(), new RegExp(`/reports/${id}$`));

      await Deno.mkdir(OUT, { recursive: true });
      await page.screenshot({ path: new URL("browser-result.png", OUT).pathname, fullPage: true });

      // The stored report renders on its own at /reports/{id}.
      const stored = await context.newPage();
      stored.on("pageerror", (e) => pageErrors.push(e.message));
      stored.on("console", onConsole);
      await stored.goto(`${base}/reports/${id}`);
      await stored.locator("#verdict").waitFor({ timeout: 30_000 });
      await checkReport(stored, report);
      assert.equal(
        await stored.getAttribute('a[data-format="junit"]', "href"),
        `/v1/reports/${id}?format=junit`,
      );
      await stored.screenshot({ path: new URL("browser-stored.png", OUT).pathname });

      assert.deepEqual(pageErrors, [], "no script errors");
      assert.deepEqual(consoleErrors, [], "no console errors (CSP refusals, missing favicon)");
      const outside = requested.filter((u) => !u.startsWith("data:") && new URL(u).origin !== base);
      assert.deepEqual(outside, [], "the page loads nothing from outside the server");
      assert.ok(requested.some((u) => u.startsWith(`${base}/v1/diff`)));
      await context.close();
    } finally {
      await browser?.close();
      await server.shutdown();
      await storage.close();
      await Deno.remove(dataDir, { recursive: true });
    }
  },
});

/** Verdict, one table row per range, and a known differing mapping marked with its status. */
async function checkReport(
  page: Page,
  report: ReportJson,
): Promise<void> {
  const word = report.verdict.toUpperCase();
  assert.equal(await page.textContent("#verdict .word"), word);
  assert.match(
    (await page.textContent("#verdict")) ?? "",
    new RegExp(`^${word} kernel-vs-gdb · ${report.summary.ranges} ranges`),
  );
  assert.equal(await page.getAttribute("#verdict", "data-verdict"), report.verdict);
  const cards = (await page.textContent(".cards")) ?? "";
  assert.ok(report.a.process, "the report names the process");
  assert.ok(cards.includes(`${report.a.process.name} (pid ${report.a.process.pid})`), cards);
  // Rows are laid out one under the other (positions set through the CSSOM, which the CSP allows).
  const rows = page.locator("#ranges .tbody .tr");
  const [r0, r1] = [await rows.nth(0).boundingBox(), await rows.nth(1).boundingBox()];
  assert.ok(r0 && r1 && r1.y - r0.y >= r0.height - 1, `rows do not overlap: ${r0?.y} ${r1?.y}`);
  // The table is virtualised: it counts every range, and a status filter lists each kind.
  assert.equal(
    await page.getAttribute("#ranges", "aria-rowcount"),
    String(report.ranges.length + (report.collapsed?.length ?? 0) + 1),
  );
  for (const status of ["size-differs", "differs"]) {
    const j = report.ranges.findIndex((g) => g.status === status);
    assert.ok(j >= 0, `f033 has a ${status} range`);
    const i = rowOf(report, j);
    await page.selectOption("#f-status", status);
    const row = page.locator(`#ranges .tr[data-i="${i}"]`);
    assert.equal(await row.getAttribute("data-status"), status);
    const label = status === "size-differs" ? "size differs" : "differs";
    assert.ok(((await row.textContent()) ?? "").includes(label), `row ${i} shows ${label}`);
  }
  await page.selectOption("#f-status", "");
}
