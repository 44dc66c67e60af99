// The version qmb prints: the package's, or in the single-file CLI the one it was built from.
import { readFileSync } from 'node:fs';
import { BUNDLED } from './bundled.js';

/** The package version (`0.1.0`); the single-file CLI carries it, having no package.json beside it. */
export function qmbVersion(): string {
  if (BUNDLED !== undefined) return BUNDLED.version;
  // The package root is two levels up from dist/src/, in a checkout and when installed alike.
  return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}
