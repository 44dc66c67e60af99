// A store whose answers a test scripts; it records every write (the delivery worker's and the journal contract's tests).
import type { Health, Sink, WriteResult } from '../../src/sinks/sink.js';

export class ScriptedSink implements Sink {
  readonly kind = 'influxdb' as const;
  writes: { db: string; lines: string }[] = [];
  created: string[] = [];
  answer: (db: string, lines: string) => WriteResult = () => ({ ok: true });
  /** Records the chunks as the one body the store receives. */
  write(db: string, chunks: readonly string[]): Promise<WriteResult> {
    const lines = chunks.join('\n');
    this.writes.push({ db, lines });
    return Promise.resolve(this.answer(db, lines));
  }
  createDatabase(db: string): Promise<void> {
    this.created.push(db);
    return Promise.resolve();
  }
  ping(): Promise<Health> {
    return Promise.resolve({ ok: true, detail: 'scripted' });
  }
  async close(): Promise<void> {}
}
