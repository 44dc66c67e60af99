// Builds small ELF images by hand (either class, either byte order) for the ELF reader's tests.

/** A section to put in the image; PROGBITS-like sections get `size` zero bytes of contents. */
export interface SectionSpec {
  name: string;
  type: number;
  flags: number;
  size: number;
}

/** A symbol; `section` names one of the sections, or is a raw section index such as 0xfff1 (ABS). */
export interface SymbolSpec {
  name: string;
  size: number;
  bind: number;
  type: number;
  section: string | number;
}

/** What {@link buildElf} builds. */
export interface ElfSpec {
  bits: 32 | 64;
  littleEndian: boolean;
  sections: SectionSpec[];
  /** When given, a `.symtab` and `.strtab` are added after the sections. */
  symbols?: SymbolSpec[];
}

export const SHT = { PROGBITS: 1, SYMTAB: 2, STRTAB: 3, NOTE: 7, NOBITS: 8 } as const;
export const SHF = { WRITE: 0x1, ALLOC: 0x2, EXECINSTR: 0x4 } as const;
export const STB = { LOCAL: 0, GLOBAL: 1, WEAK: 2, GNU_UNIQUE: 10 } as const;
export const STT = { NOTYPE: 0, OBJECT: 1, FUNC: 2, SECTION: 3, FILE: 4, COMMON: 5, TLS: 6, GNU_IFUNC: 10 } as const;

class StringTable {
  readonly parts: Buffer[] = [Buffer.from([0])];
  length = 1;
  add(s: string): number {
    if (s === '') return 0;
    const at = this.length;
    const b = Buffer.from(`${s}\0`, 'latin1');
    this.parts.push(b);
    this.length += b.length;
    return at;
  }
  bytes(): Buffer {
    return Buffer.concat(this.parts);
  }
}

/** An ET_REL image with machine EM_NONE: binutils reads it as elf32-big, elf64-little and so on. */
export function buildElf(spec: ElfSpec): Buffer {
  const is64 = spec.bits === 64;
  const le = spec.littleEndian;
  const ehsize = is64 ? 64 : 52;
  const shentsize = is64 ? 64 : 40;
  const symentsize = is64 ? 24 : 16;

  const shstr = new StringTable();
  const str = new StringTable();
  interface Out {
    name: number;
    type: number;
    flags: number;
    size: number;
    link: number;
    info: number;
    entsize: number;
    data: Buffer;
  }
  const out: Out[] = [{ name: 0, type: 0, flags: 0, size: 0, link: 0, info: 0, entsize: 0, data: Buffer.alloc(0) }];
  for (const s of spec.sections) {
    out.push({
      name: shstr.add(s.name),
      type: s.type,
      flags: s.flags,
      size: s.size,
      link: 0,
      info: 0,
      entsize: 0,
      data: s.type === SHT.NOBITS ? Buffer.alloc(0) : Buffer.alloc(s.size),
    });
  }
  if (spec.symbols) {
    const index = (sec: string | number): number => {
      if (typeof sec === 'number') return sec;
      const i = spec.sections.findIndex((s) => s.name === sec);
      if (i < 0) throw new Error(`no section ${sec}`);
      return i + 1;
    };
    const syms = Buffer.alloc(symentsize * (spec.symbols.length + 1));
    spec.symbols.forEach((sym, i) => {
      const o = (i + 1) * symentsize;
      const name = str.add(sym.name);
      const info = (sym.bind << 4) | (sym.type & 0xf);
      const shndx = index(sym.section);
      const w32 = (v: number, at: number) => (le ? syms.writeUInt32LE(v, at) : syms.writeUInt32BE(v, at));
      const w16 = (v: number, at: number) => (le ? syms.writeUInt16LE(v, at) : syms.writeUInt16BE(v, at));
      w32(name, o);
      if (is64) {
        syms[o + 4] = info;
        w16(shndx, o + 6);
        if (le) syms.writeBigUInt64LE(BigInt(sym.size), o + 16);
        else syms.writeBigUInt64BE(BigInt(sym.size), o + 16);
      } else {
        w32(sym.size, o + 8);
        syms[o + 12] = info;
        w16(shndx, o + 14);
      }
    });
    const firstGlobal = spec.symbols.findIndex((s) => s.bind !== STB.LOCAL);
    const symtabIndex = out.length;
    out.push({
      name: shstr.add('.symtab'),
      type: SHT.SYMTAB,
      flags: 0,
      size: syms.length,
      link: symtabIndex + 1,
      info: firstGlobal < 0 ? spec.symbols.length + 1 : firstGlobal + 1,
      entsize: symentsize,
      data: syms,
    });
    const strBytes = str.bytes();
    out.push({ name: shstr.add('.strtab'), type: SHT.STRTAB, flags: 0, size: strBytes.length, link: 0, info: 0, entsize: 0, data: strBytes });
  }
  const shstrIndex = out.length;
  const shstrName = shstr.add('.shstrtab');
  const shstrBytes = shstr.bytes();
  out.push({ name: shstrName, type: SHT.STRTAB, flags: 0, size: shstrBytes.length, link: 0, info: 0, entsize: 0, data: shstrBytes });

  // Contents after the header, 8-aligned, then the section headers.
  const offsets: number[] = [];
  let at = ehsize;
  for (const s of out) {
    at = Math.ceil(at / 8) * 8;
    offsets.push(s.data.length > 0 ? at : 0);
    at += s.data.length;
  }
  const shoff = Math.ceil(at / 8) * 8;
  const buf = Buffer.alloc(shoff + out.length * shentsize);
  const u16 = (v: number, o: number) => (le ? buf.writeUInt16LE(v, o) : buf.writeUInt16BE(v, o));
  const u32 = (v: number, o: number) => (le ? buf.writeUInt32LE(v, o) : buf.writeUInt32BE(v, o));
  const word = (v: number, o: number) => {
    if (!is64) u32(v, o);
    else if (le) buf.writeBigUInt64LE(BigInt(v), o);
    else buf.writeBigUInt64BE(BigInt(v), o);
  };
  buf.writeUInt32BE(0x7f454c46, 0);
  buf[4] = is64 ? 2 : 1;
  buf[5] = le ? 1 : 2;
  buf[6] = 1; // EV_CURRENT
  u16(1, 0x10); // ET_REL
  u16(0, 0x12); // EM_NONE
  u32(1, 0x14);
  word(shoff, is64 ? 0x28 : 0x20);
  u16(ehsize, is64 ? 0x34 : 0x28);
  u16(shentsize, is64 ? 0x3a : 0x2e);
  u16(out.length, is64 ? 0x3c : 0x30);
  u16(shstrIndex, is64 ? 0x3e : 0x32);
  out.forEach((s, i) => {
    s.data.copy(buf, offsets[i] ?? 0);
    const h = shoff + i * shentsize;
    u32(s.name, h);
    u32(s.type, h + 4);
    word(s.flags, h + 8);
    word(offsets[i] ?? 0, is64 ? h + 0x18 : h + 0x10);
    word(s.size, is64 ? h + 0x20 : h + 0x14);
    u32(s.link, is64 ? h + 0x28 : h + 0x18);
    u32(s.info, is64 ? h + 0x2c : h + 0x1c);
    word(1, is64 ? h + 0x30 : h + 0x20);
    word(s.entsize, is64 ? h + 0x38 : h + 0x24);
  });
  return buf;
}
