// The journal the configuration names: PostgreSQL when QMB_JOURNAL_URL is set, else SQLite in the data dir.
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import type { Journal } from './journal.js';
import { PgJournal, type PgJournalOptions } from './pg-journal.js';
import { type JournalOptions, SqliteJournal } from './sqlite-journal.js';

/**
 * Opens the configured journal. SQLite: throws a StartupError naming the file when it cannot be
 * trusted. PostgreSQL: connects on first use, so a server away at start only makes appends 503.
 */
export function createJournal(
  config: Pick<Config, 'dataDir' | 'journalUrl'>,
  clock?: Clock,
  options: JournalOptions & Pick<PgJournalOptions, 'onBackgroundError'> = {},
): Journal {
  if (config.journalUrl) {
    return new PgJournal(config.journalUrl, clock, {
      ...(options.lineCache ? { lineCache: options.lineCache } : {}),
      ...(options.onBackgroundError ? { onBackgroundError: options.onBackgroundError } : {}),
    });
  }
  const { start, backgroundCheckpoints, lineCache } = options;
  return new SqliteJournal(config.dataDir, clock, { ...(start ? { start } : {}), ...(backgroundCheckpoints ? { backgroundCheckpoints } : {}), ...(lineCache ? { lineCache } : {}) });
}
