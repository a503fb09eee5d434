/**
 * Checks of the form before anything is sent, and the mapping of an API problem (RFC 9457) onto
 * the field it concerns. Pure, so it is unit-tested without a DOM.
 *
 * @module
 */

/** Form fields that can carry an error. */
export const FIELDS = ["a", "b", "smaps", "filter", "expect", "token"] as const;

/** A form field. */
export type Field = typeof FIELDS[number];

/** People's names of the fields. */
export const FIELD_LABELS: Readonly<Record<Field, string>> = {
  a: "Core A",
  b: "Core B",
  smaps: "smaps",
  filter: "coredump_filter",
  expect: "Expectation",
  token: "Bearer token",
};

/** What the user gave for one core. */
export interface CoreInput {
  /** The chosen file: name and size. */
  readonly file?: { readonly name: string; readonly size: number };
  /** A stored digest id typed instead. */
  readonly id: string;
}

/** What the user gave. */
export interface FormInput {
  /** Core A. */
  readonly a: CoreInput;
  /** Core B. */
  readonly b: CoreInput;
  /** The smaps file, if chosen. */
  readonly smaps?: { readonly name: string; readonly size: number };
}

/** One problem with one field. */
export interface FieldError {
  /** The field. */
  readonly field: Field;
  /** What is wrong, for people. */
  readonly message: string;
}

/**
 * Problems found before upload, in form order (the first is where focus goes).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const errs = validateForm({
 *   a: { id: "xyz" }, b: { id: "0".repeat(64) },
 * });
 * assert.deepEqual(errs.map((e) => e.field), ["a"]);
 * const empty = validateForm({ a: { file: { name: "core", size: 0 }, id: "" },
 *   b: { file: { name: "g", size: 9 }, id: "" } });
 * assert.match(empty[0]!.message, /empty/);
 * ```
 */
export function validateForm(input: FormInput): FieldError[] {
  const errors: FieldError[] = [];
  for (const f of ["a", "b"] as const) {
    const c = input[f];
    const id = c.id.trim().toLowerCase();
    if (c.file) {
      if (c.file.size === 0) {
        errors.push({
          field: f,
          message: `${c.file.name} is empty (0 bytes): choose a core file.`,
        });
      }
    } else if (!id) {
      errors.push({
        field: f,
        message: `Choose or drop a core for ${FIELD_LABELS[f]}, or give a stored digest id.`,
      });
    } else if (!/^[0-9a-f]{64}$/.test(id)) {
      errors.push({
        field: f,
        message: "A digest id is 64 hex digits (the id POST /v1/cores returned).",
      });
    }
  }
  if (!errors.length && !!input.a.file !== !!input.b.file) {
    errors.push({
      field: input.a.file ? "b" : "a",
      message: "Give both cores as files, or both as stored digest ids.",
    });
  }
  if (input.smaps && input.smaps.size === 0) {
    errors.push({ field: "smaps", message: `${input.smaps.name} is empty (0 bytes).` });
  }
  return errors;
}

/** A problem document mapped onto the form. */
export interface ProblemPlacement {
  /** The field it concerns, if any. */
  readonly field?: Field;
  /** The message: title and detail, with where (line, offset) unless the detail says it. */
  readonly message: string;
}

const isField = (v: unknown): v is Field =>
  typeof v === "string" && (FIELDS as readonly string[]).includes(v);

/**
 * Places an API problem: which field, and one message that names each location once.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const p = placeProblem(422, JSON.stringify({ title: "Malformed ELF core", part: "b",
 *   detail: "e_phoff at byte offset 0x20 points past the end", offset: 32 }));
 * assert.equal(p.field, "b");
 * assert.equal(p.message, "Malformed ELF core: e_phoff at byte offset 0x20 points past the end");
 * ```
 */
export function placeProblem(status: number, body: string): ProblemPlacement {
  let p: Record<string, unknown> = {};
  try {
    const parsed = JSON.parse(body);
    if (parsed && typeof parsed === "object") p = parsed;
  } catch {
    // not problem+json
  }
  const title = typeof p.title === "string" ? p.title : `HTTP ${status}`;
  const detail = typeof p.detail === "string" ? p.detail : body.slice(0, 300);
  const where: string[] = [];
  const says = (s: string) => detail.toLowerCase().includes(s.toLowerCase());
  if (typeof p.field === "string" && !isField(p.field) && !says(p.field)) {
    where.push(`field ${p.field}`);
  }
  if (typeof p.offset === "number") {
    const hex = `0x${p.offset.toString(16)}`;
    if (!says(hex) && !says(`offset ${p.offset}`)) where.push(`byte ${hex}`);
  }
  if (typeof p.line === "number" && !says(`line ${p.line}`)) where.push(`line ${p.line}`);
  const field = status === 401 ? "token" : [p.part, p.field].find(isField);
  const message = `${title}: ${detail}${where.length ? ` (${where.join(", ")})` : ""}`;
  return field ? { field, message } : { message };
}
