/**
 * Linux signal names (x86, arm, generic numbering), for reports.
 *
 * @module
 */

const NAMES: readonly string[] = [
  "0",
  "SIGHUP",
  "SIGINT",
  "SIGQUIT",
  "SIGILL",
  "SIGTRAP",
  "SIGABRT",
  "SIGBUS",
  "SIGFPE",
  "SIGKILL",
  "SIGUSR1",
  "SIGSEGV",
  "SIGUSR2",
  "SIGPIPE",
  "SIGALRM",
  "SIGTERM",
  "SIGSTKFLT",
  "SIGCHLD",
  "SIGCONT",
  "SIGSTOP",
  "SIGTSTP",
  "SIGTTIN",
  "SIGTTOU",
  "SIGURG",
  "SIGXCPU",
  "SIGXFSZ",
  "SIGVTALRM",
  "SIGPROF",
  "SIGWINCH",
  "SIGIO",
  "SIGPWR",
  "SIGSYS",
];

/** The name of signal `n` (`SIGSEGV`), `SIGRTMIN+k` for real-time signals, or the number. */
export function signalName(n: number): string {
  if (n === 0) return "none";
  if (n > 0 && n < NAMES.length) return NAMES[n]!;
  if (n >= 34 && n <= 64) return `SIGRTMIN+${n - 34}`;
  return String(n);
}
