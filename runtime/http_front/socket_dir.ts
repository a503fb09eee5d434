/**
 * The private address of the app behind the front. First choice: a Unix socket at a fixed path,
 * `<data>/.http/s`, in a directory only this user can enter (so no other user reaches the app past
 * the front; the fixed path is what a scoped `--allow-net=unix:<data>/.http/s` grants). When that
 * is not allowed, too long for a socket, or held by another live server: a loopback TCP port.
 *
 * @module
 */

/** Longest socket path that fits `sockaddr_un` everywhere, with room to spare. */
const MAX_PATH = 100;

/** The app's server on its private address. */
export interface PrivateServer {
  /** The app's `Deno.serve` server. */
  readonly server: Deno.HttpServer;
  /** Where it listens. */
  readonly address: { readonly path: string } | { readonly port: number };
  /** Removes the socket (after the server stopped). */
  remove(): Promise<void>;
}

/** Whether a server answers on the Unix socket at `path`. */
async function live(path: string): Promise<boolean> {
  try {
    (await Deno.connect({ transport: "unix", path })).close();
    return true;
  } catch {
    return false;
  }
}

/** Listens on `<dataDir>/.http/s`, or returns undefined when that cannot be used. */
async function serveUnix(
  dataDir: string,
  handler: Deno.ServeHandler<Deno.UnixAddr>,
): Promise<PrivateServer | undefined> {
  const dir = `${dataDir.replace(/\/+$/, "")}/.http`, path = `${dir}/s`;
  if (path.length > MAX_PATH) return undefined;
  try {
    await Deno.mkdir(dir, { recursive: true, mode: 0o700 });
    if ((await Deno.stat(dir)).mode! & 0o077) return undefined; // not private: not ours to chmod
    if (await live(path)) return undefined;
    await Deno.remove(path).catch(() => {});
    const listening = Promise.withResolvers<void>();
    const server = Deno.serve({ path, onListen: () => listening.resolve() }, handler);
    await listening.promise;
    return {
      server,
      address: { path },
      remove: () => Deno.remove(path).catch(() => {}),
    };
  } catch (e) {
    if (e instanceof Deno.errors.NotCapable || e instanceof Deno.errors.PermissionDenied) {
      return undefined;
    }
    throw e;
  }
}

/**
 * Serves `handler` on a private address: a Unix socket in the data directory, else a loopback port.
 *
 * @param dataDir the data directory
 * @param handler the app
 * @returns the server and how to reach it
 */
export async function servePrivately(
  dataDir: string,
  handler: (req: Request, info: Deno.ServeHandlerInfo<Deno.Addr>) => Response | Promise<Response>,
): Promise<PrivateServer> {
  const unix = await serveUnix(dataDir, handler);
  if (unix) return unix;
  const listening = Promise.withResolvers<number>();
  const server = Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    onListen: ({ port }) => listening.resolve(port),
  }, handler);
  const port = await listening.promise;
  return {
    server,
    address: { port },
    remove: () => Promise.resolve(),
  };
}
