// The journals the contract suite runs against: each factory opens fresh, empty journals on its own storage.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Clock } from '../../src/clock.js';
import type { Journal } from '../../src/journal/journal.js';
import type { LineCacheLimits } from '../../src/journal/line-cache.js';
import { PgJournal } from '../../src/journal/pg-journal.js';
import { SqliteJournal } from '../../src/journal/sqlite-journal.js';
import { parsePgUrl } from '../../src/pg/url.js';
import { PG_PASSWORD, PG_USER, type Postgres, pgUrl, startPostgres } from './postgres.js';

/** The system's time until a test sets it. */
export interface TestClock extends Clock {
  set(ms: number): void;
}

export function testClock(): TestClock {
  let fixed: number | undefined;
  return {
    now: () => fixed ?? Date.now(),
    set: (ms) => {
      fixed = ms;
    },
  };
}

export interface OpenedTestJournal {
  journal: Journal;
  clock: TestClock;
  /** Another journal instance on the same storage (as another process would open it); closed with the first. */
  second: () => Promise<Journal>;
  close: () => Promise<void>;
}

export interface JournalFactory {
  name: string;
  setUp(): Promise<void>;
  tearDown(): Promise<void>;
  open(lineCache?: LineCacheLimits): Promise<OpenedTestJournal>;
}

/** SQLite journals, each in a data dir of its own. */
export const sqliteFactory: JournalFactory = {
  name: 'SQLite',
  setUp: () => Promise.resolve(),
  tearDown: () => Promise.resolve(),
  open(lineCache) {
    const dir = mkdtempSync(path.join(tmpdir(), 'qmb-contract-'));
    const clock = testClock();
    const journal = new SqliteJournal(dir, clock, lineCache ? { lineCache } : {});
    const others: Journal[] = [];
    return Promise.resolve({
      journal,
      clock,
      second: () => {
        const other = new SqliteJournal(dir, clock);
        others.push(other);
        return Promise.resolve(other);
      },
      close: async () => {
        for (const o of others) await o.close();
        await journal.close();
        rmSync(dir, { recursive: true, force: true });
      },
    });
  },
};

/** PostgreSQL journals on one private server, each in a database of its own. */
export function postgresFactory(): JournalFactory & { readonly server: Postgres | undefined } {
  let server: Postgres | undefined;
  let made = 0;
  return {
    name: 'PostgreSQL',
    get server() {
      return server;
    },
    async setUp() {
      server = await startPostgres();
    },
    async tearDown() {
      await server?.destroy();
    },
    async open(lineCache) {
      if (!server) throw new Error('setUp first');
      const database = `contract_${++made}`;
      await server.query(`CREATE DATABASE ${database}`);
      const target = parsePgUrl(pgUrl(server.port, PG_USER, PG_PASSWORD, database));
      const clock = testClock();
      const options = { pollMs: 100, ...(lineCache ? { lineCache } : {}) };
      const journal = new PgJournal(target, clock, options);
      const others: Journal[] = [];
      return {
        journal,
        clock,
        second: () => {
          const other = new PgJournal(target, clock, options);
          others.push(other);
          return Promise.resolve(other);
        },
        close: async () => {
          for (const o of others) await o.close();
          await journal.close();
        },
      };
    },
  };
}

export const JOURNAL_FACTORIES: JournalFactory[] = [sqliteFactory, postgresFactory()];
