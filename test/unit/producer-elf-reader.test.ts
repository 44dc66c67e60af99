// The ELF reader on hand-built images: big-endian ELF32, truncation, section letters.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseElfSections, sectionLetter, sizesByLetter } from '../../src/producer/elf-sizes.js';

/** A big-endian ELF32 with a null section, the given sections and `.shstrtab`. */
function elf32be(sections: Array<{ name: string; type: number; flags: number; size: number }>): Buffer {
  const names = ['', ...sections.map((s) => s.name), '.shstrtab'];
  const strtab = Buffer.from(names.join('\0') + '\0', 'latin1');
  const offsets: number[] = [];
  let o = 0;
  for (const n of names) {
    offsets.push(o);
    o += Buffer.byteLength(n, 'latin1') + 1;
  }
  const strOff = 52;
  const shoff = strOff + strtab.length + ((4 - (strtab.length % 4)) % 4);
  const count = names.length;
  const buf = Buffer.alloc(shoff + count * 40);
  buf.writeUInt32BE(0x7f454c46, 0);
  buf[4] = 1; // ELF32
  buf[5] = 2; // big-endian
  buf[6] = 1;
  buf.writeUInt32BE(shoff, 0x20);
  buf.writeUInt16BE(52, 0x28);
  buf.writeUInt16BE(40, 0x2e);
  buf.writeUInt16BE(count, 0x30);
  buf.writeUInt16BE(count - 1, 0x32);
  strtab.copy(buf, strOff);
  const all = [{ name: '', type: 0, flags: 0, size: 0 }, ...sections, { name: '.shstrtab', type: 3, flags: 0, size: strtab.length }];
  all.forEach((s, i) => {
    const h = shoff + i * 40;
    buf.writeUInt32BE(offsets[i] ?? 0, h);
    buf.writeUInt32BE(s.type, h + 4);
    buf.writeUInt32BE(s.flags, h + 8);
    buf.writeUInt32BE(s.name === '.shstrtab' ? strOff : 0, h + 0x10);
    buf.writeUInt32BE(s.size, h + 0x14);
  });
  return buf;
}

test('big-endian ELF32: names, sizes and letters', () => {
  const img = elf32be([
    { name: '.text', type: 1, flags: 0x6, size: 1000 },
    { name: '.vectors', type: 1, flags: 0x6, size: 24 },
    { name: '.rodata', type: 1, flags: 0x2, size: 300 },
    { name: '.data', type: 1, flags: 0x3, size: 40 },
    { name: '.bss', type: 8, flags: 0x3, size: 4096 },
    { name: '.debug_info', type: 1, flags: 0, size: 9999 },
  ]);
  const info = parseElfSections(img, 'be.elf');
  assert.deepEqual([info.bits, info.littleEndian], [32, false]);
  assert.deepEqual(info.sections.map((s) => [s.name, s.size, sectionLetter(s) ?? '-']), [
    ['', 0, '-'],
    ['.text', 1000, 'T'],
    ['.vectors', 24, 'T'],
    ['.rodata', 300, 'R'],
    ['.data', 40, 'D'],
    ['.bss', 4096, 'B'],
    ['.debug_info', 9999, '-'],
    ['.shstrtab', info.sections[7]?.size ?? -1, '-'],
  ]);
  assert.deepEqual(sizesByLetter(info.sections), { T: 1024, R: 300, D: 40, B: 4096 });
});

test('garbage and truncated files are refused with the reason', () => {
  assert.throws(() => parseElfSections(Buffer.from('#!/bin/sh\n'.repeat(10)), 'x'), /^Error: x: not a readable ELF file \(no ELF magic\)$/);
  const img = elf32be([{ name: '.text', type: 1, flags: 6, size: 1 }]);
  assert.throws(() => parseElfSections(img.subarray(0, img.length - 10), 'cut.elf'), /cut\.elf: not a readable ELF file \(offset \d+ beyond the end of the file\)/);
  const odd = Buffer.from(img);
  odd[4] = 9;
  assert.throws(() => parseElfSections(odd, 'odd.elf'), /unknown class 9/);
});
