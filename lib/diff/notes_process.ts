/**
 * Process notes compared: NT_SIGINFO and NT_PRPSINFO, with how GDB reached the process (run or
 * attach) deciding which producer rule explains them (spec §4.3 rows 25 and 27).
 *
 * @module
 */

import { signalName } from "../elf/signals.ts";
import { type GdbStart, psargsFit } from "./gdb_start.ts";
import { known, type NoteDiffs } from "./notes_diffs.ts";

/**
 * Compares the signal and process information of the two cores.
 *
 * @param d the comparison
 * @param start how GDB reached the process, when known
 */
export function diffProcess(d: NoteDiffs, start: GdbStart | undefined): void {
  const { a, b, cut, kvg, k, g } = d;
  // Signal information.
  const sa = a.siginfo?.signo, sb = b.siginfo?.signo;
  const gSig = g?.siginfo?.signo;
  const sigCut = (sa === undefined && cut.a) || (sb === undefined && cut.b);
  if (sa !== sb && !(sigCut && d.cutAway(sa === undefined ? "b" : "a"))) {
    d.add(
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
      d.add(
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
      d.add(
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
      d.add(
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
      d.add(
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
  } else if (!!pa !== !!pb && !d.cutAway(pa ? "a" : "b")) {
    d.add(`NT_PRPSINFO only in ${pa ? "A" : "B"}`, []);
  }
}
