// The ELF reader on hand-built images: both classes and byte orders, nm's symbol classes, truncation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nmClass, parseElf, sizedSymbols, sizesByClass } from '../../src/producer/elf-sizes.js';
import { buildElf, SHF, SHT, STB, STT, type ElfSpec } from '../helpers/elf-image.js';

const WA = SHF.WRITE | SHF.ALLOC;
const SECTIONS: ElfSpec['sections'] = [
  { name: '.text', type: SHT.PROGBITS, flags: SHF.ALLOC | SHF.EXECINSTR, size: 1000 },
  { name: '.rodata', type: SHT.PROGBITS, flags: SHF.ALLOC, size: 300 },
  { name: '.data', type: SHT.PROGBITS, flags: WA, size: 40 },
  { name: '.bss', type: SHT.NOBITS, flags: WA, size: 4096 },
  { name: '.debug_info', type: SHT.PROGBITS, flags: 0, size: 99 },
];
const SYMBOLS: NonNullable<ElfSpec['symbols']> = [
  { name: 'img.c', size: 0, bind: STB.LOCAL, type: STT.FILE, section: 0xfff1 },
  { name: '', size: 0, bind: STB.LOCAL, type: STT.SECTION, section: '.text' },
  { name: 'local_fn', size: 10, bind: STB.LOCAL, type: STT.FUNC, section: '.text' },
  { name: 'local_bss', size: 16, bind: STB.LOCAL, type: STT.OBJECT, section: '.bss' },
  { name: 'main', size: 20, bind: STB.GLOBAL, type: STT.FUNC, section: '.text' },
  { name: 'banner', size: 15, bind: STB.GLOBAL, type: STT.OBJECT, section: '.rodata' },
  { name: 'counter', size: 4, bind: STB.GLOBAL, type: STT.OBJECT, section: '.data' },
  { name: 'scratch', size: 1024, bind: STB.GLOBAL, type: STT.OBJECT, section: '.bss' },
  { name: 'weak_hook', size: 6, bind: STB.WEAK, type: STT.FUNC, section: '.text' },
  { name: 'weak_table', size: 12, bind: STB.WEAK, type: STT.OBJECT, section: '.rodata' },
  { name: 'weak_buffer', size: 36, bind: STB.WEAK, type: STT.OBJECT, section: '.bss' },
  { name: 'weak_label', size: 0, bind: STB.WEAK, type: STT.NOTYPE, section: '.data' },
  { name: 'common', size: 64, bind: STB.GLOBAL, type: STT.OBJECT, section: 0xfff2 },
  { name: 'absolute', size: 8, bind: STB.GLOBAL, type: STT.NOTYPE, section: 0xfff1 },
  { name: 'undefined_weak_obj', size: 8, bind: STB.WEAK, type: STT.OBJECT, section: 0 },
  { name: 'undefined', size: 0, bind: STB.GLOBAL, type: STT.NOTYPE, section: 0 },
  { name: 'debug_var', size: 3, bind: STB.LOCAL, type: STT.OBJECT, section: '.debug_info' },
];

for (const bits of [32, 64] as const) {
  for (const littleEndian of [false, true]) {
    test(`ELF${bits} ${littleEndian ? 'little' : 'big'}-endian: sections, symbols, nm classes and their sums`, () => {
      const info = parseElf(buildElf({ bits, littleEndian, sections: SECTIONS, symbols: SYMBOLS }), 'x.elf');
      assert.deepEqual([info.bits, info.littleEndian], [bits, littleEndian]);
      assert.deepEqual(
        info.sections.slice(1, 6).map((s) => [s.name, s.size]),
        SECTIONS.map((s) => [s.name, s.size]),
      );
      assert.equal(info.symbols?.length, SYMBOLS.length);
      const classes = Object.fromEntries((info.symbols ?? []).filter((s) => s.name !== '').map((s) => [s.name, nmClass(s, info.sections)]));
      assert.deepEqual(classes, {
        'img.c': 'a',
        local_fn: 't',
        local_bss: 'b',
        main: 'T',
        banner: 'R',
        counter: 'D',
        scratch: 'B',
        weak_hook: 'W',
        weak_table: 'V',
        weak_buffer: 'V',
        weak_label: 'W',
        common: 'C',
        absolute: 'A',
        undefined_weak_obj: 'v',
        undefined: 'U',
        debug_var: 'N',
      });
      // nm -S shows sizes of defined symbols only: the undefined weak object's 8 bytes do not count.
      assert.ok(!sizedSymbols(info).some((s) => s.name === 'undefined_weak_obj' || s.name === 'weak_label'));
      assert.deepEqual(sizesByClass(info), { T: 30, B: 1040, R: 15, D: 4, W: 6, V: 48 });
    });
  }
}

test('a file without a symbol table reads as such; garbage and truncated files are refused with the reason', () => {
  const stripped = parseElf(buildElf({ bits: 64, littleEndian: true, sections: SECTIONS }), 's.elf');
  assert.equal(stripped.symbols, undefined);
  assert.deepEqual(sizesByClass(stripped), {});
  assert.throws(() => parseElf(Buffer.from('#!/bin/sh\n'.repeat(10)), 'x'), /^Error: x: not a readable ELF file \(no ELF magic\)$/);
  const img = buildElf({ bits: 32, littleEndian: false, sections: SECTIONS, symbols: SYMBOLS });
  assert.throws(() => parseElf(img.subarray(0, img.length - 10), 'cut.elf'), /cut\.elf: not a readable ELF file \(offset \d+ beyond the end of the file\)/);
  const odd = Buffer.from(img);
  odd[4] = 9;
  assert.throws(() => parseElf(odd, 'odd.elf'), /unknown class 9/);
});
