// A small ELF32/ELF64 reader (section headers and the `.symtab` symbol table) and the image sizes
// the CI text files carry: symbol sizes summed per `nm -S` class, so no intermediate file is needed.
import { readFile } from 'node:fs/promises';
import { SECTION_LETTERS, type SectionLetter } from './ci-text.js';

const SHF_WRITE = 0x1;
const SHF_ALLOC = 0x2;
const SHF_EXECINSTR = 0x4;
const SHT_SYMTAB = 2;
const SHT_NOBITS = 8;
const SHT_SYMTAB_SHNDX = 18;
const SHN_UNDEF = 0;
const SHN_LORESERVE = 0xff00;
const SHN_ABS = 0xfff1;
const SHN_COMMON = 0xfff2;
const SHN_XINDEX = 0xffff;
const STB_LOCAL = 0;
const STB_GLOBAL = 1;
const STB_WEAK = 2;
const STB_GNU_UNIQUE = 10;
const STT_OBJECT = 1;
const STT_SECTION = 3;
const STT_FILE = 4;
const STT_COMMON = 5;
const STT_GNU_IFUNC = 10;

/** One section header. */
export interface ElfSection {
  name: string;
  type: number;
  flags: number;
  size: number;
}

/** One entry of the symbol table. */
export interface ElfSymbol {
  name: string;
  size: number;
  bind: number;
  type: number;
  /** The section it is defined in (0: undefined), resolved through `.symtab_shndx` when extended. */
  shndx: number;
  /** Set for a reserved section index: absolute, common, or another (processor-specific) one. */
  special?: 'abs' | 'common' | 'other';
}

/** What {@link parseElf} found. */
export interface ElfInfo {
  bits: 32 | 64;
  littleEndian: boolean;
  sections: ElfSection[];
  /** The `.symtab` entries after the null one; undefined when the file has no symbol table (stripped). */
  symbols: ElfSymbol[] | undefined;
}

/** Reads the section headers and the static symbol table; throws on anything that is not a well-formed ELF. */
export function parseElf(buf: Buffer, file = 'ELF file'): ElfInfo {
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
  const inRange = (off: number, len: number) => {
    if (off < 0 || off + len > buf.length) bad(`offset ${off} beyond the end of the file`);
  };
  const u8 = (o: number) => {
    inRange(o, 1);
    return buf[o] ?? 0;
  };
  const u16 = (o: number) => {
    inRange(o, 2);
    return le ? buf.readUInt16LE(o) : buf.readUInt16BE(o);
  };
  const u32 = (o: number) => {
    inRange(o, 4);
    return le ? buf.readUInt32LE(o) : buf.readUInt32BE(o);
  };
  const u64 = (o: number) => {
    inRange(o, 8);
    const v = le ? buf.readBigUInt64LE(o) : buf.readBigUInt64BE(o);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) bad(`value at offset ${o} too large`);
    return Number(v);
  };
  const word = is64 ? u64 : u32;
  if (is64) inRange(0, 64);
  const bits = is64 ? 64 : 32;
  const shoff = word(is64 ? 0x28 : 0x20);
  const shentsize = u16(is64 ? 0x3a : 0x2e);
  let shnum = u16(is64 ? 0x3c : 0x30);
  let shstrndx = u16(is64 ? 0x3e : 0x32);
  if (shoff === 0) return { bits, littleEndian: le, sections: [], symbols: undefined };
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
  const contents = (h: { type: number; offset: number; size: number } | undefined): Buffer => {
    if (!h || h.type === SHT_NOBITS) return Buffer.alloc(0);
    inRange(h.offset, h.size);
    return buf.subarray(h.offset, h.offset + h.size);
  };
  const stringAt = (table: Buffer, off: number) => {
    if (off >= table.length) return '';
    const end = table.indexOf(0, off);
    return table.toString('latin1', off, end < 0 ? table.length : end);
  };
  const names = contents(headers[shstrndx]);
  const sections = headers.map((h) => ({ name: stringAt(names, h.nameOff), type: h.type, flags: h.flags, size: h.size }));

  // binutils reads the first SHT_SYMTAB and ignores any other.
  const symtabIndex = headers.findIndex((h) => h.type === SHT_SYMTAB);
  if (symtabIndex < 0) return { bits, littleEndian: le, sections, symbols: undefined };
  const symtab = headers[symtabIndex];
  const table = contents(symtab);
  const strings = contents(headers[symtab?.link ?? -1]);
  const xindex = headers.find((h) => h.type === SHT_SYMTAB_SHNDX && h.link === symtabIndex);
  const extended = xindex ? contents(xindex) : undefined;
  const entSize = is64 ? 24 : 16; // the fixed Elf_Sym size, as binutils counts, whatever sh_entsize says
  const base = symtab?.offset ?? 0;
  const symbols: ElfSymbol[] = [];
  for (let i = 1; i < Math.floor(table.length / entSize); i++) {
    const o = base + i * entSize;
    const info = u8(is64 ? o + 4 : o + 12);
    const raw = u16(is64 ? o + 6 : o + 14);
    const sym: ElfSymbol = { name: stringAt(strings, u32(o)), size: is64 ? u64(o + 16) : u32(o + 8), bind: info >> 4, type: info & 0xf, shndx: raw };
    if (raw === SHN_XINDEX && extended && extended.length >= (i + 1) * 4) {
      sym.shndx = le ? extended.readUInt32LE(i * 4) : extended.readUInt32BE(i * 4);
    } else if (raw >= SHN_LORESERVE) {
      sym.special = raw === SHN_ABS ? 'abs' : raw === SHN_COMMON ? 'common' : 'other';
    }
    symbols.push(sym);
  }
  return { bits, littleEndian: le, sections, symbols };
}

/**
 * The class letter `nm` prints for a section's local symbols, from the flags binutils derives
 * from the section header: code, read-only data, data, no contents (bss), debug (`N`), other.
 * Small-data sections (`g`, `s`, only on MIPS, PowerPC and a few others) are not told apart.
 */
function sectionClass(s: ElfSection): string {
  // binutils' few name rules (Windows sections; never in firmware images) come first.
  const named = /^(\.drectve|\.edata|\.idata|\.pdata)(?:$|[.$0-9])/.exec(s.name);
  if (named) return { '.drectve': 'i', '.edata': 'e', '.idata': 'i', '.pdata': 'p' }[named[1] ?? ''] ?? '?';
  const hasContents = s.type !== SHT_NOBITS;
  const readOnly = (s.flags & SHF_WRITE) === 0;
  if (s.flags & SHF_EXECINSTR) return 't';
  if ((s.flags & SHF_ALLOC) !== 0 && hasContents) return readOnly ? 'r' : 'd';
  if (!hasContents) return 'b';
  if (/^\.(debug|zdebug|gnu\.linkonce\.wi\.|gnu\.debuglto_\.debug_|line|stab)/.test(s.name) || s.name === '.gdb_index') return 'N';
  return readOnly ? 'n' : '?';
}

/**
 * The symbol class `nm` prints for a symbol (binutils' `bfd_decode_symclass` over the flags it
 * reads from ELF): `U`/`w`/`v` undefined, `C` common, `i` indirect function, `V` weak object and
 * `W` other weak symbol, `u` unique global, `A` absolute, else the section's class
 * (`T`, `R`, `D`, `B`, ...); lowercase for local symbols.
 */
export function nmClass(sym: ElfSymbol, sections: readonly ElfSection[]): string {
  const weak = sym.bind === STB_WEAK;
  const object = sym.type === STT_OBJECT || sym.type === STT_COMMON;
  if (sym.special === 'common') return 'C';
  if (sym.shndx === SHN_UNDEF && sym.special === undefined) return weak ? (object ? 'v' : 'w') : 'U';
  if (sym.type === STT_GNU_IFUNC) return 'i';
  if (weak) return object ? 'V' : 'W';
  if (sym.bind === STB_GNU_UNIQUE) return 'u';
  if (sym.bind !== STB_LOCAL && sym.bind !== STB_GLOBAL) return '?';
  // Absolute, and (as binutils has it) any symbol of a reserved or unknown section index.
  const section = sym.special === undefined ? sections[sym.shndx] : undefined;
  const c = section ? sectionClass(section) : 'a';
  return sym.bind === STB_GLOBAL ? c.toUpperCase() : c;
}

/** One line of `nm -S` that shows a size. */
export interface SizedSymbol {
  name: string;
  cls: string;
  size: number;
}

/**
 * The symbols `nm -S` lists with a size: not section or file symbols (nm leaves those out),
 * not undefined ones (nm shows them without a size), and only with a size above zero.
 */
export function sizedSymbols(info: ElfInfo): SizedSymbol[] {
  const out: SizedSymbol[] = [];
  for (const sym of info.symbols ?? []) {
    if (sym.type === STT_SECTION || sym.type === STT_FILE || sym.size === 0) continue;
    const cls = nmClass(sym, info.sections);
    if (cls === 'U' || cls === 'w' || cls === 'v') continue;
    out.push({ name: sym.name, cls, size: sym.size });
  }
  return out;
}

/**
 * Sums symbol sizes per class as the CI text files do: `nm -S` classes case folded (a local
 * `t` counts as `T`), kept for B, D, R, T, V and W only; classes with no bytes are left out.
 */
export function sizesByClass(info: ElfInfo): Partial<Record<SectionLetter, number>> {
  const totals = new Map<string, number>();
  for (const s of sizedSymbols(info)) {
    const letter = s.cls.toUpperCase();
    totals.set(letter, (totals.get(letter) ?? 0) + s.size);
  }
  const sums: Partial<Record<SectionLetter, number>> = {};
  for (const letter of SECTION_LETTERS) {
    const n = totals.get(letter);
    if (n !== undefined) sums[letter] = n;
  }
  return sums;
}

/** Reads an ELF file and sums its symbol sizes per class; a file without a symbol table is refused. */
export async function readElfSizes(file: string): Promise<Partial<Record<SectionLetter, number>>> {
  const info = parseElf(await readFile(file), file);
  if (!info.symbols) {
    throw new Error(`${file}: no symbol table (.symtab): sizes are summed from its symbols as nm -S lists them; give the unstripped ELF file`);
  }
  return sizesByClass(info);
}
