/**
 * A second thread for hashing pages: whether one is likely to find a CPU of its own, and a page
 * Worker (`page_worker.ts`) started ahead, so it loads while this thread parses the cores, that
 * then claims windows of their data beside this thread.
 *
 * @module
 */

import type { PageHelper, PageWork } from "../lib/digest/page_share.ts";

/**
 * True when a second thread is likely to find a CPU of its own: a 1-minute load average below
 * CPUs + 0.5 (a benchmark's own runs keep it near 1 on an otherwise idle machine; at 2.7 on 2 CPUs
 * two threads still measured faster, at 5.7 slower) and at most CPUs + 1 tasks runnable right now
 * (the running count of `/proc/loadavg`, this thread included: one more allows for a kernel thread
 * caught running, which on an idle machine happened in about 1 run of 20 and cost that run its
 * helper, 0.15 s of 0.37 s). A helper that gets no CPU costs little: this thread claims every
 * window it does not. `COREDELTA_SPLIT=always` or `never` overrides this (benchmarks measure both).
 */
export function spareCpu(): boolean {
  // Only what is already permitted: never a permission prompt for this.
  const granted = (d: Deno.PermissionDescriptor) => {
    try {
      return Deno.permissions.querySync(d).state === "granted";
    } catch {
      return false;
    }
  };
  const force = granted({ name: "env", variable: "COREDELTA_SPLIT" })
    ? Deno.env.get("COREDELTA_SPLIT")
    : undefined;
  if (force === "always" || force === "never") return force === "always";
  const cpus = navigator.hardwareConcurrency ?? 1;
  if (cpus < 2) return false;
  if (granted({ name: "read", path: "/proc/loadavg" })) {
    try {
      // "0.52 0.61 0.70 2/345 6789": the 1-minute average, then running (this thread too)/total.
      const [avg, , , running] = Deno.readTextFileSync("/proc/loadavg").split(" ");
      const now = Number(running?.split("/")[0]);
      if (Number.isFinite(now) && Number.isFinite(Number(avg))) {
        return now <= cpus + 1 && Number(avg) < cpus + 0.5;
      }
    } catch {
      // not Linux: below
    }
  }
  // Without the permission to read the load average, assume a CPU is spare.
  return !granted({ name: "sys", kind: "loadavg" }) || Deno.loadavg()[0]! < cpus - 1;
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
