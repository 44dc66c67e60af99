// `collect image-size` against binutils: the sizes it reads from ELF files compiled here with gcc
// (and built by hand, big-endian) equal what `nm -S` lists per class, and equal the CI text path.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, readFile, writeFile, copyFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseElf, sizedSymbols } from '../../src/producer/elf-sizes.js';
import { buildElf, SHF, SHT, STB, STT } from '../helpers/elf-image.js';
import { gitAt, runQmb, writeFiles } from '../helpers/producer-run.js';

const run = promisify(execFile);
let dir = '';

/** Every kind of symbol the CI text's classes come from: weak functions and objects, const data, bss, locals. */
const SOURCE = `
const char banner[] = "firmware image";
int counter = 3;
static long table[64];
static int seed = 5;
int scratch[256];
static const int lut[5] = { 1, 2, 3, 4, 5 };
__attribute__((weak)) int weak_counter = 7;
__attribute__((weak)) const int weak_table[3] = { 1, 2, 3 };
__attribute__((weak)) int weak_buffer[9];
__thread int per_thread;
__attribute__((weak)) int weak_hook(int x) { return x + lut[x % 5]; }
static int local_fn(int x) { static int calls; calls++; return x * 2 + calls; }
int step(int x) {
  table[x & 63] += x;
  per_thread++;
  return local_fn(x) * counter + seed + banner[x & 7] + scratch[x & 255] + weak_counter + weak_table[1] + weak_buffer[2] + weak_hook(x);
}
int main(void) { return step(2); }
`;

const CLASSES = ['B', 'D', 'R', 'T', 'V', 'W'] as const;
const COMMIT = ['--commit-id', '0123456789abcdef0123', '--commit-title', 'Fix: sizes', '--commit-date', '2021-06-01T08:00:00+00:00'];

/** A big-endian image with one symbol of each kind nm tells apart. */
function handBuilt(bits: 32 | 64): Buffer {
  const WA = SHF.WRITE | SHF.ALLOC;
  return buildElf({
    bits,
    littleEndian: false,
    sections: [
      { name: '.text', type: SHT.PROGBITS, flags: SHF.ALLOC | SHF.EXECINSTR, size: 64 },
      { name: '.rodata', type: SHT.PROGBITS, flags: SHF.ALLOC, size: 32 },
      { name: '.data', type: SHT.PROGBITS, flags: WA, size: 32 },
      { name: '.bss', type: SHT.NOBITS, flags: WA, size: 128 },
      { name: '.tbss', type: SHT.NOBITS, flags: WA | 0x400, size: 8 },
      { name: '.comment', type: SHT.PROGBITS, flags: 0, size: 8 },
    ],
    symbols: [
      { name: 'x.c', size: 0, bind: STB.LOCAL, type: STT.FILE, section: 0xfff1 },
      { name: '', size: 0, bind: STB.LOCAL, type: STT.SECTION, section: '.text' },
      { name: 'local_fn', size: 10, bind: STB.LOCAL, type: STT.FUNC, section: '.text' },
      { name: 'local_obj', size: 2, bind: STB.LOCAL, type: STT.OBJECT, section: '.data' },
      { name: 'local_ro', size: 5, bind: STB.LOCAL, type: STT.OBJECT, section: '.rodata' },
      { name: 'local_bss', size: 16, bind: STB.LOCAL, type: STT.OBJECT, section: '.bss' },
      { name: 'global_fn', size: 20, bind: STB.GLOBAL, type: STT.FUNC, section: '.text' },
      { name: 'weak_fn', size: 6, bind: STB.WEAK, type: STT.FUNC, section: '.text' },
      { name: 'weak_data', size: 4, bind: STB.WEAK, type: STT.OBJECT, section: '.data' },
      { name: 'weak_bss', size: 8, bind: STB.WEAK, type: STT.OBJECT, section: '.bss' },
      { name: 'weak_ro', size: 3, bind: STB.WEAK, type: STT.OBJECT, section: '.rodata' },
      { name: 'weak_tls', size: 8, bind: STB.WEAK, type: STT.TLS, section: '.tbss' },
      { name: 'weak_untyped', size: 1, bind: STB.WEAK, type: STT.NOTYPE, section: '.data' },
      { name: 'global_obj', size: 8, bind: STB.GLOBAL, type: STT.OBJECT, section: '.data' },
      { name: 'global_untyped', size: 1, bind: STB.GLOBAL, type: STT.NOTYPE, section: '.data' },
      { name: 'global_ro', size: 12, bind: STB.GLOBAL, type: STT.OBJECT, section: '.rodata' },
      { name: 'global_bss', size: 64, bind: STB.GLOBAL, type: STT.OBJECT, section: '.bss' },
      { name: 'common_obj', size: 32, bind: STB.GLOBAL, type: STT.OBJECT, section: 0xfff2 },
      { name: 'absolute', size: 4, bind: STB.GLOBAL, type: STT.NOTYPE, section: 0xfff1 },
      { name: 'weak_absolute', size: 4, bind: STB.WEAK, type: STT.OBJECT, section: 0xfff1 },
      { name: 'undefined', size: 0, bind: STB.GLOBAL, type: STT.NOTYPE, section: 0 },
      { name: 'undefined_weak', size: 0, bind: STB.WEAK, type: STT.FUNC, section: 0 },
      { name: 'undefined_weak_obj', size: 8, bind: STB.WEAK, type: STT.OBJECT, section: 0 },
      { name: 'in_comment', size: 2, bind: STB.GLOBAL, type: STT.OBJECT, section: '.comment' },
      { name: 'resolver', size: 4, bind: STB.GLOBAL, type: STT.GNU_IFUNC, section: '.text' },
      { name: 'unique', size: 4, bind: STB.GNU_UNIQUE, type: STT.OBJECT, section: '.data' },
    ],
  });
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'qmb-elf-'));
  await writeFiles(dir, { 'img.c': SOURCE });
  const src = join(dir, 'img.c');
  await run('gcc', ['-O0', '-o', join(dir, 'bl31.elf'), src]); // ELF64 executable, dynamic
  await run('gcc', ['-O2', '-static', '-o', join(dir, 'bl1.elf'), src]); // static: C library's weak symbols by the hundred
  await run('gcc', ['-m32', '-O1', '-fcommon', '-c', '-o', join(dir, 'bl2.elf'), src]); // ELF32 relocatable, a common symbol
  await writeFile(join(dir, 'bl32.elf'), handBuilt(32)); // big-endian ELF32
  await writeFile(join(dir, 'bl2u.elf'), handBuilt(64)); // big-endian ELF64
  await run('gcc', ['-c', '-o', join(dir, 'tool.elf'), src]); // not a tracked image
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const TRACKED = ['bl31.elf', 'bl1.elf', 'bl2.elf', 'bl32.elf', 'bl2u.elf'];

/** The lines of `nm -S` that carry a size: class letter, size and name. */
async function nmSized(file: string): Promise<Array<{ cls: string; size: number; name: string }>> {
  const { stdout } = await run('nm', ['-S', file], { maxBuffer: 64 * 1024 * 1024 });
  const out = [];
  for (const line of stdout.split('\n')) {
    const m = /^[0-9a-f]+ ([0-9a-f]+) (\S) (.*)$/.exec(line);
    if (m) out.push({ size: parseInt(m[1] ?? '', 16), cls: m[2] ?? '', name: m[3] ?? '' });
  }
  return out;
}

/** What the CI job's image-size step computes: `nm -S` sizes summed per class, case folded, for B D R T V W. */
async function nmClassSums(file: string): Promise<Partial<Record<string, number>>> {
  const sums: Partial<Record<string, number>> = {};
  for (const s of await nmSized(file)) {
    const cls = s.cls.toUpperCase();
    if ((CLASSES as readonly string[]).includes(cls)) sums[cls] = (sums[cls] ?? 0) + s.size;
  }
  return sums;
}

interface ImagePayload {
  data: Array<{ measurement: string; fields: Record<string, number>; tags: Record<string, string>; time: string }>;
}

async function collect(files: string[]): Promise<ImagePayload> {
  const r = await runQmb(['collect', 'image-size', ...files, '--build-config', 'fvp-default', '--bin-mode', 'release', ...COMMIT]);
  assert.equal(r.code, 0, r.stderr);
  if (files.some((f) => f.endsWith('tool.elf'))) assert.match(r.stderr, /skipping .*tool\.elf: tool is not one of bl1, bl1u, bl2, bl2u, bl31, bl32/);
  return JSON.parse(r.stdout) as ImagePayload;
}

test('collect image-size gives, per image, the nm -S sizes summed per class, weak V and W included', async () => {
  const payload = await collect(TRACKED.map((f) => join(dir, f)));
  const fields = payload.data[0]?.fields ?? {};
  const seen = new Set<string>();
  for (const file of TRACKED) {
    const image = file.replace(/\.elf$/, '').toUpperCase();
    const expected = await nmClassSums(join(dir, file));
    const got: Partial<Record<string, number>> = {};
    for (const cls of CLASSES) if (fields[`${image}_${cls}`] !== undefined) got[cls] = fields[`${image}_${cls}`];
    assert.deepEqual(got, expected, `${file}: qmb vs nm -S`);
    for (const [cls, n] of Object.entries(expected)) if ((n ?? 0) > 0) seen.add(cls);
  }
  // The binaries exercise every class the text file knows, and locals (lowercase) fold into them.
  assert.deepEqual([...seen].sort(), [...CLASSES]);
  const letters = new Set((await nmSized(join(dir, 'bl31.elf'))).map((s) => s.cls));
  for (const c of ['t', 'b', 'r', 'd', 'T', 'B', 'R', 'D', 'V', 'W']) assert.ok(letters.has(c), `nm -S lists class ${c} in bl31.elf`);
  assert.ok(((await nmClassSums(join(dir, 'bl1.elf'))).W ?? 0) > 1000, 'the static binary has weak functions of the C library');
});

test('symbol by symbol, the reader lists what nm -S lists with a size, with the same class', async () => {
  for (const file of [...TRACKED, 'tool.elf']) {
    const path = join(dir, file);
    const key = (s: { cls: string; size: number; name: string }) => `${s.cls} ${s.size} ${s.name}`;
    const ours = sizedSymbols(parseElf(await readFile(path), path)).map(key).sort();
    // nm shows a versioned name (memcpy@GLIBC_2.14) for dynamic references; the symbol table has the bare name.
    const theirs = (await nmSized(path)).map((s) => key({ ...s, name: s.name.replace(/@.*$/, '') })).sort();
    assert.deepEqual(ours, theirs, file);
  }
});

/** `size -A`: section name -> size. */
async function sizeA(file: string): Promise<Map<string, number>> {
  const { stdout } = await run('size', ['-A', file]);
  const m = new Map<string, number>();
  for (const line of stdout.split('\n')) {
    const r = /^(\S+)\s+(\d+)\s+\d+$/.exec(line);
    if (r) m.set(r[1] ?? '', Number(r[2]));
  }
  return m;
}

test('section headers read as size -A reports them (ELF64 executable, ELF32 relocatable)', async () => {
  for (const [file, bits] of [['bl31.elf', 64], ['bl2.elf', 32]] as const) {
    const path = join(dir, file);
    const info = parseElf(await readFile(path), path);
    assert.equal(info.bits, bits);
    const reference = await sizeA(path);
    assert.ok(reference.size >= 5);
    for (const [name, size] of reference) assert.equal(info.sections.find((s) => s.name === name)?.size, size, `${file}: size of ${name}`);
  }
});

test('an image_size.txt written from nm -S converts to exactly the payload collect image-size gives', async () => {
  const files = [...TRACKED, 'tool.elf'].map((f) => join(dir, f));
  const fromElf = await collect(files);

  let text = 'BuildConfig:      fvp-default\nBinMode:          release\nCommitID:         0123456789abcdef0123\n';
  text += 'CommitTitle:      Fix: sizes\nCommitDate:       2021-06-01T08:00:00+00:00\n';
  for (const f of files) {
    text += `${f}:\n`;
    const sums = await nmClassSums(f);
    for (const cls of CLASSES) if (sums[cls] !== undefined) text += `${cls} ${sums[cls]}\n`;
    text += '\n';
  }
  await writeFile(join(dir, 'image_size.txt'), text);
  const c = await runQmb(['convert', 'image-size', join(dir, 'image_size.txt')]);
  assert.equal(c.code, 0, c.stderr);
  const fromText = JSON.parse(c.stdout) as ImagePayload;

  const a = fromElf.data[0]?.fields ?? {};
  const b = fromText.data[0]?.fields ?? {};
  for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) assert.equal(a[key], b[key], `field ${key}: collect vs convert`);
  assert.ok(Object.keys(a).some((k) => k.endsWith('_V')) && Object.keys(a).some((k) => k.endsWith('_W')));
  assert.deepEqual(fromElf, fromText);
});

test('a stripped ELF file has no symbols to sum: a clear error, not an empty series', async () => {
  const stripped = join(dir, 'stripped', 'bl31.elf');
  await writeFiles(dir, { 'stripped/.keep': '' });
  await copyFile(join(dir, 'bl31.elf'), stripped);
  await run('strip', [stripped]);
  const r = await runQmb(['collect', 'image-size', stripped, '--build-config', 'juno', '--bin-mode', 'debug', ...COMMIT]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^qmb: .*bl31\.elf: no symbol table \(\.symtab\)/m);
});

test('collect image-size reads the commit from git; a non-ELF file is a clear error', async () => {
  const repo = join(dir, 'repo');
  await gitAt(dir, '2022-02-02T02:02:02+00:00', ['init', '-q', repo]);
  await writeFiles(repo, { 'f.txt': 'x\n' });
  await gitAt(repo, '2022-02-02T02:02:02+00:00', ['add', '-A']);
  await gitAt(repo, '2022-02-02T02:02:02+00:00', ['commit', '-q', '-m', 'Build bl31']);
  const head = (await gitAt(repo, '2022-02-02T02:02:02+00:00', ['rev-parse', 'HEAD'])).trim();
  const r = await runQmb(['collect', 'image-size', join(dir, 'bl31.elf'), '--build-config', 'juno', '--bin-mode', 'debug', '--repo', repo]);
  assert.equal(r.code, 0, r.stderr);
  const p = JSON.parse(r.stdout) as ImagePayload;
  assert.deepEqual(p.data[0]?.tags, { BinMode: 'Debug', CommitID: head.slice(0, 10), CommitTitle: 'Build bl31' });
  assert.equal(p.data[0]?.time, '2022-02-02T02:02:02+00:00');
  assert.equal(p.data[0]?.measurement, 'juno');

  await writeFile(join(dir, 'bl1u.elf'), 'not an elf');
  const bad = await runQmb(['collect', 'image-size', join(dir, 'bl1u.elf'), '--build-config', 'juno', '--bin-mode', 'debug', '--repo', repo]);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /^qmb: .*bl1u\.elf: not a readable ELF file \(no ELF magic\)\n$/m);
});
