/**
 * The triage web form at `/`, and the same page at `/reports/{id}` showing a stored report. One
 * self-contained HTML document: the markup, style sheet and script bundle of `api/web/` (the
 * modules of `api/web/src/`, bundled by `deno task build:web`) are embedded (text imports) and
 * inlined, so the page loads nothing else but its favicon. A Content-Security-Policy
 * allows exactly those two inline blocks (by hash) and requests to this origin.
 *
 * Without script the form still works: it posts to `/v1/diff?format=html` and the browser shows the
 * HTML report.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { Hono } from "hono";
import type { AppEnv } from "./deps.ts";
import page from "./web/index.html" with { type: "text" };
import formCss from "./web/form.css" with { type: "text" };
import rangesCss from "./web/ranges.css" with { type: "text" };
import reportCss from "./web/report.css" with { type: "text" };
import js from "./web/dist/app.js" with { type: "text" };
import favicon from "./web/favicon.svg" with { type: "text" };

/** The site icon (`/favicon.ico`, an SVG: two overlapping pages, one differing). */
export const FAVICON_SVG: string = favicon;

function inline(html: string, style: string, script: string): string {
  if (/<\/style/i.test(style) || /<\/script/i.test(script)) {
    throw new Error("api/web assets must not contain </style or </script");
  }
  return html
    .replace("<!--STYLE-->", () => `<style>${style}</style>`)
    .replace("<!--SCRIPT-->", () => `<script>${script}</script>`);
}

const sha256 = (s: string) => `'sha256-${createHash("sha256").update(s).digest("base64")}'`;

/** The page's one style sheet: the form's, the report's and its ranges' rules. */
const css = `${formCss}\n${reportCss}\n${rangesCss}`;

/** The form page (also what `/reports/{id}` serves; its script reads the path). */
export const FORM_HTML: string = inline(page, css, js);

/** The Content-Security-Policy of the page: its own inline style and script, this origin only. */
export const FORM_CSP: string = [
  "default-src 'none'",
  `script-src ${sha256(js)}`,
  `style-src ${sha256(css)}`,
  "img-src 'self' data:",
  "connect-src 'self'",
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join("; ");

/** Response headers of the page. */
export const FORM_HEADERS: Readonly<Record<string, string>> = {
  "content-type": "text/html; charset=utf-8",
  "content-security-policy": FORM_CSP,
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "cache-control": "no-cache",
};

/**
 * The form routes: `GET /` and `GET /reports/{id}` (the page fetches `/v1/reports/{id}` itself,
 * so an unknown id is reported on the page).
 *
 * @returns a sub-app to mount at `/` (`app.route("/", formRoutes())`)
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const res = await formRoutes().request("/reports/0123");
 * assert.equal(res.status, 200);
 * assert.match(res.headers.get("content-security-policy") ?? "", /default-src 'none'/);
 * ```
 */
export function formRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get("/", (c) => c.body(FORM_HTML, 200, { ...FORM_HEADERS }));
  for (const path of ["/favicon.ico"]) {
    app.get(path, (c) =>
      c.body(FAVICON_SVG, 200, {
        "content-type": "image/svg+xml",
        "cache-control": "public, max-age=86400",
        "x-content-type-options": "nosniff",
      }));
  }
  app.get("/reports/:id", (c) => c.body(FORM_HTML, 200, { ...FORM_HEADERS }));
  return app;
}
