/**
 * The private address of the app behind the front: a Unix socket in a new 0700 directory, so no
 * other user can reach the app past the front. Directories left by a killed server are removed.
 *
 * @module
 */

const PREFIX = ".http-";
/** Longest socket path that fits `sockaddr_un` everywhere, with room to spare. */
const MAX_PATH = 100;

/** A private socket path and the directory holding it. */
export interface PrivateSocket {
  /** The socket's path. */
  readonly path: string;
  /** Removes the directory (after the server stopped). */
  remove(): Promise<void>;
}

/**
 * Makes a private directory for a Unix socket in `parent` (or the system temporary directory when
 * the path would be too long for a socket), after removing those no server listens on any more.
 *
 * @param parent the data directory
 * @returns the socket path to listen on
 */
export async function privateSocket(parent: string): Promise<PrivateSocket> {
  await Deno.mkdir(parent, { recursive: true });
  for await (const e of Deno.readDir(parent)) {
    if (!e.isDirectory || !e.name.startsWith(PREFIX)) continue;
    const dir = `${parent}/${e.name}`;
    const live = await Deno.connect({ transport: "unix", path: `${dir}/s` }).then((c) => {
      c.close();
      return true;
    }, () => false);
    if (!live) await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
  let dir = await Deno.makeTempDir({ dir: parent, prefix: PREFIX });
  if (dir.length + 2 > MAX_PATH) {
    await Deno.remove(dir);
    dir = await Deno.makeTempDir({ prefix: "coredelta-http-" });
  }
  return {
    path: `${dir}/s`,
    remove: () => Deno.remove(dir, { recursive: true }).catch(() => {}),
  };
}
