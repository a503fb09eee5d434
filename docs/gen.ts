/**
 * Writes the generated documentation: `docs/reason-codes.md` from the reason-code vocabulary
 * (`deno task docs`; a test fails while the file and the code disagree).
 *
 * @module
 */

import { renderReasonCodes } from "../lib/diff/reasons.ts";

if (import.meta.main) {
  await Deno.writeTextFile(new URL("./reason-codes.md", import.meta.url), renderReasonCodes());
}
