/**
 * Disk-full fault injection for the API tests: a small tmpfs as a data directory that really fills
 * up (where this process may mount one), and a storage whose writes fail with ENOSPC (everywhere).
 *
 * @module
 */

import type { ReportListItem, ReportQuery } from "../api/report_list.ts";
import type {
  Entry,
  Kind,
  LocalStorage,
  PutOptions,
  Storage,
  StoredObject,
} from "../api/storage.ts";
import { sleep } from "./_api_faults.ts";

/** An error shaped like the one Deno throws when the disk is full. */
export function noSpaceError(path: string): Error {
  return Object.assign(new Error(`No space left on device (os error 28): write '${path}'`), {
    code: "ENOSPC",
  });
}

/** A storage that fails every write with ENOSPC while {@link FullStorage.full} is set. */
export class FullStorage implements Storage {
  /** Whether writes fail. */
  full = false;
  /** Writes refused so far. */
  refused = 0;
  readonly #inner: LocalStorage;

  /** Wraps a real store. */
  constructor(inner: LocalStorage) {
    this.#inner = inner;
  }

  #check(what: string): void {
    if (!this.full) return;
    this.refused++;
    throw noSpaceError(`${this.#inner.root}/${what}`);
  }

  /** Stores, unless full. */
  put(kind: Kind, bytes: Uint8Array, options?: PutOptions): Promise<Entry> {
    try {
      this.#check(`tmp/put-${kind}`);
    } catch (e) {
      return Promise.reject(e);
    }
    return this.#inner.put(kind, bytes, options);
  }
  /** Stores a file, unless full. */
  putFile(kind: Kind, path: string): Promise<Entry> {
    try {
      this.#check(`tmp/put-${kind}`);
    } catch (e) {
      return Deno.remove(path).catch(() => {}).then(() => Promise.reject(e));
    }
    return this.#inner.putFile(kind, path);
  }
  /** Opens for reads by position. */
  open(kind: Kind, id: string): Promise<StoredObject | undefined> {
    return this.#inner.open(kind, id);
  }
  /** Reads. */
  get(kind: Kind, id: string): Promise<Uint8Array | undefined> {
    return this.#inner.get(kind, id);
  }
  /** Lists. */
  list(kind: Kind): Promise<Entry[]> {
    return this.#inner.list(kind);
  }
  /** Deletes. */
  delete(kind: Kind, id: string): Promise<boolean> {
    return this.#inner.delete(kind, id);
  }
  /** Adopts a raw core, unless full. */
  keepCore(id: string, tempPath: string): Promise<void> {
    try {
      this.#check(`cores/${id}`);
    } catch (e) {
      return Promise.reject(e);
    }
    return this.#inner.keepCore(id, tempPath);
  }
  /** Whether a raw core is kept. */
  hasCore(id: string): Promise<boolean> {
    return this.#inner.hasCore(id);
  }
  /** Streams a kept core. */
  readCore(id: string): Promise<ReadableStream<Uint8Array> | undefined> {
    return this.#inner.readCore(id);
  }
  /** The report history. */
  listReports(query: ReportQuery): Promise<{ items: ReportListItem[]; nextCursor?: string }> {
    return this.#inner.listReports(query);
  }
  /** Retention. */
  prune(kind: Kind, keep?: string): Promise<string[]> {
    return this.#inner.prune(kind, keep);
  }
  /** Reachable (a full disk is still reachable). */
  ping(): Promise<void> {
    return this.#inner.ping();
  }
  /** A request's temporary directory. */
  tempDir(): Promise<string> {
    return this.#inner.tempDir();
  }
  /** Removes temporary files. */
  close(): Promise<void> {
    return this.#inner.close();
  }
}

/** A tmpfs mounted for a test; {@link Tmpfs.unmount} is idempotent. */
export interface Tmpfs {
  /** The mount point (a fresh temporary directory). */
  readonly dir: string;
  /** Unmounts and removes the mount point. */
  unmount(): Promise<void>;
}

/**
 * Mounts a tmpfs of `bytes` on a fresh directory, or returns undefined where that is not allowed
 * (not root, no `mount`, a container without CAP_SYS_ADMIN).
 *
 * @param bytes the size of the file system
 * @returns the mount, or undefined
 */
export async function mountTmpfs(bytes: number): Promise<Tmpfs | undefined> {
  if (Deno.build.os !== "linux") return undefined;
  const dir = await Deno.makeTempDir({ prefix: "coredelta-tmpfs-" });
  const run = (cmd: string, args: string[]) =>
    new Deno.Command(cmd, { args, stdout: "null", stderr: "null" }).output().then(
      (o) => o.success,
      () => false,
    );
  if (!(await run("mount", ["-t", "tmpfs", "-o", `size=${bytes},mode=0700`, "tmpfs", dir]))) {
    await Deno.remove(dir).catch(() => {});
    return undefined;
  }
  let mounted = true;
  return {
    dir,
    async unmount() {
      if (mounted) {
        mounted = false;
        let done = false;
        for (let i = 0; i < 10 && !done; i++) {
          done = await run("umount", [dir]);
          if (!done) await sleep(100);
        }
        // Still busy (a file left open): detach it anyway, so no mount outlives the test.
        if (!done) await run("umount", ["-l", dir]);
      }
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
}

/**
 * Writes zeros to `path` until the file system is full (at most `max` bytes).
 *
 * @param path the filler file
 * @param max most bytes written
 * @returns bytes written
 */
export async function fillDisk(path: string, max = 64 * 1024 * 1024): Promise<number> {
  const f = await Deno.open(path, { write: true, create: true, truncate: true });
  const block = new Uint8Array(4096);
  let n = 0;
  try {
    while (n < max) n += await f.write(block);
  } catch (e) {
    if ((e as { code?: string }).code !== "ENOSPC") throw e;
  } finally {
    f.close();
  }
  return n;
}
