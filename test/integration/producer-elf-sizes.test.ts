// ELF section sizes from binaries compiled here with gcc, checked against binutils `size`,
// and `collect image-size` checked against the text-file path for the same sizes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseElfSections, sectionLetter, sizesByLetter } from '../../src/producer/elf-sizes.js';
import { gitAt, runQmb, writeFiles } from './producer-run.js';

const run = promisify(execFile);
let dir = '';

const SOURCE = `
const char banner[] = "firmware image";
int counter = 3;
static long table[64];
int scratch[256];
int step(int x) { table[x & 63] += x; return x * counter + banner[x & 7] + scratch[x & 255]; }
int main(void) { return step(2); }
`;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'qmb-elf-'));
  await writeFiles(dir, { 'img.c': SOURCE });
  await run('gcc', ['-O0', '-o', join(dir, 'bl31.elf'), join(dir, 'img.c')]); // ELF64 executable
  await run('gcc', ['-m32', '-O1', '-c', '-o', join(dir, 'bl2.elf'), join(dir, 'img.c')]); // ELF32 relocatable
  await run('gcc', ['-c', '-o', join(dir, 'tool.elf'), join(dir, 'img.c')]); // not a tracked image
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
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

/** Berkeley `size`: text, data, bss. */
async function berkeley(file: string): Promise<[number, number, number]> {
  const { stdout } = await run('size', [file]);
  const r = /^\s*(\d+)\s+(\d+)\s+(\d+)/m.exec(stdout.split('\n')[1] ?? '');
  return [Number(r?.[1]), Number(r?.[2]), Number(r?.[3])];
}

for (const [name, bits] of [['bl31.elf', 64], ['bl2.elf', 32]] as const) {
  test(`${name} (ELF${bits}): section sizes as size -A reports them, sums as size's text/data/bss`, async () => {
    const file = join(dir, name);
    const info = parseElfSections(await readFile(file), file);
    assert.equal(info.bits, bits);
    const reference = await sizeA(file);
    const allocated = info.sections.filter((s) => sectionLetter(s) !== undefined);
    assert.ok(allocated.length >= 3);
    for (const s of allocated) assert.equal(s.size, reference.get(s.name), `size of ${s.name}`);
    for (const n of ['.text', '.data', '.bss', '.rodata']) assert.ok(allocated.some((s) => s.name === n), `${n} found`);
    // size -A lists every allocated section we count, and only non-allocated ones besides.
    for (const [n] of reference) {
      if (!allocated.some((s) => s.name === n)) assert.ok(info.sections.some((s) => s.name === n && sectionLetter(s) === undefined), `${n} is not allocated`);
    }
    const sums = sizesByLetter(info.sections);
    const [text, data, bss] = await berkeley(file);
    assert.equal((sums.T ?? 0) + (sums.R ?? 0), text, 'T + R = text');
    assert.equal(sums.D ?? 0, data, 'D = data');
    assert.equal(sums.B ?? 0, bss, 'B = bss');
    assert.equal(sums.V, undefined);
    assert.equal(sums.W, undefined);
  });
}

test('collect image-size gives the payload the text path gives for the same sizes', async () => {
  const commit = ['--commit-id', '0123456789abcdef0123', '--commit-title', 'Fix: sizes', '--commit-date', '2021-06-01T08:00:00+00:00'];
  const files = ['bl31.elf', 'bl2.elf', 'tool.elf'].map((f) => join(dir, f));
  const r = await runQmb(['collect', 'image-size', ...files, '--build-config', 'fvp-default', '--bin-mode', 'release', ...commit]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /skipping .*tool\.elf: tool is not one of bl1, bl1u, bl2, bl2u, bl31, bl32/);
  const fromElf = JSON.parse(r.stdout) as { data: Array<{ fields: Record<string, number>; tags: Record<string, string> }> };
  assert.deepEqual(fromElf.data[0]?.tags, { BinMode: 'Release', CommitID: '0123456789', CommitTitle: 'Fix: sizes' });
  assert.ok((fromElf.data[0]?.fields.BL31_T ?? 0) > 0 && (fromElf.data[0]?.fields.BL2_B ?? 0) > 0);

  // The same sizes written as CI text, as a CI job would have.
  let text = 'BuildConfig: fvp-default\nBinMode: release\nCommitID: 0123456789abcdef0123\nCommitTitle: Fix: sizes\nCommitDate: 2021-06-01T08:00:00+00:00\n';
  for (const f of files) {
    text += `${f}:\n`;
    const sums = sizesByLetter(parseElfSections(await readFile(f)).sections);
    for (const [letter, bytes] of Object.entries(sums)) text += `${letter} ${bytes}\n`;
    text += '\n';
  }
  await writeFile(join(dir, 'image_size.txt'), text);
  const c = await runQmb(['convert', 'image-size', join(dir, 'image_size.txt')]);
  assert.equal(c.code, 0, c.stderr);
  assert.deepEqual(JSON.parse(c.stdout), fromElf);
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
  const p = JSON.parse(r.stdout) as { data: Array<{ tags: unknown; time: string; measurement: string }> };
  assert.deepEqual(p.data[0]?.tags, { BinMode: 'Debug', CommitID: head.slice(0, 10), CommitTitle: 'Build bl31' });
  assert.equal(p.data[0]?.time, '2022-02-02T02:02:02+00:00');
  assert.equal(p.data[0]?.measurement, 'juno');

  await writeFile(join(dir, 'bl1.elf'), 'not an elf');
  const bad = await runQmb(['collect', 'image-size', join(dir, 'bl1.elf'), '--build-config', 'juno', '--bin-mode', 'debug', '--repo', repo]);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /^qmb: .*bl1\.elf: not a readable ELF file \(no ELF magic\)\n$/m);
});
