import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { sha256Hex } from "./sha256.ts";

Deno.test("sha256Hex equals node:crypto's SHA-256 at every length around block borders, in parts", () => {
  const bytes = new Uint8Array(300);
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 131 + 7) & 0xff;
  for (let n = 0; n <= bytes.length; n++) {
    const m = bytes.subarray(0, n);
    const want = createHash("sha256").update(m).digest("hex");
    assert.equal(sha256Hex([m]), want, `${n} bytes`);
    assert.equal(
      sha256Hex([m.subarray(0, n >> 1), m.subarray(n >> 1)]),
      want,
      `${n} bytes, 2 parts`,
    );
  }
  assert.equal(
    sha256Hex([]),
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
  );
});
