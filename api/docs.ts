/**
 * The API reference page at `/docs`, rendered on the server from `openapi.yaml`: plain HTML and a
 * little CSS, no script and nothing fetched from a CDN, so it works offline and air-gapped.
 *
 * @module
 */

import { parse } from "yaml";
import { REASON_CODES, REASONS } from "../lib/diff/reasons.ts";
import { escapeXml as escapeHtml } from "../lib/report/escape.ts";

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (typeof v === "object" && v !== null ? v as Obj : {});
const str = (v: unknown): string => (typeof v === "string" ? v : "");
const METHODS = ["get", "put", "post", "delete", "patch", "head", "options"];

/** A schema in one line: `$ref` names, types, enums. */
function schemaText(s: unknown): string {
  const o = obj(s);
  if (typeof o.$ref === "string") return o.$ref.replace("#/components/schemas/", "");
  if (Array.isArray(o.enum)) return o.enum.map((v) => JSON.stringify(v)).join(" | ");
  if (Array.isArray(o.oneOf)) return o.oneOf.map(schemaText).join(" | ");
  const t = Array.isArray(o.type) ? o.type.join(" | ") : str(o.type);
  if (t === "array") return `${schemaText(o.items)}[]`;
  return [t || "object", str(o.format)].filter(Boolean).join(" ");
}

/**
 * Inline Markdown of OpenAPI descriptions, on escaped text: `code`, **strong**, *emphasis* and
 * [links](/path or https://...). Escaping first means no markup from the spec survives as such.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(inlineMarkdown("use `a<b` and **bold** [x](/docs)"),
 *   'use <code>a&lt;b</code> and <strong>bold</strong> <a href="/docs">x</a>');
 * ```
 */
export function inlineMarkdown(text: string): string {
  return escapeHtml(text)
    .replace(/`([^`]+)`/g, "<code>$1</code>")
    .replace(/\*\*([^*]+)\*\*/g, "<strong>$1</strong>")
    .replace(/(^|[\s(])\*([^*\s][^*]*)\*/g, "$1<em>$2</em>")
    .replace(/\[([^\]]+)\]\(((?:\/|https?:\/\/)[^\s)"]*)\)/g, '<a href="$2">$1</a>');
}

function paragraph(text: unknown): string {
  const t = str(text).trim();
  return t ? t.split(/\n\n+/).map((p) => `<p>${inlineMarkdown(p)}</p>`).join("") : "";
}

function parameters(op: Obj): string {
  const ps = Array.isArray(op.parameters) ? op.parameters.map(obj) : [];
  if (!ps.length) return "";
  const rows = ps.map((p) =>
    `<tr><td><code>${escapeHtml(str(p.name))}</code></td><td>${escapeHtml(str(p.in))}</td>` +
    `<td>${p.required ? "yes" : ""}</td><td><code>${escapeHtml(schemaText(p.schema))}</code></td>` +
    `<td>${escapeHtml(str(p.description))}</td></tr>`
  ).join("");
  return `<h4>Parameters</h4><table><tr><th>name</th><th>in</th><th>required</th><th>schema</th>` +
    `<th>description</th></tr>${rows}</table>`;
}

function content(c: unknown): string {
  return Object.entries(obj(c)).map(([type, m]) =>
    `<li><code>${escapeHtml(type)}</code>: <code>${
      escapeHtml(schemaText(obj(m).schema))
    }</code></li>`
  ).join("");
}

function operation(path: string, method: string, op: Obj): string {
  const body = obj(op.requestBody);
  const responses = Object.entries(obj(op.responses)).map(([status, r]) => {
    const ro = obj(r);
    const headers = Object.keys(obj(ro.headers)).map((h) => `<code>${escapeHtml(h)}</code>`);
    return `<tr><td>${escapeHtml(status)}</td><td>${escapeHtml(str(ro.description))}` +
      `${headers.length ? `<br>headers: ${headers.join(", ")}` : ""}</td>` +
      `<td><ul>${content(ro.content)}</ul></td></tr>`;
  }).join("");
  const id = escapeHtml(str(op.operationId) || `${method}-${path}`);
  return `<section class="op" id="${id}"><h3><span class="m ${method}">${method.toUpperCase()}` +
    `</span> <code>${escapeHtml(path)}</code> <small>${escapeHtml(str(op.summary))}</small></h3>` +
    paragraph(op.description) + parameters(op) +
    (op.requestBody
      ? `<h4>Request body${body.required ? " (required)" : ""}</h4>${paragraph(body.description)}` +
        `<ul>${content(body.content)}</ul>`
      : "") +
    `<h4>Responses</h4><table><tr><th>status</th><th>description</th><th>content</th></tr>` +
    `${responses}</table></section>`;
}

const STYLE =
  `body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;
color:#222}code{font:13px ui-monospace,monospace;background:#f3f3f3;padding:0 .2em}
table{border-collapse:collapse;width:100%;margin:.5rem 0}td,th{border:1px solid #ddd;padding:.3rem;
text-align:left;vertical-align:top}.op{border-top:1px solid #ccc;margin-top:1.5rem}
.m{color:#fff;padding:.1em .4em;border-radius:3px;font-size:13px}.get{background:#2b6cb0}
.post{background:#2f855a}.delete{background:#c53030}pre{background:#f7f7f7;padding:.5rem;
overflow:auto;font-size:12px}nav a{margin-right:.8rem}`;

/**
 * Renders the reference page of an OpenAPI document.
 *
 * @param specText the OpenAPI document (YAML or JSON)
 * @returns a complete HTML page
 */
export function renderDocs(specText: string): string {
  const spec = obj(parse(specText));
  const info = obj(spec.info);
  const ops: string[] = [];
  const nav: string[] = [];
  for (const [path, item] of Object.entries(obj(spec.paths))) {
    for (const method of METHODS) {
      const op = obj(obj(item)[method]);
      if (!Object.keys(op).length) continue;
      ops.push(operation(path, method, op));
      const id = escapeHtml(str(op.operationId) || `${method}-${path}`);
      nav.push(`<a href="#${id}">${method.toUpperCase()} ${escapeHtml(path)}</a>`);
    }
  }
  const schemas = Object.entries(obj(obj(spec.components).schemas)).map(([name, s]) =>
    `<details id="schema-${escapeHtml(name)}"><summary><code>${escapeHtml(name)}</code></summary>` +
    `<pre>${escapeHtml(JSON.stringify(s, null, 2))}</pre></details>`
  ).join("");
  const title = `${str(info.title)} ${str(info.version)}`;
  nav.push(`<a href="#reason-codes">Reason codes</a>`);
  return `<!doctype html><html lang="en"><head><meta charset="utf-8">` +
    `<meta name="viewport" content="width=device-width,initial-scale=1">` +
    `<title>${escapeHtml(title)} API</title><style>${STYLE}</style></head><body>` +
    `<h1>${escapeHtml(title)}</h1>${paragraph(info.description)}` +
    `<p>The contract: <a href="/openapi.yaml">openapi.yaml</a> (OpenAPI ${
      escapeHtml(str(spec.openapi))
    }).</p><nav>${nav.join("")}</nav>${
      ops.join("")
    }<h2>Schemas</h2>${schemas}${reasonCodes()}</body></html>\n`;
}

/** The closed vocabulary of reason codes, as on `docs/reason-codes.md`. */
function reasonCodes(): string {
  const rows = REASON_CODES.map((c) =>
    `<tr><td><code>${escapeHtml(c)}</code></td><td>${escapeHtml(REASONS[c].meaning)}</td>` +
    `<td>${escapeHtml(REASONS[c].rule)}</td><td>${escapeHtml(REASONS[c].source)}</td></tr>`
  ).join("");
  return `<h2 id="reason-codes">Reason codes</h2><table><tr><th>code</th><th>meaning</th>` +
    `<th>rule</th><th>source</th></tr>${rows}</table>`;
}
