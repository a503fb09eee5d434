/**
 * How GDB came to the process a gcore was taken of: started by GDB (`gdb -ex run`, `start`) or
 * attached (`gdb -p`, `gcore PID`), told from the cores themselves.
 *
 * - psargs: GDB's `linux_fill_prpsinfo` (gdb/linux-tdep.c) writes the first string of
 *   `/proc/PID/cmdline` (argv[0]) plus, when it has them, the inferior's arguments as GDB holds them
 *   (typed, with shell quoting); after attach GDB has none. The kernel's `fill_psinfo`
 *   (fs/binfmt_elf.c) copies at most 79 bytes of the argument area with each NUL turned into a space,
 *   so it ends in a space when the arguments fit.
 * - signal: after attach every thread's last stop is the attach SIGSTOP (`pr_cursig` 0); under `run`
 *   the gcore records the signal that stopped the process (a crash signal, SIGTRAP, SIGINT).
 *
 * @module
 */

import type { CoreFile } from "../elf/core.ts";
import { signalName } from "../elf/signals.ts";

/** How GDB reached the process, with the evidence. */
export interface GdbStart {
  /** `run` (started under GDB), `attach`, or `unknown`. */
  readonly how: "run" | "attach" | "unknown";
  /** The evidence, in a few words. */
  readonly basis: string;
}

const SIGSTOP = 19;

/** Undoes GDB's quoting of inferior arguments (backslash escapes, single and double quotes). */
function unquote(s: string): string {
  let out = "", quote = "";
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (quote) {
      if (c === quote) quote = "";
      else if (c === "\\" && quote === '"' && i + 1 < s.length) out += s[++i];
      else out += c;
    } else if (c === "'" || c === '"') quote = c;
    else if (c === "\\" && i + 1 < s.length) out += s[++i];
    else out += c;
  }
  return out;
}

/** Equal up to the shorter one (both producers cut psargs at about 80 bytes). */
function samePrefix(x: string, y: string): boolean {
  const n = Math.min(x.length, y.length);
  return n > 0 && x.slice(0, n) === y.slice(0, n);
}

/** The kernel's first word is GDB's argv[0] (or both are cut at the 79/80-byte limit). */
function isArgv0(kernel: string, gdb: string): boolean {
  const w = kernel.split(" ")[0] ?? "";
  return w === gdb || (Math.min(w.length, gdb.length) >= 79 && samePrefix(w, gdb));
}

/**
 * Tells run from attach for a kernel core and a gcore of one process.
 *
 * @param kernel the kernel core
 * @param gdb the gcore
 * @returns how GDB reached the process
 */
export function gdbStart(kernel: CoreFile, gdb: CoreFile): GdbStart {
  const kp = kernel.process?.psargs ?? "", gp = gdb.process?.psargs ?? "";
  const sig = gdb.siginfo?.signo;
  if (gp.length > 0 && isArgv0(kp, gp) && kp.trimEnd().includes(" ")) {
    return {
      how: "attach",
      basis: `gcore psargs hold argv[0] only${sig === SIGSTOP ? ", signal SIGSTOP" : ""}`,
    };
  }
  if (gp.includes(" ") && psargsFit(kp, gp, "run")) {
    return { how: "run", basis: "gcore psargs hold GDB's inferior arguments" };
  }
  if (sig === SIGSTOP && gdb.threads.every((t) => t.status.cursig === 0)) {
    return { how: "attach", basis: "every thread's last stop is the attach SIGSTOP" };
  }
  if (gp.length > 0 && kp.trimEnd() === gp && sig !== undefined && sig !== SIGSTOP) {
    // No arguments: psargs cannot tell; a stop by another signal means it ran under GDB.
    return {
      how: "run",
      basis: `no arguments; GDB's last stop was ${signalName(sig)}, not the attach SIGSTOP`,
    };
  }
  return { how: "unknown", basis: "psargs and signals fit neither run nor attach" };
}

/**
 * Whether two psargs differ only as the producers' rules make them differ, given how GDB reached
 * the process.
 *
 * @param kernel kernel core psargs
 * @param gdb gcore psargs
 * @param how run or attach
 * @returns true when the rule of `how` explains the difference
 */
export function psargsFit(kernel: string, gdb: string, how: GdbStart["how"]): boolean {
  if (how === "attach") return isArgv0(kernel, gdb);
  if (how === "run") {
    // GDB's copy covers every argument the kernel kept (or runs into the 80-byte cut itself).
    const g = unquote(gdb), k = kernel.trimEnd();
    return samePrefix(g, k) && (g.length >= k.length || gdb.length >= 79);
  }
  return false;
}
