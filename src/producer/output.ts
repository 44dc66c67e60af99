// Where collected or converted payloads go: stdout, --out, --out-dir, and/or --push.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { PushOptions } from './push.js';
import { pushAndReport } from './push-change.js';
import { serializePayload, type Payload } from './payload.js';

/** Destinations chosen on the command line. */
export interface EmitOptions {
  /** One file with one payload per line. */
  out?: string;
  /** A directory receiving `<metric>.json` per payload, ready for `qmb push DIR/*.json`. */
  outDir?: string;
  /** Push options, resolved only when --push was given (a login happens then). */
  push?: () => Promise<PushOptions>;
  /** After each push that got in, print the series it changed against the previous revision (default true). */
  compare?: boolean;
  write: (text: string) => void;
  log: (line: string) => void;
}

/**
 * Writes or pushes the payloads. Data goes to stdout only when nothing else was asked for,
 * so push summaries are not mixed into a payload stream. Returns false when a push failed.
 */
export async function emitPayloads(payloads: readonly Payload[], opts: EmitOptions): Promise<boolean> {
  const lines = payloads.map((p) => serializePayload(p));
  if (payloads.length === 0) opts.log('nothing to emit');
  if (opts.out !== undefined) await writeFile(opts.out, lines.map((l) => l + '\n').join(''));
  if (opts.outDir !== undefined) {
    await mkdir(opts.outDir, { recursive: true });
    for (const [i, p] of payloads.entries()) await writeFile(join(opts.outDir, `${p.metadata.metrics}.json`), `${lines[i]}\n`);
  }
  if (opts.out === undefined && opts.outDir === undefined && !opts.push) {
    for (const l of lines) opts.write(l + '\n');
  }
  if (!opts.push || payloads.length === 0) return true;
  const push = await opts.push();
  let ok = true;
  for (const [i, p] of payloads.entries()) {
    const name = p.metadata.metrics;
    const result = await pushAndReport(Buffer.from(lines[i] ?? ''), name, push, { compare: opts.compare ?? true, write: opts.write, log: opts.log });
    ok &&= result.ok;
  }
  return ok;
}
