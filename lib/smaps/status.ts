/**
 * Recomputes the memory figures of `/proc/PID/status` (`fs/proc/task_mmu.c: task_mem`) from smaps,
 * and reads them back from a status text for comparison.
 *
 * The kernel keeps per-mm page counters updated by `mm/mmap.c: vm_stat_account` with the tests of
 * `mm/internal.h` (K≥4.5, K7.1 wording):
 * - `exec_vm`: `(flags & (VM_EXEC | VM_WRITE | VM_STACK)) == VM_EXEC` (`is_exec_mapping`);
 * - else `stack_vm`: `VM_STACK` (= `VM_GROWSDOWN`, `gd`, on x86) or `VM_SHADOW_STACK` (`ss`);
 * - else `data_vm`: `(flags & (VM_WRITE | VM_SHARED | VM_STACK)) == VM_WRITE` (private writable).
 *
 * Then `VmData = data_vm`, `VmStk = stack_vm`, `VmExe = min(PAGE_ALIGN(end_code) - start_code,
 * exec_vm)` and `VmLib = exec_vm - VmExe`. `start_code`/`end_code` come from the executable's
 * `PT_LOAD`s with `PF_X`; here they are approximated by the span of the executable's `r-x` mappings
 * (the executable is guessed by {@link guessExecutable}). `VmSize` is the sum of all VMA sizes except
 * the gate VMA `[vsyscall]`, which is not in the mm; special mappings (`[vdso]`, `[vvar]`) count.
 * `VmLck` sums mappings with `lo`; `VmSwap` sums `Swap`. `VmRSS` is only approximate: the kernel's
 * RSS counters are per-CPU and batched, and smaps `Rss` is read a moment apart.
 *
 * Without VmFlags (plain maps) `sh` is taken from the `s` permission and `gd` from `[stack]`.
 *
 * @module
 */

import { guessExecutable } from "./classify.ts";
import type { SmapsMapping } from "./parse.ts";
import { asTable, type SmapsTable } from "./table.ts";

/** Memory figures of `/proc/PID/status`, in bytes. */
export interface VmStatus {
  /** `VmSize`: total mapped (`total_vm`). */
  readonly VmSize: number;
  /** `VmLck`: mlocked (`locked_vm`). */
  readonly VmLck: number;
  /** `VmRSS`: resident (approximate when recomputed). */
  readonly VmRSS: number;
  /** `VmData`: private writable, not stack (`data_vm`). */
  readonly VmData: number;
  /** `VmStk`: stack (`stack_vm`). */
  readonly VmStk: number;
  /** `VmExe`: the executable's text. */
  readonly VmExe: number;
  /** `VmLib`: other executable mappings (`exec_vm - VmExe`). */
  readonly VmLib: number;
  /** `VmSwap`: swapped-out anonymous and shmem pages. */
  readonly VmSwap: number;
}

/**
 * Recomputes the `/proc/PID/status` memory figures from the mappings (see the module doc for the
 * rules and where they are approximate).
 *
 * @param mappings all mappings of one process, in address order (a table or plain mappings)
 * @returns the figures in bytes
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseSmaps } from "./parse.ts";
 * const { mappings } = parseSmaps(
 *   "00400000-00401000 r-xp 00000000 08:01 12 /bin/x\n" +
 *     "00600000-00602000 rw-p 00000000 00:00 0 [heap]\n",
 * );
 * const s = recomputeStatus(mappings);
 * assert.equal(s.VmExe, 4096);
 * assert.equal(s.VmData, 8192);
 * ```
 */
export function recomputeStatus(mappings: SmapsTable | readonly SmapsMapping[]): VmStatus {
  const t = asTable(mappings);
  const exe = guessExecutable(t);
  // Everything but the executable's code span depends on the body only: each distinct body is
  // weighed once, times the number of its mappings.
  const count = new Float64Array(t.bodies.length);
  for (let i = 0; i < t.length; i++) count[t.bodyIndex(i)]!++;
  let total = 0, locked = 0, rss = 0, data = 0, stack = 0, execVm = 0, swap = 0;
  let codeStart: bigint | undefined, codeEnd: bigint | undefined;
  const exeBodies = new Set<number>();
  t.bodies.forEach((m, b) => {
    const n = count[b]!;
    if (n === 0 || m.name === "[vsyscall]") return;
    const f = m.vmFlags;
    const growsDown = f ? f.has("gd") : m.name === "[stack]";
    const stackFlag = growsDown || (f?.has("ss") ?? false);
    const shared = f ? f.has("sh") : m.mayShare;
    total += n * m.size;
    rss += n * (m.fields.Rss ?? 0);
    swap += n * (m.fields.Swap ?? 0);
    if (f?.has("lo")) locked += n * m.size;
    if (m.exec && !m.write && !growsDown) {
      execVm += n * m.size;
      if (m.name === exe && exe !== undefined) exeBodies.add(b);
    } else if (stackFlag) stack += n * m.size;
    else if (m.write && !shared) data += n * m.size;
  });
  if (exeBodies.size > 0) {
    for (let i = 0; i < t.length; i++) {
      if (!exeBodies.has(t.bodyIndex(i))) continue;
      const start = t.start(i), end = t.end(i);
      if (codeStart === undefined || start < codeStart) codeStart = start;
      if (codeEnd === undefined || end > codeEnd) codeEnd = end;
    }
  }
  const text = codeStart === undefined || codeEnd === undefined ? 0 : Number(codeEnd - codeStart);
  const vmExe = Math.min(text, execVm);
  return {
    VmSize: total,
    VmLck: locked,
    VmRSS: rss,
    VmData: data,
    VmStk: stack,
    VmExe: vmExe,
    VmLib: execVm - vmExe,
    VmSwap: swap,
  };
}

/**
 * Reads the `Vm*` lines (`VmSize:    12160 kB`) of a `/proc/PID/status` text, in bytes. Lines that
 * are missing are left out; other lines are ignored.
 *
 * @param text the status text
 * @returns the figures present, by key
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.deepEqual(parseStatusVm("Name:\tx\nVmData:\t   9776 kB\n"), { VmData: 9776 * 1024 });
 * ```
 */
export function parseStatusVm(text: string): Partial<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const line of text.split("\n")) {
    const m = /^(Vm[A-Za-z]+):\s+(\d+) kB$/.exec(line);
    if (m) out[m[1]!] = Number(m[2]) * 1024;
  }
  return out;
}
