/**
 * One entry point for every report format. Each renderer is a pure function of the report model:
 * same report, same bytes (no clock, stable order).
 *
 * @module
 */

import type { DiffReport } from "../diff/model.ts";
import { renderDiffJunit } from "./diff_junit.ts";
import { renderDiffMarkdown } from "./diff_markdown.ts";
import { renderDiffText } from "./diff_text.ts";
import { renderDiffHtml } from "./diff_html.ts";
import { toJson } from "./json.ts";

/** Report formats. */
export type ReportFormat = "json" | "text" | "md" | "junit" | "html";

/** Every report format, in the order they are documented. */
export const REPORT_FORMATS: readonly ReportFormat[] = ["json", "text", "md", "junit", "html"];

/** MIME type of each format. */
export const REPORT_MEDIA_TYPES: Readonly<Record<ReportFormat, string>> = {
  json: "application/json",
  text: "text/plain; charset=utf-8",
  md: "text/markdown; charset=utf-8",
  junit: "application/xml",
  html: "text/html; charset=utf-8",
};

/** Renders `report` in `format`. */
export function renderReport(report: DiffReport, format: ReportFormat): string {
  switch (format) {
    case "json":
      return toJson(report);
    case "text":
      return renderDiffText(report);
    case "md":
      return renderDiffMarkdown(report);
    case "junit":
      return renderDiffJunit(report);
    case "html":
      return renderDiffHtml(report);
  }
}
