// A small ELF32/ELF64 section-header reader, and section sizes summed by the letters the
// CI image-size files use, so `collect image-size` needs no intermediate text file.
import { readFile } from 'node:fs/promises';
import type { SectionLetter } from './ci-text.js';

const SHF_WRITE = 0x1;
const SHF_ALLOC = 0x2;
const SHF_EXECINSTR = 0x4;
const SHT_NOBITS = 8;
const SHN_XINDEX = 0xffff;

/** One section header. */
export interface ElfSection {
  name: string;
  type: number;
  flags: number;
  size: number;
}

/** What {@link parseElfSections} found. */
export interface ElfInfo {
  bits: 32 | 64;
  littleEndian: boolean;
  sections: ElfSection[];
}

/** Reads the section headers of an ELF image; throws on anything that is not a well-formed ELF. */
export function parseElfSections(buf: Buffer, file = 'ELF file'): ElfInfo {
  const bad = (why: string): never => {
    throw new Error(`${file}: not a readable ELF file (${why})`);
  };
  if (buf.length < 52 || buf.readUInt32BE(0) !== 0x7f454c46) bad('no ELF magic');
  const cls = buf[4];
  const data = buf[5];
  if (cls !== 1 && cls !== 2) bad(`unknown class ${cls}`);
  if (data !== 1 && data !== 2) bad(`unknown byte order ${data}`);
  const is64 = cls === 2;
  const le = data === 1;
  const u16 = (o: number) => (le ? buf.readUInt16LE(o) : buf.readUInt16BE(o));
  const u32 = (o: number) => (le ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
  const u64 = (o: number) => {
    const v = le ? buf.readBigUInt64LE(o) : buf.readBigUInt64BE(o);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) bad(`value at offset ${o} too large`);
    return Number(v);
  };
  const word = is64 ? u64 : u32;
  const inRange = (off: number, len: number) => {
    if (off < 0 || off + len > buf.length) bad(`offset ${off} beyond the end of the file`);
  };
  if (is64) inRange(0, 64);
  const shoff = word(is64 ? 0x28 : 0x20);
  const shentsize = u16(is64 ? 0x3a : 0x2e);
  let shnum = u16(is64 ? 0x3c : 0x30);
  let shstrndx = u16(is64 ? 0x3e : 0x32);
  if (shoff === 0) return { bits: is64 ? 64 : 32, littleEndian: le, sections: [] };
  const minEnt = is64 ? 0x40 : 0x28;
  if (shentsize < minEnt) bad(`section header size ${shentsize}`);
  const header = (i: number) => {
    const o = shoff + i * shentsize;
    inRange(o, minEnt);
    return {
      nameOff: u32(o),
      type: u32(o + 4),
      flags: word(o + 8),
      offset: word(is64 ? o + 0x18 : o + 0x10),
      size: word(is64 ? o + 0x20 : o + 0x14),
      link: u32(is64 ? o + 0x28 : o + 0x18),
    };
  };
  // More than 0xff00 sections: the real count and string-table index live in section 0.
  if (shnum === 0) shnum = header(0).size;
  if (shstrndx === SHN_XINDEX) shstrndx = header(0).link;
  const headers = Array.from({ length: shnum }, (_, i) => header(i));
  const strtab = headers[shstrndx];
  const names = strtab && strtab.type !== SHT_NOBITS ? buf.subarray(strtab.offset, strtab.offset + strtab.size) : Buffer.alloc(0);
  if (strtab) inRange(strtab.offset, strtab.type === SHT_NOBITS ? 0 : strtab.size);
  const nameAt = (off: number) => {
    const end = names.indexOf(0, off);
    return off < names.length ? names.toString('latin1', off, end < 0 ? names.length : end) : '';
  };
  const sections = headers.map((h) => ({ name: nameAt(h.nameOff), type: h.type, flags: h.flags, size: h.size }));
  return { bits: is64 ? 64 : 32, littleEndian: le, sections };
}

/**
 * The letter a section counts under, or undefined when it takes no memory at run time.
 * Only allocated sections count: code (executable) is T, zero-initialised (NOBITS) is B,
 * writable data is D and other read-only data is R. V and W (weak objects and symbols in
 * `nm`'s classes) are properties of symbols, not sections, so ELF reading never yields them.
 */
export function sectionLetter(s: ElfSection): SectionLetter | undefined {
  if ((s.flags & SHF_ALLOC) === 0) return undefined;
  if (s.type === SHT_NOBITS) return 'B';
  if (s.flags & SHF_EXECINSTR) return 'T';
  if (s.flags & SHF_WRITE) return 'D';
  return 'R';
}

/** Sums section sizes per letter; letters with no bytes are left out, as the CI text leaves them out. */
export function sizesByLetter(sections: readonly ElfSection[]): Partial<Record<SectionLetter, number>> {
  const sums: Partial<Record<SectionLetter, number>> = {};
  for (const s of sections) {
    const letter = sectionLetter(s);
    if (letter && s.size > 0) sums[letter] = (sums[letter] ?? 0) + s.size;
  }
  return sums;
}

/** Reads an ELF file and sums its sections per letter. */
export async function readElfSizes(file: string): Promise<Partial<Record<SectionLetter, number>>> {
  return sizesByLetter(parseElfSections(await readFile(file), file).sections);
}
