import assert from "node:assert/strict";
import { renderDocs } from "./docs.ts";

Deno.test("/docs renders the Markdown of descriptions: no raw backticks in paragraphs", async () => {
  const html = renderDocs(await Deno.readTextFile(new URL("../openapi.yaml", import.meta.url)));
  const paragraphs = [...html.matchAll(/<p>(.*?)<\/p>/gs)].map((m) => m[1]!);
  assert.ok(paragraphs.some((p) => p.includes("<code>")), "inline code is rendered");
  assert.deepEqual(paragraphs.filter((p) => p.includes("`")), []);
});
