// The journal's files at start: journal.sqlite is opened only when it is whole (quick_check) and is
// the journal its marker journal.id names, at least as far as the marker saw it; otherwise start-up
// is refused. `--new-journal` sets refused files aside, `--accept-journal` takes the journal as found.
import { randomUUID } from 'node:crypto';
import { open, rename, unlink } from 'node:fs/promises';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, statSync, writeSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { STARTUP_RUNBOOK, damagedFileError, dataFileError } from '../data-files.js';
import { JournalRefusedError } from '../errors.js';

export const JOURNAL_FILE = 'journal.sqlite';
export const MARKER_FILE = 'journal.id';
const SIDE_FILES = ['-wal', '-shm'];

/**
 * What survives beside the journal and says it existed: its id (also stored inside the journal)
 * and the highest submission id seen committed. Updated at most about once a second, and on close.
 */
export interface JournalMarker {
  journal_id: string;
  last_submission_id: number;
  updated_at: string;
}

/**
 * How start-up treats the journal: `open` refuses one that is missing, empty, damaged, another
 * journal or older than its marker; `new` sets such a journal aside and starts an empty one (an
 * intact journal is kept); `accept` takes an intact journal as found, whatever the marker says.
 */
export type JournalStart = 'open' | 'new' | 'accept';

export interface OpenedJournal {
  db: Database.Database;
  journalId: string;
  /** The highest submission id ever given in this journal (AUTOINCREMENT's, survives pruning). */
  lastId: number;
  /** A line for the operator about what start-up did to the journal's files, when it did anything. */
  notice: string | undefined;
}

function readMarker(file: string): JournalMarker | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw dataFileError('marker', file, err, 'read');
  }
  let parsed: Partial<JournalMarker> | undefined;
  try {
    parsed = JSON.parse(text) as Partial<JournalMarker>;
  } catch {
    parsed = undefined;
  }
  if (!parsed || typeof parsed.journal_id !== 'string' || !Number.isSafeInteger(parsed.last_submission_id)) {
    throw damagedFileError('marker', file, 'is not a valid journal marker (it is written by the broker alone)');
  }
  return parsed as JournalMarker;
}

/** Replaces the marker atomically (temp file, fsync, rename): it is the old one or the new one, never torn. */
export function writeMarker(file: string, marker: JournalMarker): void {
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w', 0o644);
  try {
    writeSync(fd, `${JSON.stringify(marker)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
  // The rename itself reaches the disk with the folder's entry.
  const dirFd = openSync(path.dirname(file), 'r');
  try {
    fsyncSync(dirFd);
  } finally {
    closeSync(dirFd);
  }
}

/**
 * As writeMarker, off the event loop (the fsyncs run on libuv's threads: one took 35 ms under
 * load, stalling every request in flight). Its own temp file, so a concurrent writeMarker is not
 * torn; the rename is skipped when `stillWanted` says no (the journal closed meanwhile).
 */
export async function writeMarkerAsync(file: string, marker: JournalMarker, stillWanted: () => boolean): Promise<void> {
  const tmp = `${file}.${process.pid}.async.tmp`;
  const handle = await open(tmp, 'w', 0o644);
  try {
    await handle.writeFile(`${JSON.stringify(marker)}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  // A synchronous write (on close) may have replaced the marker with a newer one meanwhile.
  if (!stillWanted()) {
    await unlink(tmp);
    return;
  }
  await rename(tmp, file);
  const dir = await open(path.dirname(file), 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}

function sizeOf(file: string): number | undefined {
  try {
    return statSync(file).size;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw dataFileError('journal', file, err, 'read');
  }
}

/** Moves the journal's files (and its marker) into a new folder of the data dir; returns it and what moved. */
function setAside(dataDir: string): { dir: string; moved: string[] } {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  let dir = path.join(dataDir, `journal-aside-${stamp}`);
  for (let n = 2; existsSync(dir); n++) dir = path.join(dataDir, `journal-aside-${stamp}-${n}`);
  const names = [JOURNAL_FILE, ...SIDE_FILES.map((s) => `${JOURNAL_FILE}${s}`), MARKER_FILE];
  const moved: string[] = [];
  try {
    mkdirSync(dir);
    for (const name of names) {
      if (!existsSync(path.join(dataDir, name))) continue;
      renameSync(path.join(dataDir, name), path.join(dir, name));
      moved.push(name);
    }
  } catch (err) {
    throw dataFileError('dataDir', dataDir, err, 'set the old journal aside in');
  }
  return { dir, moved };
}

/** PRAGMA quick_check: the b-trees and pages are sound (not the index contents; that would be integrity_check, slower). */
function quickCheck(db: Database.Database, file: string): void {
  const rows = db.pragma('quick_check') as { quick_check: string }[];
  // Problems come one a row, the first prefixed with a "*** in database main ***" line.
  const problems = rows
    .flatMap((r) => r.quick_check.split('\n'))
    .filter((p) => p !== 'ok' && !p.startsWith('***'))
    .map((p) => p.trim());
  if (problems.length > 0) {
    const more = problems.length > 1 ? ` and ${problems.length - 1} more` : '';
    throw damagedFileError('journal', file, `failed SQLite's quick_check, it is damaged (${problems[0]}${more})`);
  }
}

function refuse(file: string, problem: string, todo: string): JournalRefusedError {
  const what = `the journal ${file} ${problem}`;
  return new JournalRefusedError(file, `${what}; ${todo} (see ${STARTUP_RUNBOOK})`, what);
}

const RESTORE_OR_NEW =
  'restore it from a backup (docs/backup.md), or start with an empty journal deliberately: qmb serve --new-journal (sets the old files aside)';

function openChecked(dataDir: string, schema: string, start: 'open' | 'accept'): OpenedJournal {
  const file = path.join(dataDir, JOURNAL_FILE);
  const markerFile = path.join(dataDir, MARKER_FILE);
  let marker: JournalMarker | undefined;
  let markerBroken = false;
  try {
    marker = readMarker(markerFile);
  } catch (err) {
    // --accept-journal rewrites a broken marker from the journal.
    if (start !== 'accept' || !(err instanceof JournalRefusedError)) throw err;
    markerBroken = true;
  }
  const size = sizeOf(file);
  let held = '';
  if (marker) {
    held =
      marker.last_submission_id > 0
        ? `, but ${markerFile} shows that journal ${marker.journal_id} held submissions up to submission ${marker.last_submission_id}: the accepted payloads not yet delivered are gone from it`
        : `, but ${markerFile} shows that journal ${marker.journal_id} existed here (before its first submission)`;
  }
  if (size === undefined && (marker || existsSync(`${file}-wal`))) throw refuse(file, `is missing${held || ` (its ${JOURNAL_FILE}-wal is still there)`}`, RESTORE_OR_NEW);
  if (size === 0) throw refuse(file, `is empty (0 bytes)${held}`, RESTORE_OR_NEW);

  const creating = size === undefined;
  let db: Database.Database | undefined;
  try {
    db = new Database(file, { fileMustExist: !creating });
    db.pragma('busy_timeout = 5000');
    if (!creating) quickCheck(db, file);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.exec(schema);
    let journalId = (db.prepare(`SELECT value FROM meta WHERE key = 'journal_id'`).get() as { value: string } | undefined)?.value;
    const lastId = (db.prepare(`SELECT seq FROM sqlite_sequence WHERE name = 'submissions'`).get() as { seq: number } | undefined)?.seq ?? 0;
    if (marker && start === 'open') {
      if (journalId !== marker.journal_id) {
        throw refuse(
          file,
          `belongs to another journal (${journalId ?? 'one without an id'}) than the one ${markerFile} names (${marker.journal_id}): the file was replaced`,
          `put the right ${JOURNAL_FILE} back, or start with this one as it is: qmb serve --accept-journal`,
        );
      }
      if (lastId < marker.last_submission_id) {
        throw refuse(
          file,
          `ends at submission ${lastId}, but ${markerFile} shows the journal reached submission ${marker.last_submission_id}: later commits are gone (an older copy, or a deleted ${JOURNAL_FILE}-wal)`,
          'restore the latest backup (docs/backup.md), or continue with this journal as it is: qmb serve --accept-journal (the lost submissions stay lost)',
        );
      }
    }
    // A journal of a broker from before the marker gets its id now.
    if (journalId === undefined) {
      journalId = randomUUID();
      db.prepare(`INSERT INTO meta (key, value) VALUES ('journal_id', ?)`).run(journalId);
    }
    if (!marker || marker.journal_id !== journalId || marker.last_submission_id !== lastId) {
      try {
        writeMarker(markerFile, { journal_id: journalId, last_submission_id: lastId, updated_at: new Date().toISOString() });
      } catch (err) {
        throw dataFileError('marker', markerFile, err, 'write');
      }
    }
    let notice: string | undefined;
    if (start === 'accept' && (markerBroken || (marker && (marker.journal_id !== journalId || marker.last_submission_id > lastId)))) {
      notice = `--accept-journal: took ${file} as it is (journal ${journalId}, up to submission ${lastId}) and wrote ${markerFile} anew`;
    }
    return { db, journalId, lastId, notice };
  } catch (err) {
    db?.close();
    throw dataFileError('journal', file, err);
  }
}

/** Opens the journal of a data dir as `start` says, or throws a StartupError naming the file and the remedy. */
export function openJournalFiles(dataDir: string, schema: string, start: JournalStart = 'open'): OpenedJournal {
  try {
    mkdirSync(dataDir, { recursive: true });
  } catch (err) {
    throw dataFileError('dataDir', dataDir, err, 'create');
  }
  if (start !== 'new') return openChecked(dataDir, schema, start);
  try {
    const kept = openChecked(dataDir, schema, 'open');
    return { ...kept, notice: `--new-journal: the journal ${path.join(dataDir, JOURNAL_FILE)} is intact, so it was kept (move it away yourself to start empty)` };
  } catch (err) {
    if (!(err instanceof JournalRefusedError)) throw err;
    const { dir, moved } = setAside(dataDir);
    const opened = openChecked(dataDir, schema, 'open');
    return {
      ...opened,
      notice: `--new-journal: set the old journal aside in ${dir} (${moved.join(', ')}; nothing deleted), as ${err.problem}; started the empty journal ${opened.journalId}`,
    };
  }
}
