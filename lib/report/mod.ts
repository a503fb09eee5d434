/**
 * Rendering: every report format is a pure function of the report model (same report, same bytes).
 * Diff reports in text, JSON, Markdown, JUnit and HTML ({@link renderReport}); predictions in text
 * and JSON ({@link renderPrediction}); one core in text and JSON ({@link renderInspectText}).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseSmaps } from "../smaps/parse.ts";
 * import { predict } from "../policy/predict.ts";
 * const { mappings } = parseSmaps("00400000-00401000 r-xp 00000000 08:01 12 /bin/x\n");
 * const text = renderPrediction(predict(mappings, 0x33), "text");
 * assert.match(text, /\/bin\/x/);
 * assert.deepEqual(REPORT_FORMATS, ["json", "text", "md", "junit", "html"]);
 * ```
 *
 * @module
 */

export { escapeXml } from "./escape.ts";
export {
  INSPECT_SCHEMA_VERSION,
  inspectModel,
  renderInspectJson,
  renderInspectText,
} from "./inspect.ts";
export { jsonReplacer, toJson } from "./json.ts";
export { renderPrediction, renderPredictText } from "./predict.ts";
export { renderReport, REPORT_FORMATS, REPORT_MEDIA_TYPES, type ReportFormat } from "./render.ts";
