/**
 * The stored form of a digest when the core itself is not kept: only what the diff needs. The
 * skeleton shrinks to the bytes the parser reads (header, program and section header tables,
 * notes); register contents in the notes (`pr_reg` of every `NT_PRSTATUS`, and every per-thread
 * register set: `NT_PRFPREG`, `NT_X86_XSTATE`, `NT_ARM_*`, ...) are replaced by zeros, and one
 * SHA-256-based hash per thread and register set is kept instead; bytes after the end the headers
 * describe are dropped, only their length and hash kept. A decoded minimal digest shows each
 * thread's registers as `{ NT_PRSTATUS: hash, NT_PRFPREG: hash, ... }`, so diffs still say which
 * register sets of which thread differ, never a value.
 *
 * @module
 */

import { sha256Hex } from "../bytes/sha256.ts";
import { prStatusAbi, prStatusOffsets } from "../elf/abi.ts";
import type { CoreFile, Thread } from "../elf/core.ts";
import { parseCore } from "../elf/core.ts";
import {
  NT_AUXV,
  NT_FILE,
  NT_PRPSINFO,
  NT_PRSTATUS,
  NT_SIGINFO,
  PT_NOTE,
} from "../elf/constants.ts";
import { parseNotes } from "../elf/note.ts";
import type { CoreDigest, DigestMeta } from "./model.ts";
import { recording } from "./positional.ts";
import { readStored, sparseSource, type StoredRange } from "./sparse.ts";

/** One thread's register set, as a hash. */
export interface RegisterHash {
  /** Index of the thread in note order. */
  readonly thread: number;
  /** Its id. */
  readonly tid: number;
  /** The note: `NT_PRSTATUS` (its `pr_reg`) or the register set's type name. */
  readonly regset: string;
  /** First 16 hex digits of the SHA-256 of the register bytes. */
  readonly hash: string;
}

/** What a minimal digest keeps instead of register and trailing bytes (in `meta.minimal`). */
export interface MinimalInfo {
  /** Register hashes per thread and register set. */
  readonly registers: RegisterHash[];
  /** Bytes after the end the headers describe: how many, and a hash of those that were seen. */
  readonly trailing?: { readonly offset: number; readonly length: number; readonly hash: string };
}

const hash16 = (bytes: Uint8Array) => sha256Hex([bytes]).slice(0, 16);

/** The stored bytes of a skeleton, for synchronous reads (undefined when not all are stored). */
function rangeReader(ranges: readonly StoredRange[]) {
  const sorted = [...ranges].sort((a, b) => a.offset - b.offset);
  return (offset: number, length: number): Uint8Array | undefined => {
    const bytes = readStored(sorted, offset, length);
    return bytes.length === length ? bytes : undefined;
  };
}

/** A register area in the file: where, whose, which set. */
interface Area {
  readonly offset: number;
  readonly length: number;
  readonly thread: number;
  readonly tid: number;
  readonly regset: string;
}

/**
 * Where the register contents lie in a core's notes, threads assigned as `decodeNotes` does.
 *
 * @param core the parsed core
 * @param read the stored bytes
 * @returns the areas, in note order
 */
function registerAreas(
  core: CoreFile,
  read: (offset: number, length: number) => Uint8Array | undefined,
): Area[] {
  const out: Area[] = [];
  const h = core.header;
  const at = prStatusOffsets(prStatusAbi(h.machine, h.bits, h.flags));
  let thread = -1;
  for (const seg of core.segments) {
    if (seg.type !== PT_NOTE || seg.available === 0n) continue;
    const bytes = read(Number(seg.offset), Number(seg.available));
    if (!bytes) continue;
    const list = parseNotes(bytes, Number(seg.filesz), Number(seg.offset), h.byteOrder, seg.align);
    for (const n of list.notes) {
      const linux = n.owner === "CORE" || n.owner === "LINUX";
      if (!linux) continue;
      if (n.owner === "CORE" && n.type === NT_PRSTATUS) {
        thread++;
        const t = core.threads[thread];
        if (!t) continue;
        out.push({
          offset: n.descOffset + at.reg,
          length: t.status.registerBytes,
          thread,
          tid: t.tid,
          regset: "NT_PRSTATUS",
        });
      } else if (
        thread >= 0 && n.type !== 0x205 &&
        !(n.owner === "CORE" && [NT_PRPSINFO, NT_AUXV, NT_FILE, NT_SIGINFO].includes(n.type))
      ) {
        out.push({
          offset: n.descOffset,
          length: n.desc.length,
          thread,
          tid: core.threads[thread]?.tid ?? 0,
          regset: n.typeName,
        });
      }
    }
  }
  return out;
}

/** The end of the core as its headers describe it (tables, notes, every segment's file range). */
function describedEnd(core: CoreFile): number {
  const h = core.header;
  let end = Math.max(h.phoff + h.phnum * h.phentsize, h.shoff + h.shnum * h.shentsize);
  for (const s of core.segments) end = Math.max(end, Number(s.offset + s.filesz));
  for (const s of core.sections) end = Math.max(end, Number(s.offset + s.size));
  return end;
}

/** Registers of each thread as register-set hashes. */
function hashedThreads(threads: readonly Thread[], registers: readonly RegisterHash[]): Thread[] {
  return threads.map((t, i) => {
    const regs: Record<string, bigint> = {};
    for (const r of registers) if (r.thread === i) regs[r.regset] = BigInt(`0x${r.hash}`);
    return { ...t, status: { ...t.status, registers: regs } };
  });
}

/** Merges overlapping and adjacent ranges. */
function merged(ranges: StoredRange[]): StoredRange[] {
  const sorted = [...ranges].sort((a, b) => a.offset - b.offset);
  const out: StoredRange[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && r.offset <= last.offset + last.bytes.length) {
      const end = Math.max(last.offset + last.bytes.length, r.offset + r.bytes.length);
      const bytes = new Uint8Array(end - last.offset);
      bytes.set(last.bytes);
      bytes.set(r.bytes, r.offset - last.offset);
      out[out.length - 1] = { offset: last.offset, bytes };
    } else out.push({ offset: r.offset, bytes: r.bytes.slice() });
  }
  return out;
}

/**
 * Register-set hashes of a digest's threads (from `meta.minimal` when it is minimal, else computed
 * from its notes): what {@link minimalDigest} keeps.
 *
 * @param d a digest
 * @returns one hash per thread and register set
 */
export function registerHashes(d: CoreDigest): RegisterHash[] {
  const stored = (d.meta as DigestMeta & { minimal?: MinimalInfo }).minimal;
  if (stored) return stored.registers;
  const read = rangeReader(d.skeleton);
  return registerAreas(d.core, read).flatMap((a) => {
    const bytes = read(a.offset, a.length);
    return bytes ? [{ thread: a.thread, tid: a.tid, regset: a.regset, hash: hash16(bytes) }] : [];
  });
}

/** Whether a digest is in minimal form. */
export function isMinimal(d: CoreDigest): boolean {
  return (d.meta as DigestMeta & { minimal?: MinimalInfo }).minimal !== undefined;
}

/**
 * The same digest with registers shown as register-set hashes (as a minimal digest decodes), so
 * a full and a minimal digest compare alike.
 *
 * @param d a digest
 * @returns the digest with hashed registers (the same object when it is minimal already)
 */
export function withHashedRegisters(d: CoreDigest): CoreDigest {
  if (isMinimal(d)) return d;
  const core = { ...d.core, threads: hashedThreads(d.core.threads, registerHashes(d)) };
  return { ...d, core };
}

/**
 * Applies a minimal digest's register hashes to a freshly parsed core (used when decoding).
 *
 * @param core the core parsed from a minimal skeleton
 * @param meta the digest's metadata
 * @returns the core with hashed registers
 */
export function applyMinimal(core: CoreFile, meta: DigestMeta): CoreFile {
  const info = (meta as DigestMeta & { minimal?: MinimalInfo }).minimal;
  return info ? { ...core, threads: hashedThreads(core.threads, info.registers) } : core;
}

/**
 * The minimal form of a digest, for storage when the raw core is not kept.
 *
 * @param d a digest (full or minimal)
 * @returns the minimal digest
 *
 * @example
 * ```ts ignore
 * await storage.put("digest", encodeDigest(await minimalDigest(digest)));
 * ```
 */
export async function minimalDigest(d: CoreDigest): Promise<CoreDigest> {
  if (isMinimal(d)) return d;
  const rec = recording(sparseSource(d.skeleton, d.size));
  await parseCore(rec.src);
  const skeleton = merged(rec.ranges);
  const read = rangeReader(d.skeleton);
  const registers = registerHashes(d);
  // Zero every register area in the kept bytes.
  for (const a of registerAreas(d.core, read)) {
    for (const r of skeleton) {
      const from = Math.max(a.offset, r.offset);
      const to = Math.min(a.offset + a.length, r.offset + r.bytes.length);
      if (from < to) r.bytes.fill(0, from - r.offset, to - r.offset);
    }
  }
  const end = describedEnd(d.core);
  let trailing: MinimalInfo["trailing"];
  if (d.size > end) {
    const seen = merged(d.skeleton.filter((r) => r.offset + r.bytes.length > end)).map((r) =>
      r.bytes.subarray(Math.max(0, end - r.offset))
    );
    trailing = { offset: end, length: d.size - end, hash: sha256Hex(seen).slice(0, 16) };
  }
  const minimal: MinimalInfo = { registers, ...(trailing ? { trailing } : {}) };
  const meta = { ...d.meta, minimal } as DigestMeta;
  return { ...d, skeleton, meta, core: applyMinimal(d.core, meta) };
}
