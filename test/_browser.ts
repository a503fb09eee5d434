/**
 * The browser test harness: Debian's chromium through playwright-core (ecosystem.md §8), the real
 * app on a loopback port over a throw-away store, and a folder for screenshots.
 *
 * @module
 */

// Pinned here rather than in deno.json: only the browser tests use it.
// deno-lint-ignore no-import-prefix
import { type Browser, chromium, type Page } from "npm:playwright-core@1.65.1";
import { createApp } from "../api/app.ts";
import { silentLogger } from "../api/deps.ts";
import { type LocalStorage, openLocalStorage } from "../api/storage.ts";

/** Launch flags from `../shared/specs/ecosystem.md` §8. */
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--no-first-run",
  "--disable-dev-shm-usage",
  "--enable-precise-memory-info",
];

/** The chromium binary, or undefined where none is installed. */
export function findChromium(): string | undefined {
  for (
    const c of [Deno.env.get("CHROMIUM_PATH"), "/usr/bin/chromium", "/usr/bin/chromium-browser"]
  ) {
    if (!c) continue;
    try {
      if (Deno.statSync(c).isFile) return c;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** The chromium binary (undefined: browser tests skip). */
export const CHROMIUM = findChromium();
if (!CHROMIUM) {
  console.log(
    "browser tests: SKIPPED: no chromium (apt-get install -y --no-install-recommends chromium fonts-dejavu-core)",
  );
}

/** A served app and a launched browser. */
export interface BrowserRig {
  readonly base: string;
  readonly storage: LocalStorage;
  readonly browser: Browser;
  /** Where this test's screenshots go (created). */
  readonly out: string;
  /** A screenshot of `page` named `name`.png in {@link out}. */
  shot(page: Page, name: string, fullPage?: boolean): Promise<void>;
  close(): Promise<void>;
}

/**
 * Starts the app and the browser.
 *
 * @param folder screenshot folder under `test/out/`
 * @param tokens bearer tokens the server requires (none by default)
 */
export async function startRig(
  folder: string,
  tokens: readonly string[] = [],
): Promise<BrowserRig> {
  const dataDir = await Deno.makeTempDir({ prefix: "coredelta-ui-" });
  const storage = await openLocalStorage(dataDir);
  const app = createApp({ storage, logger: silentLogger, tokens });
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen: () => {} }, app.fetch);
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
  });
  const out = new URL(`./out/${folder}/`, import.meta.url).pathname;
  await Deno.mkdir(out, { recursive: true });
  return {
    base: `http://127.0.0.1:${server.addr.port}`,
    storage,
    browser,
    out,
    async shot(page, name, fullPage = false) {
      await page.screenshot({ path: `${out}${name}.png`, fullPage });
    },
    async close() {
      await browser.close();
      await server.shutdown();
      await storage.close();
      await Deno.remove(dataDir, { recursive: true });
    },
  };
}

/** Memory of one renderer process (a tab), from /proc. */
export interface RendererMemory {
  /** Process id. */
  readonly pid: number;
  /** Peak resident set (VmHWM), MiB: includes Chromium's shared code. */
  readonly peakRssMiB: number;
  /** Resident memory private to the process now (Private_Clean + Private_Dirty), MiB. */
  readonly privateMiB: number;
}

/**
 * The renderer processes of a browser with their memory (Linux /proc; CDP names the processes).
 *
 * @param browser the browser
 * @returns one entry per renderer, largest private memory first
 */
export async function rendererMemory(browser: Browser): Promise<RendererMemory[]> {
  const cdp = await browser.newBrowserCDPSession();
  try {
    const { processInfo } = await cdp.send("SystemInfo.getProcessInfo") as {
      processInfo: { type: string; id: number }[];
    };
    const out: RendererMemory[] = [];
    for (const p of processInfo.filter((x) => x.type === "renderer")) {
      try {
        const status = await Deno.readTextFile(`/proc/${p.id}/status`);
        const rollup = await Deno.readTextFile(`/proc/${p.id}/smaps_rollup`);
        const kib = (text: string, key: string) =>
          Number(new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(text)?.[1] ?? 0);
        out.push({
          pid: p.id,
          peakRssMiB: kib(status, "VmHWM") / 1024,
          privateMiB: (kib(rollup, "Private_Clean") + kib(rollup, "Private_Dirty")) / 1024,
        });
      } catch {
        // exited meanwhile
      }
    }
    return out.sort((a, b) => b.privateMiB - a.privateMiB);
  } finally {
    await cdp.detach();
  }
}
