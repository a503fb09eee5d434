/**
 * Decoders for the process and thread notes of Linux cores: `NT_PRSTATUS`, `NT_PRPSINFO`,
 * `NT_SIGINFO` and `NT_AUXV` (`fs/binfmt_elf.c: fill_prstatus, fill_psinfo, fill_siginfo_note,
 * fill_auxv_note`; GDB writes the same structures through BFD, with fewer fields filled, spec §2.7).
 *
 * Layouts depend only on the word size (`long`), except the width of `pr_uid`/`pr_gid` in
 * `NT_PRPSINFO`, which is taken from the descriptor size (16-bit ids on i386 and arm).
 *
 * @module
 */

import { ByteReader, cString } from "../bytes/reader.ts";
import { CoreFormatError } from "../errors.ts";
import { AT_NAMES, nameOf } from "./constants.ts";
import type { ElfHeader } from "./header.ts";
import type { RawNote } from "./note.ts";
import { prStatusAbi, prStatusOffsets } from "./abi.ts";

/** Decoded `struct elf_prstatus`. */
export interface PrStatus {
  /** `pr_info.si_signo`. */
  readonly signo: number;
  /** `pr_info.si_code`. */
  readonly code: number;
  /** `pr_info.si_errno`. */
  readonly errno: number;
  /** `pr_cursig`: the signal being delivered. */
  readonly cursig: number;
  /** `pr_sigpend` (first word). */
  readonly sigpend: bigint;
  /** `pr_sighold` (first word). */
  readonly sighold: bigint;
  /** `pr_pid`: the thread id. */
  readonly pid: number;
  /** `pr_ppid`. */
  readonly ppid: number;
  /** `pr_pgrp`. */
  readonly pgrp: number;
  /** `pr_sid`. */
  readonly sid: number;
  /** General registers by name (x86-64, AArch64, i386); empty when `rawRegisters` is used. */
  readonly registers: Readonly<Record<string, bigint>>;
  /** Size of `pr_reg` in bytes. */
  readonly registerBytes: number;
  /** `pr_fpvalid`. */
  readonly fpvalid: number;
}

/** Decodes an `NT_PRSTATUS` descriptor. */
export function decodePrStatus(note: RawNote, h: ElfHeader): PrStatus {
  // Offsets per ABI (m68k aligns long to 2; x32 has 64-bit registers in an ELF32 core).
  // A MIPS core without EF_MIPS_ABI2 but with n32's size (72 + 45 × 8 + 8) is n32 too.
  const n32 = h.machine === 8 && h.bits === 32 && note.desc.length === 440 ? 0x20 : 0;
  const abi = prStatusAbi(h.machine, h.bits, h.flags | n32);
  const at = prStatusOffsets(abi);
  const w = abi.long;
  const r = new ByteReader(note.desc, h.byteOrder, note.descOffset);
  const signo = r.i32("pr_info.si_signo");
  const code = r.i32("pr_info.si_code");
  const errno = r.i32("pr_info.si_errno");
  const cursig = r.u16("pr_cursig");
  r.seek(at.sigpend, "pr_sigpend");
  const sigpend = r.word(w, "pr_sigpend");
  const sighold = r.word(w, "pr_sighold");
  r.seek(at.pid, "pr_pid");
  const pid = r.i32("pr_pid");
  const ppid = r.i32("pr_ppid");
  const pgrp = r.i32("pr_pgrp");
  const sid = r.i32("pr_sid");
  const regStart = at.reg;
  // pr_reg runs to pr_fpvalid (an int), then padding to the struct's alignment: the register
  // words that fit before the last 4 bytes.
  const registerBytes = Math.floor((note.desc.length - regStart - 4) / abi.regWord) * abi.regWord;
  if (registerBytes < 0) {
    throw new CoreFormatError(
      note.offset + 4,
      "n_descsz",
      "NT_PRSTATUS is too short for its header",
      note.desc.length,
    );
  }
  const names = abi.regNames;
  const registers: Record<string, bigint> = {};
  r.seek(regStart, "pr_reg");
  if (names && registerBytes >= names.length * abi.regWord) {
    for (const name of names) registers[name] = r.word(abi.regWord, `pr_reg.${name}`);
  }
  r.seek(regStart + registerBytes, "pr_fpvalid");
  const fpvalid = r.i32("pr_fpvalid");
  return {
    signo,
    code,
    errno,
    cursig,
    sigpend,
    sighold,
    pid,
    ppid,
    pgrp,
    sid,
    registers,
    registerBytes,
    fpvalid,
  };
}

/** Decoded `struct elf_prpsinfo`. */
export interface PrPsInfo {
  /** `pr_state` (numeric). */
  readonly state: number;
  /** `pr_sname`: state letter (R, S, D, T, Z, W). */
  readonly sname: string;
  /** `pr_zomb`. */
  readonly zomb: number;
  /** `pr_nice`. */
  readonly nice: number;
  /** `pr_flag`. */
  readonly flag: bigint;
  /** `pr_uid`. */
  readonly uid: number;
  /** `pr_gid`. */
  readonly gid: number;
  /** `pr_pid`. */
  readonly pid: number;
  /** `pr_ppid`. */
  readonly ppid: number;
  /** `pr_pgrp`. */
  readonly pgrp: number;
  /** `pr_sid`. */
  readonly sid: number;
  /** `pr_fname`: the command name (kernel: leader's comm; gdb: basename of argv[0]). */
  readonly fname: string;
  /** `pr_psargs`: the argument string (kernel: argv with NULs as spaces, 79 bytes at most). */
  readonly psargs: string;
}

/** Decodes an `NT_PRPSINFO` descriptor. */
export function decodePrPsInfo(note: RawNote, h: ElfHeader): PrPsInfo {
  const w = h.bits === 64 ? 8 : 4;
  // 64-bit: 136 bytes with 32-bit ids; 32-bit: 124 bytes with 16-bit ids, 128 with 32-bit ids.
  const idWidth = w === 4 && note.desc.length < 128 ? 2 : 4;
  const r = new ByteReader(note.desc, h.byteOrder, note.descOffset);
  const state = r.u8("pr_state");
  const sname = String.fromCharCode(r.u8("pr_sname"));
  const zomb = r.u8("pr_zomb");
  const niceByte = r.u8("pr_nice");
  if (w === 8) r.skip(4, "pr_flag");
  const flag = r.word(w, "pr_flag");
  const uid = idWidth === 2 ? r.u16("pr_uid") : r.u32("pr_uid");
  const gid = idWidth === 2 ? r.u16("pr_gid") : r.u32("pr_gid");
  const pid = r.i32("pr_pid");
  const ppid = r.i32("pr_ppid");
  const pgrp = r.i32("pr_pgrp");
  const sid = r.i32("pr_sid");
  const fname = cString(r.bytesOf(16, "pr_fname"));
  const psargs = cString(r.bytesOf(80, "pr_psargs"));
  return {
    state,
    sname,
    zomb,
    nice: niceByte > 127 ? niceByte - 256 : niceByte,
    flag,
    uid,
    gid,
    pid,
    ppid,
    pgrp,
    sid,
    fname,
    psargs,
  };
}

/** Decoded `siginfo_t` (the fields every core tool shows). */
export interface SigInfo {
  /** `si_signo`. */
  readonly signo: number;
  /** `si_errno`. */
  readonly errno: number;
  /** `si_code`. */
  readonly code: number;
  /** `si_addr` for fault signals (SIGILL, SIGTRAP, SIGBUS, SIGFPE, SIGSEGV). */
  readonly addr?: bigint;
  /** `si_pid` of the sender for signals sent by a process (`si_code <= 0`). */
  readonly senderPid?: number;
  /** `si_uid` of the sender for signals sent by a process. */
  readonly senderUid?: number;
}

const FAULT_SIGNALS = new Set([4, 5, 7, 8, 11]);

/** Decodes an `NT_SIGINFO` descriptor (generic layout: signo, errno, code, then the union). */
export function decodeSigInfo(note: RawNote, h: ElfHeader): SigInfo {
  const w = h.bits === 64 ? 8 : 4;
  const r = new ByteReader(note.desc, h.byteOrder, note.descOffset);
  const signo = r.i32("si_signo");
  const errno = r.i32("si_errno");
  const code = r.i32("si_code");
  if (w === 8) r.skip(4, "_sifields");
  if (FAULT_SIGNALS.has(signo) && code > 0) {
    return { signo, errno, code, addr: r.word(w, "si_addr") };
  }
  if (code <= 0) {
    const senderPid = r.i32("si_pid");
    const senderUid = r.u32("si_uid");
    return { signo, errno, code, senderPid, senderUid };
  }
  return { signo, errno, code };
}

/** One auxiliary vector entry. */
export interface AuxvEntry {
  /** `a_type`. */
  readonly type: number;
  /** `a_type` by name, e.g. `AT_ENTRY`. */
  readonly name: string;
  /** `a_val`. */
  readonly value: bigint;
}

/** Decodes an `NT_AUXV` descriptor up to and including `AT_NULL`. */
export function decodeAuxv(note: RawNote, h: ElfHeader): AuxvEntry[] {
  const w = h.bits === 64 ? 8 : 4;
  const r = new ByteReader(note.desc, h.byteOrder, note.descOffset);
  const out: AuxvEntry[] = [];
  while (r.remaining >= 2 * w) {
    const type = Number(r.word(w, "a_type"));
    const value = r.word(w, "a_val");
    out.push({ type, name: nameOf(AT_NAMES, type), value });
    if (type === 0) break;
  }
  return out;
}
