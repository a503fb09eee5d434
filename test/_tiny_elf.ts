/**
 * Tiny static executables for other architectures: one PT_LOAD holding a few bytes of machine code
 * that crash at once (an illegal or trapping instruction, or a load from address 0), so qemu-user
 * writes a core of that architecture. No cross compiler needed.
 *
 * @module
 */

/** An architecture qemu-user can run, and how to make it crash. */
export interface TinyArch {
  /** qemu-user binary suffix (`qemu-<name>-static`). */
  readonly qemu: string;
  /** `e_machine`. */
  readonly machine: number;
  /** ELF class. */
  readonly bits: 32 | 64;
  /** Little-endian. */
  readonly le: boolean;
  /** `e_flags`. */
  readonly flags?: number;
  /** The crashing code, as stored in memory. */
  readonly code: number[];
}

/**
 * The architectures whose qemu-user writes cores (riscv, sparc, alpha, hppa and sh4 do not), with a
 * crashing first instruction each.
 */
export const TINY_ARCHES: readonly TinyArch[] = [
  { qemu: "m68k", machine: 4, bits: 32, le: false, code: [0x4a, 0xfc, 0x4a, 0xfc] },
  {
    qemu: "arm",
    machine: 40,
    bits: 32,
    le: true,
    flags: 0x05000000,
    code: [0xf0, 0x00, 0xf0, 0xe7],
  },
  { qemu: "i386", machine: 3, bits: 32, le: true, code: [0x0f, 0x0b] },
  { qemu: "mips", machine: 8, bits: 32, le: false, code: [0x8c, 0x08, 0x00, 0x00] },
  { qemu: "mipsel", machine: 8, bits: 32, le: true, code: [0x00, 0x00, 0x08, 0x8c] },
  { qemu: "mips64", machine: 8, bits: 64, le: false, code: [0x8c, 0x08, 0x00, 0x00] },
  { qemu: "mipsn32", machine: 8, bits: 32, le: false, flags: 0x20, code: [0x8c, 0x08, 0x00, 0x00] },
  { qemu: "ppc", machine: 20, bits: 32, le: false, code: [0, 0, 0, 0] },
  { qemu: "ppc64", machine: 21, bits: 64, le: false, flags: 2, code: [0, 0, 0, 0] },
  { qemu: "ppc64le", machine: 21, bits: 64, le: true, flags: 2, code: [0, 0, 0, 0] },
  { qemu: "s390x", machine: 22, bits: 64, le: false, code: [0, 0, 0, 0] },
  { qemu: "loongarch64", machine: 258, bits: 64, le: true, code: [0, 0, 0, 0] },
  { qemu: "aarch64_be", machine: 183, bits: 64, le: false, code: [0, 0, 0, 0] },
];

/**
 * A static ELF executable running `arch.code` at its entry point.
 *
 * @param arch the architecture
 * @returns the file's bytes
 */
export function tinyElf(arch: TinyArch): Uint8Array {
  const w = arch.bits === 64 ? 8 : 4;
  const ehsize = arch.bits === 64 ? 64 : 52, phentsize = arch.bits === 64 ? 56 : 32;
  const base = arch.bits === 64 ? 0x400000 : 0x10000;
  const codeAt = ehsize + phentsize;
  const size = codeAt + arch.code.length;
  const b = new Uint8Array(size);
  const v = new DataView(b.buffer);
  const le = arch.le;
  b.set([0x7f, 0x45, 0x4c, 0x46, arch.bits === 64 ? 2 : 1, le ? 1 : 2, 1]);
  const word = (at: number, x: number) =>
    w === 8 ? v.setBigUint64(at, BigInt(x), le) : v.setUint32(at, x, le);
  v.setUint16(16, 2, le); // ET_EXEC
  v.setUint16(18, arch.machine, le);
  v.setUint32(20, 1, le);
  word(24, base + codeAt); // e_entry
  word(24 + w, ehsize); // e_phoff
  word(24 + 2 * w, 0); // e_shoff
  const after = 24 + 3 * w;
  v.setUint32(after, arch.flags ?? 0, le);
  v.setUint16(after + 4, ehsize, le);
  v.setUint16(after + 6, phentsize, le);
  v.setUint16(after + 8, 1, le);
  v.setUint16(after + 10, arch.bits === 64 ? 64 : 40, le);
  const ph = ehsize;
  v.setUint32(ph, 1, le); // PT_LOAD
  if (arch.bits === 64) {
    v.setUint32(ph + 4, 5, le);
    word(ph + 8, 0);
    word(ph + 16, base);
    word(ph + 24, base);
    word(ph + 32, size);
    word(ph + 40, size);
    word(ph + 48, 0x10000);
  } else {
    word(ph + 4, 0);
    word(ph + 8, base);
    word(ph + 12, base);
    word(ph + 16, size);
    word(ph + 20, size);
    v.setUint32(ph + 24, 5, le);
    word(ph + 28, 0x10000);
  }
  b.set(arch.code, codeAt);
  return b;
}
