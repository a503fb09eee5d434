/**
 * Runs the CLI in-process with captured output, for tests.
 *
 * @module
 */

/** Captured stdout/stderr and the `CommandIO` that fills them. */
export function capture(): {
  out: { stdout: string; stderr: string };
  io: { stdout(t: string): void; stderr(t: string): void };
} {
  const out = { stdout: "", stderr: "" };
  return {
    out,
    io: {
      stdout: (t: string) => void (out.stdout += t),
      stderr: (t: string) => void (out.stderr += t),
    },
  };
}
