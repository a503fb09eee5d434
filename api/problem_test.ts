import assert from "node:assert/strict";
import { TooLargeError } from "../lib/bytes/streams.ts";
import { CoreFormatError, OptionError, SmapsSyntaxError } from "../lib/errors.ts";
import { chooseFormat } from "./negotiate.ts";
import { PartError, PROBLEM_BASE, ProblemError, toProblem } from "./problem.ts";

Deno.test("toProblem maps input errors with where they are wrong", () => {
  const elf = toProblem(new CoreFormatError(0x40, "e_phnum", "Too many", 5000)).problem;
  assert.deepEqual(
    { ...elf, detail: undefined },
    {
      type: `${PROBLEM_BASE}elf-format`,
      title: "Malformed ELF core",
      status: 422,
      detail: undefined,
      field: "e_phnum",
      offset: 0x40,
      value: "0x1388",
    },
  );
  const smaps = toProblem(new PartError("smaps", new SmapsSyntaxError(3, 9, "perms", "Bad")));
  assert.equal(smaps.problem.status, 422);
  assert.deepEqual([smaps.problem.line, smaps.problem.column, smaps.problem.part], [3, 9, "smaps"]);
  assert.equal(toProblem(new OptionError("filter", "Bad")).problem.status, 400);
  const big = toProblem(new TooLargeError("decompressed core", 10)).problem;
  assert.deepEqual([big.status, big.limit, big.what], [413, 10, "decompressed core"]);
});

Deno.test("toProblem hides unexpected errors behind a 500 that names no input", () => {
  const p = toProblem(new TypeError("secret /home/x/core path")).problem;
  assert.equal(p.status, 500);
  assert.doesNotMatch(p.detail, /secret/);
  const u = toProblem(new ProblemError("unauthorized", "no", {}, { "www-authenticate": "Bearer" }));
  assert.equal(u.headers["www-authenticate"], "Bearer");
});

Deno.test("chooseFormat: query wins, Accept with q-values, 406 when nothing fits", () => {
  const f = ["json", "text", "html"] as const;
  assert.equal(chooseFormat(f, undefined, undefined), "json");
  assert.equal(chooseFormat(f, undefined, "*/*"), "json");
  assert.equal(chooseFormat(f, undefined, "text/*"), "text");
  assert.equal(chooseFormat(f, undefined, "text/html;q=0.5, text/plain;q=0.9"), "text");
  assert.equal(chooseFormat(f, "html", "application/json"), "html");
  assert.throws(() => chooseFormat(f, "pdf", undefined), /format must be one of/);
  assert.throws(() => chooseFormat(f, undefined, "image/png, text/plain;q=0"), ProblemError);
});
