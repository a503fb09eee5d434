/**
 * A second thread for hashing pages: whether to use one, and a page Worker (`page_worker.ts`)
 * started ahead, so it loads while this thread parses the cores, that then claims windows of their
 * data beside this thread.
 *
 * @module
 */

import type { PageHelper, PageWork } from "../lib/digest/page_share.ts";

/**
 * True when pages are hashed by two threads: `COREDELTA_SPLIT=always|never` if set, otherwise when
 * this machine has two CPUs or more, however busy. A helper that gets little CPU costs little,
 * since this thread claims every window it does not, and it gives the command a second thread's
 * share of a busy machine. Measured on 2 vCPUs, 1 GiB kernel core and gcore `diff`, with two
 * busy-loop processes: 0.66–0.78 s with the helper, 0.76–0.94 s without; with four: 1.04–1.12 s
 * against 1.45–1.48 s. (The load-average rule this replaces skipped the helper after any burst of
 * I/O, the load average counting tasks in disk wait: 0.45 s instead of 0.33 s.)
 */
export function twoThreads(): boolean {
  let force: string | undefined;
  try {
    // Only what is already permitted: never a permission prompt for this.
    if (
      Deno.permissions.querySync({ name: "env", variable: "COREDELTA_SPLIT" }).state === "granted"
    ) {
      force = Deno.env.get("COREDELTA_SPLIT");
    }
  } catch {
    force = undefined;
  }
  if (force === "always" || force === "never") return force === "always";
  return (navigator.hardwareConcurrency ?? 1) >= 2;
}

/** A page Worker, started and waiting for work. */
export interface PageWorker {
  /** Hands it the work of the cores whose descriptors are `fds` (in the work's order). */
  helper(fds: readonly number[], sizes: readonly number[]): PageHelper;
  /** Ends it (whether or not it is still loading or working). */
  stop(): void;
}

/**
 * Starts a page Worker at once: its isolate loads while this thread parses the cores and finds
 * their extents. Its helper resolves when the Worker stops claiming windows and rejects if it fails
 * or crashes (then this thread hashes what it left unfinished).
 */
export function startPageWorker(): PageWorker {
  const worker = new Worker(new URL("./page_worker.ts", import.meta.url), { type: "module" });
  let done: ((ok: boolean, message?: string) => void) | undefined;
  let crashed: string | undefined;
  worker.onmessage = (e: MessageEvent<{ ok: boolean; message?: string }>) => {
    done?.(e.data.ok, e.data.message);
  };
  worker.onerror = (e) => {
    e.preventDefault();
    crashed = e.message || "page worker crashed";
    done?.(false, crashed);
  };
  return {
    helper: (fds, sizes) => (work: PageWork) =>
      new Promise<void>((resolve, reject) => {
        if (crashed !== undefined) return reject(new Error(crashed));
        done = (ok, message) => (ok ? resolve() : reject(new Error(message ?? "page worker")));
        worker.postMessage({ fds, sizes, work });
      }),
    stop: () => worker.terminate(),
  };
}
