// Writes the provisioning files into a folder.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { provisioningFiles, type ProvisioningOptions } from './provisioning.js';

/** Writes every provisioning file under `dir` (created if missing) and returns the paths written. */
export function exportGrafana(dir: string, options: ProvisioningOptions = {}): string[] {
  const written: string[] = [];
  for (const [rel, content] of provisioningFiles(options)) {
    const file = path.join(dir, rel);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, content);
    written.push(file);
  }
  return written;
}
