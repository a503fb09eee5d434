/**
 * The ELF core reader: {@link parseCore} and the types it returns.
 *
 * @module
 */

export { type CoreFile, type DecodedNotes, type NoteInfo, parseCore, type Thread } from "./core.ts";
export type { ElfHeader } from "./header.ts";
export type { Segment } from "./program_header.ts";
export { MadeRows, type Rows, rowsAt, rowsWhere } from "../bytes/rows.ts";
export type { Section } from "./sections.ts";
export type { FileEntry, FileTable } from "./nt_file.ts";
export type { AuxvEntry, PrPsInfo, PrStatus, SigInfo } from "./process_notes.ts";
export type { CoreOrigin, Producer, ProducerGuess } from "./producer.ts";
export type { ByteOrder } from "../bytes/reader.ts";
export { signalName } from "./signals.ts";
