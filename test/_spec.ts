/**
 * Test helper: keeps the app honest against `openapi.yaml`. Every response a route test gets goes
 * through {@link checkResponse}, which finds the documented operation, status and content type and
 * validates JSON bodies with Ajv (JSON Schema 2020-12) on the dereferenced spec.
 *
 * @module
 */

// deno-lint-ignore no-import-prefix
import SwaggerParser from "npm:@apidevtools/swagger-parser@13.1.0";
// deno-lint-ignore no-import-prefix
import Ajv2020Module from "npm:ajv@8.20.0/dist/2020.js";
// deno-lint-ignore no-import-prefix
import addFormatsModule from "npm:ajv-formats@3.0.1";
import { parse } from "yaml";
import type { Hono } from "hono";
import type { AppEnv } from "../api/deps.ts";

type Obj = Record<string, unknown>;

/** The raw spec text and object. */
export const SPEC_TEXT: string = await Deno.readTextFile(
  new URL("../openapi.yaml", import.meta.url),
);

/** The spec as parsed (with `$ref`s). */
export const SPEC: Obj = parse(SPEC_TEXT);

/** The spec with every `$ref` resolved. */
export const DEREF: Obj = await SwaggerParser.dereference(structuredClone(SPEC) as never) as Obj;

// deno-lint-ignore no-explicit-any
const Ajv2020 = ((Ajv2020Module as any).default ?? Ajv2020Module) as any;
// deno-lint-ignore no-explicit-any
const addFormats = ((addFormatsModule as any).default ?? addFormatsModule) as any;
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
const compiled = new Map<unknown, (v: unknown) => boolean>();

/** The spec path template matching a concrete path (`/v1/cores/abc` → `/v1/cores/{id}`). */
export function templateOf(path: string): string | undefined {
  for (const t of Object.keys(DEREF.paths as Obj)) {
    const re = new RegExp(`^${t.replace(/[.]/g, "\\.").replace(/\{[^}]+\}/g, "[^/]+")}$`);
    if (re.test(path)) return t;
  }
  return undefined;
}

/**
 * Throws unless the response is documented for the request and its JSON body matches the schema.
 *
 * @param method HTTP method
 * @param url request URL (path and query)
 * @param status response status
 * @param contentType response Content-Type
 * @param body response body text
 */
export function checkResponse(
  method: string,
  url: string,
  status: number,
  contentType: string | null,
  body: string,
): void {
  const path = new URL(url, "http://x").pathname;
  const template = templateOf(path);
  const where = `${method} ${path} → ${status}`;
  // Unknown routes answer 404 problems; their shape is the shared Problem schema.
  const op = template ? (DEREF.paths as Obj)[template] as Obj : undefined;
  const operation = op?.[method.toLowerCase()] as Obj | undefined;
  let response: Obj | undefined;
  if (operation) {
    response = (operation.responses as Obj)[String(status)] as Obj | undefined;
    if (!response) throw new Error(`${where}: status not documented`);
  } else {
    if (status !== 404) throw new Error(`${where}: no such operation in openapi.yaml`);
    response = (DEREF.components as Obj).responses as Obj;
    response = response.NotFound as Obj;
  }
  const mt = (contentType ?? "").split(";")[0]!.trim();
  const content = (response.content ?? {}) as Obj;
  const media = content[mt] as Obj | undefined;
  if (!media) {
    throw new Error(`${where}: content type ${mt} not documented (${Object.keys(content)})`);
  }
  if (!/json$/.test(mt)) return;
  let validate = compiled.get(media.schema);
  if (!validate) {
    validate = ajv.compile(media.schema as Obj) as (v: unknown) => boolean;
    compiled.set(media.schema, validate);
  }
  if (!validate(JSON.parse(body))) {
    // deno-lint-ignore no-explicit-any
    const errors = (validate as any).errors;
    throw new Error(`${where}: body does not match the schema: ${JSON.stringify(errors)}`);
  }
}

/** A response with its body read. */
export interface Checked {
  /** The response (body consumed). */
  readonly res: Response;
  /** The body text. */
  readonly text: string;
  /** The parsed body (JSON types only). */
  // deno-lint-ignore no-explicit-any
  readonly json: any;
}

/**
 * Sends a request to the app in-process and checks the response against the spec.
 *
 * @param app the app
 * @param url path and query
 * @param init request init
 * @returns the checked response
 */
export async function call(
  app: Hono<AppEnv>,
  url: string,
  init: RequestInit = {},
): Promise<Checked> {
  const res = await app.request(url, init);
  return await checked(init.method ?? "GET", url, res);
}

/**
 * Reads and checks a response from any client (fetch against a real server).
 *
 * @param method the request method
 * @param url the request URL
 * @param res the response
 * @returns the checked response
 */
export async function checked(method: string, url: string, res: Response): Promise<Checked> {
  const text = await res.text();
  const ct = res.headers.get("content-type");
  checkResponse(method, url, res.status, ct, text);
  return { res, text, json: /json/.test(ct ?? "") ? JSON.parse(text) : undefined };
}
