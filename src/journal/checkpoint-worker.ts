// Runs in a worker thread: checkpoints the journal's WAL into its database file, so the fsyncs of a checkpoint never stall the event loop.
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

const { file, intervalMs } = workerData as { file: string; intervalMs: number };
const db = new Database(file, { fileMustExist: true });
db.pragma('busy_timeout = 5000');
// This connection never writes: it must not checkpoint by itself either (it would not anyway).
db.pragma('wal_autocheckpoint = 0');

const timer = setInterval(() => {
  // PASSIVE: copies what no reader still needs, without waiting for readers or the writer.
  db.pragma('wal_checkpoint(PASSIVE)');
}, intervalMs);

parentPort?.on('message', (message) => {
  if (message !== 'stop') return;
  clearInterval(timer);
  db.close();
  parentPort?.close();
});
