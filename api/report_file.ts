/**
 * A stored report as one file, written as a stream and read by position (issue: Scale,
 * requirement 4). Layout: a header line (JSON: verdict, what the history lists, where the sections
 * are), then the JSON rendering, then the report model (JSON with tagged bigints, from which the
 * other formats are rendered when asked for), then every aligned range, one per line
 * (`ranges_store.ts`), with the byte offset of every {@link INDEX_EVERY}th line in the header so a
 * page is read without the rest. Offsets count from the byte after the header line.
 *
 * While the diff runs, each range goes through a `RangeSink` (`range_sink.ts`): its line is
 * written to a temporary file at once and only ranges that differ are kept.
 * {@link writeReportFile} then streams the header, the JSON (in pieces, `jsonChunks`), the model
 * and the range lines into the file the store adopts. Nothing holds the full list or the full
 * JSON in memory.
 *
 * An older stored report is one JSON object `{schemaVersion, verdict, formats, ranges?}` on one
 * line; {@link readStoredReport} reads both.
 *
 * @module
 */

import type { DiffReport } from "../lib/diff/model.ts";
import { jsonChunks } from "../lib/report/json.ts";
import type { ReportFormat } from "../lib/report/render.ts";
import { INDEX_EVERY, type RangeSink, SyncWriter } from "./range_sink.ts";
import type { StoredObject } from "./storage.ts";

export { INDEX_EVERY };

/** The header line of a stored report. */
export interface ReportHeader {
  /** Layout version of the stored file (2; an older report has none). */
  readonly stored?: number;
  /** Report schema version. */
  readonly schemaVersion: number;
  /** `pass` or `fail`. */
  readonly verdict: "pass" | "fail";
  /** What the history lists (`listItem` reads it as it reads a report). */
  readonly item?: Record<string, unknown>;
  /** Renderings kept in the header (an older report keeps all of them here; v2 none). */
  readonly formats: Partial<Record<ReportFormat, string>>;
  /** Offset and length of the JSON rendering. */
  readonly json?: readonly [number, number];
  /** Offset and length of the report model (revivable JSON), for the other renderings. */
  readonly model?: readonly [number, number];
  /** The range lines: offset, length, count, and the offset of every INDEX_EVERY-th line. */
  readonly ranges?: {
    readonly offset: number;
    readonly length: number;
    readonly count: number;
    readonly index: readonly number[];
  };
  /** Older reports: every range line, joined by newlines. */
  readonly lines?: string;
}

/** `JSON.stringify` replacer that keeps bigints revivable (`{"$bigint": hex}`). */
function tagBigints(_key: string, v: unknown): unknown {
  if (typeof v !== "bigint") return v;
  return { $bigint: v < 0n ? `-${(-v).toString(16)}` : v.toString(16) };
}

/** `JSON.parse` reviver undoing {@link tagBigints}. */
function untagBigints(_key: string, v: unknown): unknown {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return v;
  const o = v as { $bigint?: unknown };
  if (typeof o.$bigint !== "string" || Object.keys(o).length !== 1) return v;
  const s = o.$bigint;
  return s.startsWith("-") ? -BigInt(`0x${s.slice(1)}`) : BigInt(`0x${s}`);
}

/**
 * The report model as revivable JSON text, in pieces (one per listed range), so other renderings
 * can be made from the stored report when they are asked for.
 */
function* modelChunks(report: DiffReport): Generator<string> {
  const marker = "\u0001coredelta-ranges\u0001";
  const outline = JSON.stringify({ ...report, ranges: marker }, tagBigints);
  const at = outline.indexOf(JSON.stringify(marker));
  yield outline.slice(0, at) + "[";
  for (let i = 0; i < report.ranges.length; i++) {
    yield (i ? "," : "") + JSON.stringify(report.ranges[i], tagBigints);
  }
  yield "]" + outline.slice(at + JSON.stringify(marker).length);
}

/**
 * The report model stored in a report file (v2), for renderings made on demand.
 *
 * @param r the open report
 * @returns the model, or undefined for an older report (which stores every rendering)
 */
export async function storedModel(r: OpenReport): Promise<DiffReport | undefined> {
  if (!r.header.model) return undefined;
  const [offset, length] = r.header.model;
  const text = new TextDecoder().decode(await r.object.read(r.body + offset, length));
  return JSON.parse(text, untagBigints) as DiffReport;
}

/** What the history needs of a report (the members `listItem` reads). */
function itemOf(report: DiffReport): Record<string, unknown> {
  const side = (s: DiffReport["a"]) => {
    const j = JSON.parse(JSON.stringify(s, (_k, v) => typeof v === "bigint" ? String(v) : v));
    return { label: j.label, producer: j.producer, process: j.process };
  };
  return {
    verdict: report.verdict,
    expectation: report.expectation,
    a: side(report.a),
    b: side(report.b),
    summary: report.summary,
  };
}

/**
 * Writes the stored report file: header, JSON rendering, range lines.
 *
 * @param path the file to create (private)
 * @param report the collapsed report
 * @param sink the finished sink with the range lines
 * @param rangesBytes what `sink.finish()` returned
 * @returns the header written
 */
export async function writeReportFile(
  path: string,
  report: DiffReport,
  sink: RangeSink,
  rangesBytes: number,
): Promise<ReportHeader> {
  using file = await Deno.open(path, { write: true, createNew: true, mode: 0o600 });
  // The JSON and the model first into their own temporary files, to know their lengths.
  const section = (suffix: string, pieces: Iterable<string>) => {
    using f = Deno.openSync(`${path}.${suffix}`, { write: true, createNew: true, mode: 0o600 });
    const w = new SyncWriter(f);
    for (const piece of pieces) w.write(piece);
    w.flush();
    return w.written;
  };
  const jsonBytes = section(
    "json",
    jsonChunks(report as unknown as Record<string, unknown>, "ranges"),
  );
  const modelBytes = section("model", modelChunks(report));
  const header: ReportHeader = {
    stored: 2,
    schemaVersion: report.schemaVersion,
    verdict: report.verdict,
    item: itemOf(report),
    formats: {},
    json: [0, jsonBytes],
    model: [jsonBytes, modelBytes],
    ranges: {
      offset: jsonBytes + modelBytes,
      length: rangesBytes,
      count: sink.count,
      index: sink.index,
    },
  };
  await writeAll(file, new TextEncoder().encode(JSON.stringify(header) + "\n"));
  for (const p of [`${path}.json`, `${path}.model`, sink.path]) {
    using src = await Deno.open(p);
    await src.readable.pipeTo(file.writable, { preventClose: true });
    await Deno.remove(p);
  }
  return header;
}

async function writeAll(file: Deno.FsFile, bytes: Uint8Array): Promise<void> {
  for (let at = 0; at < bytes.length;) at += await file.write(bytes.subarray(at));
}

/** A stored report opened for reading: its header and where the sections start. */
export interface OpenReport {
  /** The header line. */
  readonly header: ReportHeader;
  /** Offset of the byte after the header line. */
  readonly body: number;
  /** The stored bytes. */
  readonly object: StoredObject;
}

/**
 * Reads the header of a stored report (either layout).
 *
 * @param object the stored bytes
 * @returns the header and where the body starts
 */
export async function readStoredReport(object: StoredObject): Promise<OpenReport> {
  const parts: Uint8Array[] = [];
  let at = 0;
  for (let step = 64 * 1024; at < object.size; step *= 2) {
    const bytes = await object.read(at, Math.min(step, object.size - at));
    const nl = bytes.indexOf(10);
    if (nl >= 0) {
      parts.push(bytes.subarray(0, nl));
      at += nl + 1;
      break;
    }
    parts.push(bytes);
    at += bytes.length;
  }
  const line = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) line.set(p, (o += p.length) - p.length);
  const raw = JSON.parse(new TextDecoder().decode(line));
  if (raw.stored === undefined) {
    // The older layout: one object, every rendering inside, ranges as one string.
    return {
      header: {
        schemaVersion: raw.schemaVersion,
        verdict: raw.verdict,
        formats: raw.formats,
        ...(typeof raw.ranges === "string" ? { lines: raw.ranges } : {}),
      },
      body: at,
      object,
    };
  }
  return { header: raw as ReportHeader, body: at, object };
}

/**
 * The JSON the history lists a stored report by.
 *
 * @param h the header
 * @returns JSON text for `listItem`
 */
export function listSource(h: ReportHeader): string {
  return h.item ? JSON.stringify(h.item) : h.formats.json ?? "{}";
}

/**
 * Range lines `[from, from + limit)` of a stored report (older layout: from its string; otherwise
 * from the index and one read of the lines it spans).
 *
 * @param r the open report
 * @param from the first line
 * @param limit how many
 * @returns the stored lines and the total
 */
export async function rangeLines(
  r: OpenReport,
  from: number,
  limit: number,
): Promise<{ total: number; lines: string[] }> {
  const h = r.header;
  if (!h.ranges) {
    const all = h.lines !== undefined
      ? h.lines.split("\n")
      : (JSON.parse(h.formats.json ?? "{}").ranges as unknown[] ?? []).map((x) =>
        JSON.stringify(x)
      );
    return { total: all.length, lines: all.slice(from, from + limit) };
  }
  const { offset, length, count, index } = h.ranges;
  if (from >= count) return { total: count, lines: [] };
  const k = Math.floor(from / INDEX_EVERY);
  const endK = Math.floor((from + limit) / INDEX_EVERY) + 1;
  const start = index[k]!;
  const end = endK < index.length ? index[endK]! : length;
  const bytes = await r.object.read(r.body + offset + start, end - start);
  const text = new TextDecoder().decode(bytes).split("\n");
  const skip = from - k * INDEX_EVERY;
  return { total: count, lines: text.slice(skip, skip + Math.min(limit, count - from)) };
}
