/**
 * Where the kernel puts a core: `/proc/sys/kernel/core_pattern` read, classified (a file pattern, a
 * pipe to `systemd-coredump` or apport or another helper, a socket) and, for file patterns, turned
 * into a matcher for the path the kernel made, with the `%` specifiers of `format_corename()` in
 * fs/coredump.c: those known before the dump are filled in (`%p %P %u %g %s %e %E %f %h %c %d
 * %%`), the rest (`%t` time, `%i %I` thread, `%C` CPU) match any digits.
 *
 * @module
 */

/** How the kernel's cores leave the machine's kernel. */
export type CoreRoute =
  | { readonly kind: "file"; readonly pattern: string }
  | { readonly kind: "systemd"; readonly helper: string; readonly pattern: string }
  | { readonly kind: "apport"; readonly helper: string; readonly pattern: string }
  | { readonly kind: "pipe"; readonly helper: string; readonly pattern: string }
  | { readonly kind: "socket"; readonly pattern: string }
  | { readonly kind: "disabled"; readonly pattern: string };

/**
 * Classifies a `core_pattern`.
 *
 * @param pattern the text of `/proc/sys/kernel/core_pattern` (trailing newline ignored)
 * @returns the route
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(classifyPattern("core\n").kind, "file");
 * assert.equal(classifyPattern("|/usr/lib/systemd/systemd-coredump %P %u %g %s %t %c %h").kind, "systemd");
 * assert.equal(classifyPattern("|/usr/share/apport/apport -p%p -s%s -c%c").kind, "apport");
 * assert.equal(classifyPattern("|/usr/bin/false").kind, "pipe");
 * ```
 */
export function classifyPattern(pattern: string): CoreRoute {
  const p = pattern.replace(/\n$/, "");
  if (p.trim() === "") return { kind: "disabled", pattern: p };
  if (p.startsWith("@")) return { kind: "socket", pattern: p };
  if (p.startsWith("|")) {
    const helper = p.slice(1).trim().split(/\s+/)[0] ?? "";
    const base = helper.split("/").pop() ?? "";
    if (base === "systemd-coredump") return { kind: "systemd", helper, pattern: p };
    if (base === "apport" || base.startsWith("apport")) {
      return { kind: "apport", helper, pattern: p };
    }
    return { kind: "pipe", helper, pattern: p };
  }
  return { kind: "file", pattern: p };
}

/** What is known about the dumping process before it dumps. */
export interface DumpIdentity {
  /** PID in its namespace (`%p`) and in the initial one (`%P`); the same outside containers. */
  readonly pid: number;
  /** PID in the initial namespace, when different. */
  readonly pidInit?: number;
  /** Real UID (`%u`). */
  readonly uid: number;
  /** Real GID (`%g`). */
  readonly gid: number;
  /** Signal number (`%s`). */
  readonly signal: number;
  /** `comm` (`%e`), at most 15 bytes. */
  readonly comm: string;
  /** Executable path (`%E` with `/` as `!`, `%f` its last component). */
  readonly exe: string;
  /** Host name (`%h`). */
  readonly hostname: string;
  /** RLIMIT_CORE soft limit at dump time (`%c`), `unlimited` or bytes. */
  readonly coreLimit: string;
  /** Value of `kernel.core_uses_pid`. */
  readonly coreUsesPid: boolean;
}

const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
/** The kernel's `cn_esc_printf`: `/` becomes `!`; a name of `.` or `..` gets a `!` first. */
const kernelEscape = (s: string) => (s === "." || s === ".." ? `!${s}` : s).replaceAll("/", "!");

/**
 * Expands a file `core_pattern` into one regular expression per path component (the kernel's
 * `format_corename()`), plus whether the path is relative to the process's working directory.
 *
 * @param pattern a file pattern (not `|`)
 * @param id what is known of the dumping process
 * @returns components as anchored regular expressions, in order
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const id = { pid: 42, uid: 0, gid: 0, signal: 6, comm: "mapper", exe: "/tmp/x/mapper",
 *   hostname: "h", coreLimit: "unlimited", coreUsesPid: false };
 * const m = patternMatcher("/var/cores/core.%e.%p.%t", id);
 * assert.equal(m.relative, false);
 * assert.ok(m.components.at(-1)!.re.test("core.mapper.42.1764430000"));
 * assert.equal(patternMatcher("core", { ...id, coreUsesPid: true }).components[0]!.literal, "core.42");
 * ```
 */
export function patternMatcher(pattern: string, id: DumpIdentity): PatternMatcher {
  const limit = id.coreLimit === "unlimited" ? "18446744073709551615" : id.coreLimit;
  const known: Record<string, string> = {
    "%": "%",
    p: String(id.pid),
    P: String(id.pidInit ?? id.pid),
    u: String(id.uid),
    g: String(id.gid),
    s: String(id.signal),
    e: kernelEscape(id.comm.slice(0, 15)),
    E: id.exe.replaceAll("/", "!"),
    f: kernelEscape(id.exe.split("/").pop() ?? ""),
    h: kernelEscape(id.hostname),
    c: limit,
  };
  const parts: { source: string; literal: string | null }[] = [{ source: "", literal: "" }];
  const add = (source: string, literal: string | null) => {
    const cur = parts[parts.length - 1]!;
    cur.source += source;
    cur.literal = cur.literal === null || literal === null ? null : cur.literal + literal;
  };
  let hasPid = false;
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === "/") parts.push({ source: "", literal: "" });
    else if (ch !== "%") add(esc(ch), ch);
    else {
      const spec = pattern[++i];
      if (spec === undefined) break;
      if (spec === "p") hasPid = true;
      const value = known[spec];
      if (value !== undefined) add(esc(value), value);
      else if ("tiIdC".includes(spec)) add("\\d+", null);
      // Unknown specifiers expand to nothing.
    }
  }
  if (id.coreUsesPid && !hasPid) add(esc(`.${id.pid}`), `.${id.pid}`);
  return {
    relative: !pattern.startsWith("/"),
    components: parts.filter((p, i) => p.source !== "" || i === parts.length - 1).map((p) => ({
      re: new RegExp(`^${p.source}$`),
      literal: p.literal,
    })),
  };
}

/** A file pattern as path components, each a regular expression (and the text when fixed). */
export interface PatternMatcher {
  /** Whether the path starts at the process's working directory. */
  readonly relative: boolean;
  /** Path components in order. */
  readonly components: readonly { readonly re: RegExp; readonly literal: string | null }[];
}

/**
 * Files that match a pattern, walking the file system from `base` (the process's working directory
 * for relative patterns, `/` for absolute ones).
 *
 * @param matcher from {@link patternMatcher}
 * @param base the directory relative patterns start from
 * @returns matching regular files with their modification times, newest first
 */
export async function matchingFiles(
  matcher: PatternMatcher,
  base: string,
): Promise<{ path: string; mtime: number }[]> {
  let dirs = [matcher.relative ? base.replace(/\/$/, "") : ""];
  for (const { re, literal } of matcher.components) {
    const next: string[] = [];
    for (const dir of dirs) {
      if (literal !== null) {
        next.push(`${dir}/${literal}`);
        continue;
      }
      try {
        for await (const e of Deno.readDir(dir || "/")) {
          if (re.test(e.name)) next.push(`${dir}/${e.name}`);
        }
      } catch {
        // a directory that does not exist or cannot be read holds no core
      }
    }
    dirs = next;
  }
  const out: { path: string; mtime: number }[] = [];
  for (const path of dirs) {
    try {
      const st = await Deno.lstat(path);
      if (st.isFile) out.push({ path, mtime: st.mtime?.getTime() ?? 0 });
    } catch {
      // not there
    }
  }
  return out.sort((a, b) => b.mtime - a.mtime);
}
