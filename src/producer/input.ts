// Reading producer input: files, or stdin for `-`.
import { readFile } from 'node:fs/promises';

/** Reads all of stdin as bytes. */
export async function readStdin(stream: NodeJS.ReadableStream = process.stdin): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks);
}

/** Reads a file's bytes, or stdin when the name is `-`. */
export async function readInput(name: string): Promise<Buffer> {
  if (name === '-') return readStdin();
  try {
    return await readFile(name);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new Error(`cannot read ${name}: ${e.code === 'ENOENT' ? 'no such file' : e.message}`);
  }
}
