// Start-up failures of the data dir's files explained: which file, what went wrong, what to do.
import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import { JournalRefusedError, StartupError } from './errors.js';

/** The runbook section with every start-up failure and its remedy. */
export const STARTUP_RUNBOOK = 'docs/runbook.md#the-broker-does-not-start';

/** The files of the data dir (and the dir itself), by the job they do. */
export type DataFileRole = 'journal' | 'marker' | 'store' | 'checks' | 'users' | 'secret' | 'dataDir';

const NAMES: Record<DataFileRole, string> = {
  journal: 'journal',
  marker: 'journal marker',
  store: 'embedded store',
  checks: 'recorded checks',
  users: 'users file',
  secret: 'key file',
  dataDir: 'data dir',
};

/** What to do when a file's content is damaged. */
const DAMAGED: Record<DataFileRole, string> = {
  journal:
    'restore journal.sqlite from a backup (docs/backup.md), or start with an empty journal: qmb serve --new-journal (sets the damaged files aside; the undelivered submissions in them are not sent)',
  marker: 'if journal.sqlite is the right journal, start once with qmb serve --accept-journal, which writes the marker anew',
  store: 'restore store.sqlite from a backup (docs/backup.md), or move it out of the data dir to start with an empty embedded store',
  checks: 'restore checks.sqlite from a backup (docs/backup.md), or move it out of the data dir: it holds only recorded checks, no metrics',
  users: 'fix the file or restore it from a backup (docs/backup.md); qmb users add writes a valid one',
  secret:
    'restore it from a backup (docs/backup.md) to keep the issued tokens valid, or remove it to have a new key generated (every issued token then stops working)',
  dataDir: 'restore the data dir from a backup (docs/backup.md)',
};

type Cause = 'damaged' | 'access' | 'full' | 'busy' | 'io' | 'other';

/** Sorts an SQLite or file-system error by what the operator has to do about it. */
function causeOf(err: unknown): { cause: Cause; text: string } {
  const e = err as { code?: unknown; message?: unknown };
  const code = typeof e.code === 'string' ? e.code : '';
  const message = typeof e.message === 'string' ? e.message : String(err);
  if (code === 'SQLITE_NOTADB') return { cause: 'damaged', text: `it is not an SQLite database (${message})` };
  if (code.startsWith('SQLITE_CORRUPT')) return { cause: 'damaged', text: `it is damaged (${message})` };
  if (/^SQLITE_(CANTOPEN|READONLY|PERM|AUTH)/.test(code) || ['EACCES', 'EPERM', 'EROFS'].includes(code)) return { cause: 'access', text: message };
  if (code === 'SQLITE_FULL' || code === 'ENOSPC' || code === 'EDQUOT') return { cause: 'full', text: message };
  if (/^SQLITE_(BUSY|LOCKED)/.test(code)) return { cause: 'busy', text: message };
  if (code.startsWith('SQLITE_IOERR') || code === 'EIO') return { cause: 'io', text: message };
  return { cause: 'other', text: message };
}

/** Why the broker may not write in `dir`, as precisely as the file system says. */
function accessProblem(dir: string, file: string): string {
  const uid = process.getuid?.();
  const who = uid === undefined ? "the broker's user" : `the broker's user (uid ${uid})`;
  try {
    accessSync(dir, constants.W_OK | constants.X_OK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EROFS') return `the data dir ${dir} is on a read-only file system: mount it read-write`;
    if (code === 'ENOENT') return `the data dir ${dir} does not exist: check QMB_DATA_DIR`;
    return `${who} may not write in the data dir ${dir}: give it the folder (chown -R ${uid ?? 'USER'} ${dir})`;
  }
  return `${who} may not read and write ${file}: give it the file (chown ${uid ?? 'USER'} ${file}; chmod 600 ${file})`;
}

/**
 * The error to stop start-up with when a file of the data dir cannot be used: it names the file,
 * the problem and the remedy, and points to the runbook. Errors that already do are passed through.
 */
export function dataFileError(role: DataFileRole, file: string, err: unknown, doing = 'open'): StartupError {
  if (err instanceof StartupError) return err;
  const { cause, text } = causeOf(err);
  const dir = role === 'dataDir' ? file : path.dirname(file);
  let todo: string;
  switch (cause) {
    case 'damaged':
      todo = DAMAGED[role];
      break;
    case 'access':
      todo = accessProblem(dir, file);
      break;
    case 'full':
      todo = `the disk of ${dir} is full: free space there (df -h ${dir})`;
      break;
    case 'busy':
      todo = 'another process holds it locked: is a second broker running on the same data dir?';
      break;
    case 'io':
      todo = 'the disk reports I/O errors: check the kernel log (dmesg) and the disk, then restore from a backup (docs/backup.md) if needed';
      break;
    default:
      todo = 'see the runbook';
  }
  const problem = `cannot ${doing} the ${NAMES[role]} ${file}: ${text}`;
  const message = `${problem}; ${todo} (see ${STARTUP_RUNBOOK})`;
  return role === 'journal' && cause === 'damaged' ? new JournalRefusedError(file, message, problem) : new StartupError(file, message);
}

/** A start-up refusal about a file's content (not an error of a call): names the file and the remedy. */
export function damagedFileError(role: DataFileRole, file: string, problem: string): StartupError {
  const what = `the ${NAMES[role]} ${file} ${problem}`;
  const message = `${what}; ${DAMAGED[role]} (see ${STARTUP_RUNBOOK})`;
  return role === 'journal' || role === 'marker' ? new JournalRefusedError(file, message, what) : new StartupError(file, message);
}
