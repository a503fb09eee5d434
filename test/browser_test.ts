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
  a: { label: string };
  ranges: { start: string; end: string; status: string; name: string }[];
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

      await page.goto(`${base}/`);
      assert.equal(await page.locator("#form").count(), 1, "the form is served at /");

      // An API error lands next to the field it concerns: smaps text is not an ELF core.
      await page.setInputFiles("#in-a", fixturePath(SET, "kernel.core.gz"));
      await page.setInputFiles("#in-b", fixturePath(SET, "smaps.txt"));
      await page.click("#submit");
      const errB = page.locator("#err-b");
      await errB.waitFor({ state: "visible", timeout: 30_000 });
      assert.match((await errB.textContent()) ?? "", /Malformed ELF core/);
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

      // Keyboard: focus a differing bar of the map, Enter selects it and fills the detail panel.
      const differs = report.ranges.findIndex((g) => g.status === "differs");
      assert.ok(differs >= 0);
      await page.focus(`svg.map g.bar[data-i="${differs}"]`);
      await page.keyboard.press("Enter");
      const detail = (await page.textContent("#detail-body")) ?? "";
      assert.ok(
        detail.includes(
          `0x${BigInt(report.ranges[differs]!.start).toString(16).padStart(12, "0")}`,
        ),
        "the detail panel shows the selected range",
      );
      assert.equal(
        await page.getAttribute(`#ranges tbody tr[data-i="${differs}"]`, "aria-selected"),
        "true",
      );
      assert.ok(
        (await page.locator(".detail rect[data-page=differs]").count()) >= 1,
        "the page strip marks the differing page",
      );

      await Deno.mkdir(OUT, { recursive: true });
      await page.screenshot({ path: new URL("browser-result.png", OUT).pathname, fullPage: true });

      // The stored report renders on its own at /reports/{id}.
      const stored = await context.newPage();
      stored.on("pageerror", (e) => pageErrors.push(e.message));
      await stored.goto(`${base}/reports/${id}`);
      await stored.locator("#verdict").waitFor({ timeout: 30_000 });
      await checkReport(stored, report);
      assert.equal(
        await stored.getAttribute('a[data-format="junit"]', "href"),
        `/v1/reports/${id}?format=junit`,
      );
      await stored.screenshot({ path: new URL("browser-stored.png", OUT).pathname });

      assert.deepEqual(pageErrors, [], "no script errors");
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
    // The header counts every range; the table lists those the report lists (equal ranges are
    // collapsed into counted runs, CONTRACTS item 6).
    new RegExp(`^${word} kernel-vs-gdb · ${report.summary.ranges} ranges`),
  );
  assert.equal(await page.getAttribute("#verdict", "data-verdict"), report.verdict);
  assert.equal(await page.locator("#ranges tbody tr").count(), report.ranges.length);
  assert.equal(await page.locator("svg.map g.bar").count(), report.ranges.length);
  for (const status of ["size-differs", "differs"]) {
    const i = report.ranges.findIndex((g) => g.status === status);
    assert.ok(i >= 0, `f033 has a ${status} range`);
    const row = page.locator(`#ranges tbody tr[data-i="${i}"]`);
    assert.equal(await row.getAttribute("data-status"), status);
    const label = status === "size-differs" ? "size differs" : "differs";
    assert.ok(((await row.textContent()) ?? "").includes(label), `row ${i} shows ${label}`);
  }
}
