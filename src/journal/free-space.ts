// Free space in the data dir: new payloads are refused (507 STORAGE_FULL) while it is under
// QMB_MIN_FREE_BYTES, before SQLite runs out of it; a commit that runs out anyway is reported too.
import { statfsSync } from 'node:fs';
import { type Clock, systemClock } from '../clock.js';

/** The hot path asks the file system at most this often; what it admitted since is subtracted. */
const MEASURE_EVERY_MS = 1000;
/** A commit writes a payload's lines to the WAL and later into the database file: about twice its size. */
const COMMIT_OVERHEAD_BYTES = 4096;

/** The storage check of /readyz. */
export interface StorageStatus {
  ok: boolean;
  detail: string;
  free_bytes: number;
  min_free_bytes: number;
}

/** Bytes in a short human form for messages (`3.2 MiB`). */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(1)} ${units[u]}`;
}

/** Whether an error is SQLite (or the file system) running out of space. */
export function isDiskFull(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'SQLITE_FULL' || code === 'ENOSPC' || code === 'EDQUOT';
}

export class FreeSpace {
  readonly dir: string;
  readonly minFreeBytes: number;
  readonly #clock: Clock;
  #free = Number.POSITIVE_INFINITY;
  #measuredAt = Number.NEGATIVE_INFINITY;
  /** Bytes admitted since the last measurement. */
  #spent = 0;
  /** Free bytes when a commit last ran out of space; cleared by a commit or by more free space. */
  #fullAt: number | undefined;

  constructor(dir: string, minFreeBytes: number, clock: Clock = systemClock) {
    if (!(minFreeBytes >= 0)) throw new RangeError('minFreeBytes must not be negative');
    this.dir = dir;
    this.minFreeBytes = minFreeBytes;
    this.#clock = clock;
  }

  #measure(): number {
    try {
      const s = statfsSync(this.dir);
      this.#free = s.bavail * s.bsize;
    } catch {
      // The data dir unreadable is the journal check's to report; keep the last figure.
    }
    this.#measuredAt = this.#clock.now();
    this.#spent = 0;
    if (this.#fullAt !== undefined && this.#free > this.#fullAt) this.#fullAt = undefined;
    return this.#free;
  }

  /** Free bytes now, as far as known: measured at most once a second, minus what was admitted since. */
  #estimate(): number {
    if (this.#clock.now() - this.#measuredAt >= MEASURE_EVERY_MS) this.#measure();
    return this.#free - this.#spent;
  }

  /**
   * Whether committing `lines` leaves at least QMB_MIN_FREE_BYTES free; when it does, its size is
   * counted against the free space until the next measurement. A minimum of 0 admits everything
   * (SQLite's own "disk full" is then the only limit).
   */
  admit(lines: string): boolean {
    if (this.minFreeBytes === 0) return true;
    const bytes = 2 * lines.length + COMMIT_OVERHEAD_BYTES;
    if (this.#estimate() - bytes < this.minFreeBytes) return false;
    this.#spent += bytes;
    return true;
  }

  /** A commit ran out of space: storage is not ready until one succeeds or space is freed. */
  noteFull(): void {
    this.#fullAt = this.#measure();
  }

  /** A commit succeeded: whatever ran out before has room again. */
  noteCommitted(): void {
    this.#fullAt = undefined;
  }

  /** Measures now, for /readyz (and refreshes the figure the hot path uses). */
  status(): StorageStatus {
    const free = this.#measure();
    const base = { free_bytes: free, min_free_bytes: this.minFreeBytes };
    const where = `${formatBytes(free)} free in the data dir`;
    if (free < this.minFreeBytes) {
      return { ok: false, detail: `only ${where}, under QMB_MIN_FREE_BYTES (${formatBytes(this.minFreeBytes)}): new payloads get 507 STORAGE_FULL until space is freed`, ...base };
    }
    if (this.#fullAt !== undefined) {
      return { ok: false, detail: `the last journal commit ran out of space (${where}): new payloads get 507 STORAGE_FULL until space is freed`, ...base };
    }
    return { ok: true, detail: `${where} (QMB_MIN_FREE_BYTES ${formatBytes(this.minFreeBytes)})`, ...base };
  }
}
