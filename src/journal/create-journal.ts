// The journal the configuration names: SQLite in the data dir (the default).
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import type { Journal } from './journal.js';
import { type JournalOptions, SqliteJournal } from './sqlite-journal.js';

/** Opens the configured journal; throws a StartupError naming the file when it cannot be trusted. */
export function createJournal(config: Pick<Config, 'dataDir'>, clock?: Clock, options: JournalOptions = {}): Journal {
  return new SqliteJournal(config.dataDir, clock, options);
}
