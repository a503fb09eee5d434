/**
 * Sparse copies of cores for tests: every all-zero 4 KiB page left as a hole of the file.
 *
 * @module
 */

/** Writes `bytes` to `path`, leaving every all-zero 4 KiB page as a hole (seek, no write). */
export async function writeSparse(path: string, bytes: Uint8Array): Promise<void> {
  const file = await Deno.open(path, { write: true, createNew: true });
  try {
    for (let at = 0; at < bytes.length; at += 4096) {
      const page = bytes.subarray(at, at + 4096);
      if (page.length === 4096 && page.every((b) => b === 0)) continue;
      await file.seek(at, Deno.SeekMode.Start);
      for (let n = 0; n < page.length;) n += await file.write(page.subarray(n));
    }
    await file.truncate(bytes.length);
  } finally {
    file.close();
  }
}
