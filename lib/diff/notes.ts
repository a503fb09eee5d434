/**
 * Differences between the notes of two cores: threads (by tid), registers, signals, process info,
 * note types, auxv and NT_FILE — each with the known producer difference that explains it
 * (spec §4.3 rows 24–31).
 *
 * @module
 */

import type { CoreFile } from "../elf/core.ts";
import { signalName } from "../elf/signals.ts";
import { noteAbi, noteKey, noteOnlyRule } from "./abi_notes.ts";
import type { Roles } from "./explain.ts";
import { gdbStart, psargsFit } from "./gdb_start.ts";
import type { Difference, Expectation, Reason } from "./model.ts";
import type { ReasonCode } from "./reasons.ts";

/** Default size cap of the kernel's NT_FILE (`core_file_note_size_limit`, MAX_FILE_NOTE_SIZE). */
const NT_FILE_CAP = 4 * 1024 * 1024;

const known = (code: ReasonCode, text: string): Reason => ({ code, text, certainty: "known" });
const inferred = (code: ReasonCode, text: string): Reason => ({
  code,
  text,
  certainty: "inferred",
});

/** Whether each core's notes are cut by the end of its file (a truncated core). */
export interface NotesCut {
  readonly a: boolean;
  readonly b: boolean;
}

/**
 * Compares the notes of `a` and `b`. What the cut of a truncated core removed (threads, notes, auxv,
 * NT_FILE entries of the other core) is not compared; one difference says so.
 */
export function diffNotes(
  a: CoreFile,
  b: CoreFile,
  expectation: Expectation,
  roles: Roles,
  cut: NotesCut = { a: false, b: false },
): Difference[] {
  const out: Difference[] = [];
  const kvg = expectation === "kernel-vs-gdb" && roles.kernel !== undefined;
  const add = (text: string, reasons: Reason[], expected = true) => {
    const unexplained = reasons.length === 0;
    out.push({
      kind: "note",
      text,
      reasons,
      expected: expected && !unexplained && expectation === "kernel-vs-gdb",
      unexplained,
    });
  };
  // Something only in X is skipped when the other core's notes are cut (the cut removed it there).
  const skipped = { a: 0, b: 0 };
  const cutAway = (onlyIn: "a" | "b") => {
    if (!cut[onlyIn === "a" ? "b" : "a"]) return false;
    skipped[onlyIn]++;
    return true;
  };
  const side = (s: "a" | "b") => (s === "a" ? a : b);
  const k = roles.kernel ? side(roles.kernel) : undefined;
  const g = roles.gdb ? side(roles.gdb) : undefined;

  // Threads.
  const ta = new Map(a.threads.map((t) => [t.tid, t]));
  const tb = new Map(b.threads.map((t) => [t.tid, t]));
  for (const [tid] of ta) if (!tb.has(tid) && !cutAway("a")) add(`thread ${tid} only in A`, []);
  for (const [tid] of tb) if (!ta.has(tid) && !cutAway("b")) add(`thread ${tid} only in B`, []);
  for (const [tid, x] of ta) {
    const y = tb.get(tid);
    if (!y) continue;
    const regs = Object.keys(x.status.registers).filter((r) =>
      x.status.registers[r] !== y.status.registers[r]
    );
    if (regs.length > 0) {
      add(
        `thread ${tid}: registers differ (${regs.slice(0, 8).join(", ")}${
          regs.length > 8 ? ", …" : ""
        })`,
        kvg
          ? [
            inferred(
              "timing.registers",
              "the two dumps were taken at different moments (gcore before the crash)",
            ),
          ]
          : [],
      );
    }
    if (x.status.cursig !== y.status.cursig) {
      add(
        `thread ${tid}: pr_cursig ${signalName(x.status.cursig)} in A, ${
          signalName(y.status.cursig)
        } in B`,
        kvg
          ? [
            known(
              "gdb.prstatus-minimal",
              "gcore fills pr_cursig with the stop signal of the signalled thread (0 after attach); the kernel with the fatal signal",
            ),
          ]
          : [],
      );
    }
  }
  if (a.threads[0] && b.threads[0] && a.threads[0].tid !== b.threads[0].tid) {
    add(
      `first thread ${a.threads[0].tid} in A, ${b.threads[0].tid} in B`,
      kvg
        ? [
          known(
            "layout.thread-order",
            "the kernel lists the dumping thread first; gcore the signalled or current thread",
          ),
        ]
        : [],
    );
  }

  // How GDB reached the process (run or attach), told from psargs and signals.
  const start = k && g ? gdbStart(k, g) : undefined;

  // Signal information.
  const sa = a.siginfo?.signo, sb = b.siginfo?.signo;
  const gSig = g?.siginfo?.signo;
  const sigCut = (sa === undefined && cut.a) || (sb === undefined && cut.b);
  if (sa !== sb && !(sigCut && cutAway(sa === undefined ? "b" : "a"))) {
    add(
      `NT_SIGINFO signal ${signalName(sa ?? 0)} in A, ${signalName(sb ?? 0)} in B`,
      !kvg ? [] : start?.how !== "run" && (gSig === undefined || gSig === 0 || gSig === 19)
        ? [
          known(
            "gdb.attach-sigstop",
            "after attach, gcore records each thread's last stop (SIGSTOP, or none); the kernel records the fatal signal",
          ),
        ]
        : [
          known(
            "gdb.stop-signal",
            `gcore records the signal that last stopped the process under GDB (${
              signalName(gSig ?? 0)
            }${
              start?.how === "run" ? `; started under GDB: ${start.basis}` : ""
            }); the kernel the fatal signal`,
          ),
        ],
    );
  }

  // Process information.
  const pa = a.process, pb = b.process;
  if (pa && pb) {
    for (const f of ["pid", "ppid", "uid", "gid", "pgrp", "sid"] as const) {
      if (pa[f] === pb[f]) continue;
      add(
        `NT_PRPSINFO ${f} ${pa[f]} in A, ${pb[f]} in B`,
        f === "ppid" && kvg
          ? [
            known(
              "gdb.ppid-tgid",
              "the kernel writes the id of the parent thread that forked the process; gcore the parent's process id (/proc/PID/stat)",
            ),
          ]
          : [],
      );
    }
    if (pa.fname !== pb.fname) {
      add(
        `NT_PRPSINFO fname ${JSON.stringify(pa.fname)} in A, ${JSON.stringify(pb.fname)} in B`,
        kvg
          ? [
            known(
              "gdb.fname-basename",
              "gcore writes the basename of argv[0]; the kernel the leader's comm",
            ),
          ]
          : [],
      );
    }
    if (pa.psargs !== pb.psargs) {
      const how = start?.how ?? "unknown";
      const fits = k && g && psargsFit(k.process!.psargs, g.process!.psargs, how);
      add(
        `NT_PRPSINFO psargs differ${
          start && how !== "unknown"
            ? ` (GDB ${how === "run" ? "started the process" : "attached"}: ${start.basis})`
            : ""
        }`,
        !kvg || !fits ? [] : how === "attach"
          ? [
            known(
              "gdb.psargs-after-attach",
              "after attach, gcore writes argv[0] only (GDB has no inferior arguments); the kernel the real argv",
            ),
          ]
          : [
            known(
              "gdb.psargs-inferior-args",
              "started under GDB: gcore writes argv[0] plus GDB's inferior arguments as typed (shell quoting kept); the kernel the argument area with NULs as spaces, so a trailing space",
            ),
          ],
      );
    }
    if (pa.sname !== pb.sname) {
      add(
        `NT_PRPSINFO state ${pa.sname} in A, ${pb.sname} in B`,
        kvg
          ? [
            known(
              "timing.process-state",
              "gcore reads the state of a stopped process; the kernel of a dying one",
            ),
          ]
          : [],
      );
    }
  } else if (!!pa !== !!pb && !cutAway(pa ? "a" : "b")) {
    add(`NT_PRPSINFO only in ${pa ? "A" : "B"}`, []);
  }

  // Note types present in one core only, and per-thread note sizes.
  // Presence follows the regsets of the core's ABI (abi_notes.ts).
  const types = (c: CoreFile) => new Set(c.notes.map(noteKey));
  const na = types(a), nb = types(b);
  const abi = noteAbi(a);
  const gTypes = roles.gdb === "a" ? na : nb;
  for (const [x, y, label] of [[na, nb, "A"], [nb, na, "B"]] as const) {
    for (const t of x) {
      if (y.has(t) || cutAway(label === "A" ? "a" : "b")) continue;
      const inKernel = (label === "A") === (roles.kernel === "a");
      const rule = kvg ? noteOnlyRule(abi, t, inKernel, gTypes) : undefined;
      const reasons = rule !== undefined
        ? [known(inKernel ? "layout.kernel-only-note" : "layout.gdb-only-note", rule)]
        : kvg && t === "CORE/NT_FILE" && !inKernel && k && k.loads.length * 64 >= NT_FILE_CAP
        ? [
          known(
            "kernel.nt-file-size-cap",
            `the kernel drops NT_FILE when 64 bytes x ${k.loads.length} mappings reach its 4 MiB cap`,
          ),
        ]
        : [];
      add(`note ${t} only in ${label}`, reasons);
    }
  }
  if (k && g && !cut.a && !cut.b) {
    const size = (c: CoreFile) => c.notes.find((n) => n.typeName === "NT_X86_XSTATE")?.size;
    if (size(k) !== undefined && size(g) !== undefined && size(k) !== size(g)) {
      add(`NT_X86_XSTATE is ${size(k)} bytes in the kernel core, ${size(g)} in the gcore`, [
        known(
          "gdb.xsave-size",
          "GDB before 14 sizes XSAVE from XCR0 with the Intel layout, not from CPUID",
        ),
      ]);
    }
    const count = (c: CoreFile) => c.notes.filter((n) => n.typeName === "NT_SIGINFO").length;
    if (count(k) !== count(g)) {
      add(`NT_SIGINFO notes: ${count(k)} in the kernel core, ${count(g)} in the gcore`, [
        known(
          "gdb.siginfo-per-thread",
          "gcore writes one NT_SIGINFO per thread; the kernel one for the dumping thread",
        ),
      ]);
    }
  }

  // Auxiliary vector.
  const auxv = (c: CoreFile) => new Map((c.auxv ?? []).map((e) => [e.name, e.value]));
  const xa = auxv(a), xb = auxv(b);
  for (const [name, v] of xa) {
    if (xb.has(name) && xb.get(name) !== v) add(`auxv ${name} differs`, []);
    else if (!xb.has(name) && !cutAway("a")) add(`auxv ${name} only in A`, []);
  }
  for (const [name] of xb) if (!xa.has(name) && !cutAway("b")) add(`auxv ${name} only in B`, []);

  // NT_FILE.
  const files = (c: CoreFile) =>
    new Map((c.files?.entries ?? []).map((e) => [`${e.start}-${e.end}`, e]));
  const fa = files(a), fb = files(b);
  // A core without NT_FILE at all differs once (above), not once per entry.
  if (!a.files || !b.files) return out;
  for (const [key, e] of fa) {
    const o = fb.get(key);
    if (!o) {
      if (!cutAway("a")) add(`NT_FILE entry ${e.name} at 0x${e.start.toString(16)} only in A`, []);
      continue;
    }
    if (o.offset !== e.offset) add(`NT_FILE offset of ${e.name} differs`, []);
    if (o.name !== e.name) {
      const escaped = (s: string) => s.replaceAll("\n", "\\012");
      add(
        `NT_FILE name ${JSON.stringify(e.name)} in A, ${JSON.stringify(o.name)} in B`,
        kvg && escaped(e.name) === escaped(o.name)
          ? [
            known(
              "gdb.nt-file-escaped-name",
              "gcore copies names from smaps (\\012 escapes); the kernel writes raw bytes",
            ),
          ]
          : [],
      );
    }
  }
  for (const [key, e] of fb) {
    if (!fa.has(key) && !cutAway("b")) {
      add(`NT_FILE entry ${e.name} at 0x${e.start.toString(16)} only in B`, []);
    }
  }
  for (const [x, cutSide] of [["a", "B"], ["b", "A"]] as const) {
    if (skipped[x] === 0) continue;
    add(
      `${
        skipped[x]
      } note item(s) of ${x.toUpperCase()} (threads, note types, auxv and NT_FILE entries) lie beyond the cut of ${cutSide}'s notes: not compared`,
      [
        known(
          "layout.truncated",
          `${cutSide}'s file ends inside its notes (RLIMIT_CORE or a cut copy): what the cut removed cannot be compared`,
        ),
      ],
      false,
    );
  }
  return out;
}
