/**
 * Writing a command's output file without touching what is not ours: `-` is stdout; a device, pipe
 * or socket (`/dev/null`, a FIFO) is written straight, its mode untouched; an existing regular file
 * is replaced atomically and keeps its mode; a new file is created 0600 under a temporary name in
 * the same directory and renamed into place, so no reader ever sees half a report.
 *
 * @module
 */

/**
 * Writes `bytes` to `path`: bytes, or text in pieces (a report with every range listed is never one
 * string in memory; the pieces are written as they come, the file renamed into place at the end).
 *
 * @param path the output path, or `-` for stdout
 * @param bytes what to write
 * @param stdout how to write to stdout (default: the process's stdout)
 *
 * @example
 * ```ts ignore
 * await writeOutput("/dev/null", new TextEncoder().encode("report")); // /dev/null stays 0666
 * ```
 */
export async function writeOutput(
  path: string,
  bytes: Uint8Array | Iterable<string>,
  stdout: (b: Uint8Array) => void = (b) => void writeAllSync(Deno.stdout, b),
): Promise<void> {
  if (path === "-") return void pieces(bytes, stdout);
  let target = path;
  let existing: Deno.FileInfo | undefined;
  try {
    existing = await Deno.stat(path);
    target = await Deno.realPath(path); // a symlink: replace what it points to, keep the link
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  if (existing && !existing.isFile) {
    if (existing.isDirectory) throw new Deno.errors.IsADirectory(`${path} is a directory`);
    // A character device, FIFO or socket: write through it, never create, chmod or truncate.
    const f = await Deno.open(target, { write: true });
    try {
      pieces(bytes, (b) => writeAllSync(f, b));
    } finally {
      f.close();
    }
    return;
  }
  const slash = target.lastIndexOf("/");
  const dir = slash < 0 ? "." : slash === 0 ? "/" : target.slice(0, slash);
  const base = target.slice(slash + 1);
  const temp = `${dir}/.${base}.${crypto.randomUUID().slice(0, 8)}.tmp`;
  const mode = existing?.mode != null ? existing.mode & 0o7777 : 0o600;
  const f = await Deno.open(temp, { write: true, createNew: true, mode: 0o600 });
  try {
    pieces(bytes, (b) => writeAllSync(f, b));
    // The temp file is ours: give it the mode the replaced file had (0600 for a new one).
    if (mode !== 0o600) await Deno.chmod(temp, mode);
    f.close();
    await Deno.rename(temp, target);
  } catch (e) {
    try {
      f.close();
    } catch { /* closed */ }
    await Deno.remove(temp).catch(() => {});
    throw e;
  }
}

/** Hands `data` to `write` as bytes: at once, or one encoded piece at a time. */
function pieces(data: Uint8Array | Iterable<string>, write: (b: Uint8Array) => void): void {
  if (data instanceof Uint8Array) return write(data);
  const enc = new TextEncoder();
  for (const piece of data) write(enc.encode(piece));
}

/** Writes all of `bytes` to a synchronous writer. */
function writeAllSync(w: { writeSync(p: Uint8Array): number }, bytes: Uint8Array): void {
  let at = 0;
  while (at < bytes.length) at += w.writeSync(bytes.subarray(at));
}
