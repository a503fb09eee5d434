/**
 * Builds small synthetic ELF core files in memory for tests (after drgn's `elfwriter.py`): any
 * class and byte order, PT_NOTE and PT_LOAD segments, extended numbering. Tests then break one field
 * at a time.
 *
 * @module
 */

/** A note to write. */
export interface NoteSpec {
  owner: string;
  type: number;
  desc: Uint8Array;
}

/** A PT_LOAD to write: `data` is saved (`p_filesz = data.length` unless overridden). */
export interface LoadSpec {
  vaddr: bigint;
  memsz: bigint;
  flags?: number;
  data?: Uint8Array;
  filesz?: bigint;
  align?: bigint;
}

/** What to build. */
export interface CoreSpec {
  bits?: 32 | 64;
  order?: "little" | "big";
  machine?: number;
  type?: number;
  notes?: NoteSpec[];
  noteAlign?: bigint;
  loads?: LoadSpec[];
  /** Write `e_phnum = PN_XNUM` and the real count in section header 0 (kernel style). */
  extendedNumbering?: boolean;
}

/** Offsets of interesting fields in the built file, for tests that corrupt them. */
export interface BuiltCore {
  bytes: Uint8Array;
  phoff: number;
  phentsize: number;
  noteOffset: number;
  dataOffset: number;
}

class Writer {
  buf = new Uint8Array(1 << 16);
  view = new DataView(this.buf.buffer);
  constructor(readonly le: boolean, readonly w: 4 | 8) {}
  ensure(n: number): void {
    if (n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(n, this.buf.length * 2));
    next.set(this.buf);
    this.buf = next;
    this.view = new DataView(next.buffer);
  }
  u8(at: number, v: number): void {
    this.ensure(at + 1);
    this.view.setUint8(at, v);
  }
  u16(at: number, v: number): void {
    this.ensure(at + 2);
    this.view.setUint16(at, v, this.le);
  }
  u32(at: number, v: number): void {
    this.ensure(at + 4);
    this.view.setUint32(at, v, this.le);
  }
  word(at: number, v: bigint | number): void {
    this.ensure(at + this.w);
    if (this.w === 8) this.view.setBigUint64(at, BigInt(v), this.le);
    else this.view.setUint32(at, Number(v), this.le);
  }
  bytes(at: number, b: Uint8Array): void {
    this.ensure(at + b.length);
    this.buf.set(b, at);
  }
}

const pad = (n: number, a: number) => Math.ceil(n / a) * a;

/** Encodes notes as a PT_NOTE payload with 4-byte (or `align`) padding. */
export function encodeNotes(notes: NoteSpec[], le = true, align = 4): Uint8Array {
  const w = new Writer(le, 8);
  let at = 0;
  for (const n of notes) {
    const name = new TextEncoder().encode(n.owner + "\0");
    w.u32(at, name.length);
    w.u32(at + 4, n.desc.length);
    w.u32(at + 8, n.type);
    w.bytes(at + 12, name);
    const descAt = pad(at + 12 + pad(name.length, 4), align);
    w.bytes(descAt, n.desc);
    at = pad(descAt + n.desc.length, align);
    w.ensure(at);
  }
  return w.buf.slice(0, at);
}

/** Builds a core: header, program headers (PT_NOTE first), notes, then page-aligned data. */
export function buildCore(spec: CoreSpec = {}): BuiltCore {
  const bits = spec.bits ?? 64;
  const le = (spec.order ?? "little") === "little";
  const wsz = bits === 64 ? 8 : 4;
  const w = new Writer(le, wsz);
  const ehsize = bits === 64 ? 64 : 52;
  const phentsize = bits === 64 ? 56 : 32;
  const loads = spec.loads ?? [];
  const notes = encodeNotes(spec.notes ?? [], le, spec.noteAlign === 8n ? 8 : 4);
  const phnum = 1 + loads.length;
  const phoff = ehsize;
  const noteOffset = phoff + phnum * phentsize;
  const dataOffset = pad(noteOffset + notes.length, 4096);
  // e_ident
  w.bytes(0, new Uint8Array([0x7f, 0x45, 0x4c, 0x46, bits === 64 ? 2 : 1, le ? 1 : 2, 1]));
  w.u16(16, spec.type ?? 4);
  w.u16(18, spec.machine ?? (bits === 64 ? 62 : 3));
  w.u32(20, 1);
  w.word(24, 0); // e_entry
  w.word(24 + wsz, phoff);
  const afterOffs = 24 + 3 * wsz;
  w.u32(afterOffs, 0); // e_flags
  w.u16(afterOffs + 4, ehsize);
  w.u16(afterOffs + 6, phentsize);
  w.u16(afterOffs + 8, spec.extendedNumbering ? 0xffff : phnum);
  w.u16(afterOffs + 10, 0);
  w.u16(afterOffs + 12, 0);
  w.u16(afterOffs + 14, 0);
  const phdr = (
    i: number,
    type: number,
    flags: number,
    off: bigint | number,
    vaddr: bigint,
    filesz: bigint | number,
    memsz: bigint | number,
    align: bigint | number,
  ) => {
    const at = phoff + i * phentsize;
    w.u32(at, type);
    if (bits === 64) {
      w.u32(at + 4, flags);
      w.word(at + 8, off);
      w.word(at + 16, vaddr);
      w.word(at + 24, 0);
      w.word(at + 32, filesz);
      w.word(at + 40, memsz);
      w.word(at + 48, align);
    } else {
      w.word(at + 4, off);
      w.word(at + 8, vaddr);
      w.word(at + 12, 0);
      w.word(at + 16, filesz);
      w.word(at + 20, memsz);
      w.u32(at + 24, flags);
      w.word(at + 28, align);
    }
  };
  phdr(0, 4, 0, noteOffset, 0n, notes.length, 0, spec.noteAlign ?? 4n);
  w.bytes(noteOffset, notes);
  let off = dataOffset;
  loads.forEach((l, i) => {
    const data = l.data ?? new Uint8Array();
    const filesz = l.filesz ?? BigInt(data.length);
    phdr(i + 1, 1, l.flags ?? 6, off, l.vaddr, filesz, l.memsz, l.align ?? 0x1000n);
    w.bytes(off, data);
    off += data.length;
  });
  let end = Math.max(off, noteOffset + notes.length);
  if (spec.extendedNumbering) {
    const shoff = pad(end, 8);
    const shentsize = bits === 64 ? 64 : 40;
    w.word(24 + 2 * wsz, shoff);
    w.u16(afterOffs + 10, shentsize);
    w.u16(afterOffs + 12, 1);
    // section header 0: sh_size = 1, sh_info = real phnum
    const infoAt = bits === 64 ? shoff + 44 : shoff + 28;
    w.word(bits === 64 ? shoff + 32 : shoff + 20, 1);
    w.u32(infoAt, phnum);
    end = shoff + shentsize;
  }
  w.ensure(end);
  return { bytes: w.buf.slice(0, end), phoff, phentsize, noteOffset, dataOffset };
}

/** A 64-bit little-endian `NT_PRSTATUS` for x86-64 with the given tid, signal and rip. */
export function prstatusX86_64(tid: number, sig: number, rip: bigint): Uint8Array {
  const b = new Uint8Array(336);
  const v = new DataView(b.buffer);
  v.setInt32(0, sig, true);
  v.setUint16(12, sig, true);
  v.setInt32(32, tid, true);
  v.setBigUint64(112 + 16 * 8, rip, true);
  return b;
}

/** An `NT_FILE` descriptor (64- or 32-bit, either byte order). */
export function ntFile(
  entries: { start: bigint; end: bigint; ofs: bigint; name: string }[],
  pageSize = 4096n,
  bits: 32 | 64 = 64,
  le = true,
): Uint8Array {
  const w = new Writer(le, bits === 64 ? 8 : 4);
  const ws = bits === 64 ? 8 : 4;
  w.word(0, entries.length);
  w.word(ws, pageSize);
  entries.forEach((e, i) => {
    const at = 2 * ws + i * 3 * ws;
    w.word(at, e.start);
    w.word(at + ws, e.end);
    w.word(at + 2 * ws, e.ofs);
  });
  let at = 2 * ws + entries.length * 3 * ws;
  for (const e of entries) {
    const s = new TextEncoder().encode(e.name + "\0");
    w.bytes(at, s);
    at += s.length;
  }
  w.ensure(at);
  return w.buf.slice(0, at);
}

/**
 * A minimal ELF image as mapped (ET_DYN): header, two program headers (a PT_LOAD with
 * `p_memsz` 0x3456 and a PT_NOTE at `noteAt`) and a GNU build-id note (default id deadbeef01020304).
 */
export function elfImage(
  opts: { is64: boolean; le: boolean; noteAt?: number; id?: number[]; size?: number },
) {
  const { is64, le } = opts;
  const bytes = new Uint8Array(opts.size ?? 4096);
  const v = new DataView(bytes.buffer);
  bytes.set([0x7f, 0x45, 0x4c, 0x46, is64 ? 2 : 1, le ? 1 : 2, 1]);
  const w = (at: number, x: number) =>
    is64 ? v.setBigUint64(at, BigInt(x), le) : v.setUint32(at, x, le);
  v.setUint16(16, 3, le); // ET_DYN
  const phoff = is64 ? 64 : 52, phent = is64 ? 56 : 32;
  w(is64 ? 32 : 28, phoff);
  v.setUint16(is64 ? 54 : 42, phent, le);
  v.setUint16(is64 ? 56 : 44, 2, le);
  const noteAt = opts.noteAt ?? 0x200;
  const id = opts.id ?? [0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4];
  const ph = (
    i: number,
    type: number,
    off: number,
    vaddr: number,
    filesz: number,
    memsz: number,
  ) => {
    const at = phoff + i * phent;
    v.setUint32(at, type, le);
    if (is64) {
      w(at + 8, off);
      w(at + 16, vaddr);
      w(at + 32, filesz);
      w(at + 40, memsz);
      w(at + 48, 4);
    } else {
      w(at + 4, off);
      w(at + 8, vaddr);
      w(at + 16, filesz);
      w(at + 20, memsz);
      w(at + 28, 4);
    }
  };
  ph(0, 1, 0, 0, 0x3000, 0x3456);
  ph(1, 4, noteAt, noteAt, 16 + id.length, 16 + id.length);
  if (noteAt + 16 + id.length <= bytes.length) {
    v.setUint32(noteAt, 4, le);
    v.setUint32(noteAt + 4, id.length, le);
    v.setUint32(noteAt + 8, 3, le);
    bytes.set([0x47, 0x4e, 0x55, 0], noteAt + 12);
    bytes.set(id, noteAt + 16);
  }
  return bytes;
}
