// The users file: ids, names, password hashes and the metrics each user may write.
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import picomatch from 'picomatch';
import { STARTUP_RUNBOOK, dataFileError } from '../data-files.js';
import { ConfigError } from '../errors.js';

/** What to do about a users file the broker cannot use. */
const FIX = `fix it, or restore it from a backup (docs/backup.md); qmb users add writes a valid one (see ${STARTUP_RUNBOOK})`;

export interface User {
  id: number;
  name: string;
  /** `scrypt$...` hash, never the password. */
  password: string;
  /** Glob patterns of metric names (`*`, `tfa_*`). */
  metrics: string[];
}

/** Compiles metric globs (picomatch: `*` any run, `?` one character) into one test. */
export function metricMatcher(patterns: string[]): (metric: string) => boolean {
  // picomatch refuses an empty pattern; the empty metric name it would stand for does not exist.
  return picomatch(patterns.filter((p) => p !== ''), { dot: true });
}

function validUser(u: unknown, file: string, index: number): User {
  const o = u as Partial<User> | null;
  const where = `${file}: users[${index}]`;
  if (!o || typeof o !== 'object') throw new ConfigError(`${where} is not an object; ${FIX}`);
  if (!Number.isSafeInteger(o.id)) throw new ConfigError(`${where}.id must be an integer; ${FIX}`);
  if (typeof o.name !== 'string' || o.name === '') throw new ConfigError(`${where}.name must be a non-empty string; ${FIX}`);
  if (typeof o.password !== 'string' || !o.password.startsWith('scrypt$')) {
    throw new ConfigError(`${where}.password must be a scrypt hash; ${FIX}`);
  }
  if (!Array.isArray(o.metrics) || !o.metrics.every((m) => typeof m === 'string')) {
    throw new ConfigError(`${where}.metrics must be a list of metric name patterns; ${FIX}`);
  }
  return { id: o.id as number, name: o.name, password: o.password, metrics: o.metrics };
}

/**
 * Who may log in and write what: the users file (UsersStore) or, with QMB_JOURNAL_URL, a table in
 * PostgreSQL shared by every replica (PgUsersStore). Reads are answered from memory, so the
 * per-request checks stay synchronous; changes are written through and seen by running brokers
 * within a few seconds.
 */
export interface UserDirectory {
  /** Where the users are kept, for messages: the file, or the PostgreSQL URL without its password. */
  readonly location: string;
  /** Reads the users now (a broker's start, each CLI verb); throws when they cannot be read. */
  load(): Promise<void>;
  list(): User[];
  byId(id: number): User | undefined;
  byName(name: string): User | undefined;
  /** Whether the user may write that metric. */
  mayWrite(user: User, metric: string): boolean;
  /** Adds or replaces a user (by name); refuses an id that belongs to another name. */
  save(user: User): Promise<void>;
  /** Removes a user by name; false when there was none. */
  remove(name: string): Promise<boolean>;
  /** The next free id (one more than the highest). */
  nextId(): Promise<number>;
  /** Adds `user` only when there is no user at all (the first start); false when there was one. */
  addFirst(user: User): Promise<boolean>;
  close(): Promise<void>;
}

/**
 * Reads the users file, and reads it again when it changes on disk, so `qmb users add` takes
 * effect in a running broker.
 */
export class UsersStore implements UserDirectory {
  readonly file: string;
  #users: User[] = [];
  #mtime = -1;
  #checkedAt = 0;
  #matchers = new Map<number, (metric: string) => boolean>();

  constructor(file: string) {
    this.file = file;
    this.#reload();
  }

  get location(): string {
    return this.file;
  }

  // eslint-disable-next-line @typescript-eslint/require-await -- a synchronous file read behind the async interface
  async load(): Promise<void> {
    this.#reload();
  }

  #reload(): void {
    this.#checkedAt = Date.now();
    if (!existsSync(this.file)) {
      this.#users = [];
      this.#mtime = 0;
      return;
    }
    let mtime: number;
    let text: string;
    try {
      mtime = statSync(this.file).mtimeMs;
      if (mtime === this.#mtime) return;
      text = readFileSync(this.file, 'utf8');
    } catch (err) {
      throw dataFileError('users', this.file, err, 'read');
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      throw new ConfigError(`QMB_USERS_FILE: cannot read ${this.file}: it is not JSON (${(err as Error).message}); ${FIX}`);
    }
    const list = (parsed as { users?: unknown } | null)?.users;
    if (!Array.isArray(list)) throw new ConfigError(`QMB_USERS_FILE: ${this.file} must hold {"users": [...]}; ${FIX}`);
    const users = list.map((u, i) => validUser(u, this.file, i));
    const ids = new Set<number>();
    const names = new Set<string>();
    for (const u of users) {
      if (ids.has(u.id)) throw new ConfigError(`QMB_USERS_FILE: user id ${u.id} appears twice in ${this.file}; ${FIX}`);
      if (names.has(u.name)) throw new ConfigError(`QMB_USERS_FILE: user name ${u.name} appears twice in ${this.file}; ${FIX}`);
      ids.add(u.id);
      names.add(u.name);
    }
    this.#users = users;
    this.#mtime = mtime;
    this.#matchers.clear();
  }

  #fresh(): void {
    if (Date.now() - this.#checkedAt < 1000) return;
    try {
      this.#reload();
    } catch {
      // A half-written or broken file keeps the users we had; start-up and the CLI report the error.
    }
  }

  list(): User[] {
    this.#fresh();
    return [...this.#users];
  }

  byId(id: number): User | undefined {
    this.#fresh();
    return this.#users.find((u) => u.id === id);
  }

  byName(name: string): User | undefined {
    this.#fresh();
    return this.#users.find((u) => u.name === name);
  }

  /** Whether the user may write that metric. */
  mayWrite(user: User, metric: string): boolean {
    let match = this.#matchers.get(user.id);
    if (!match) {
      match = metricMatcher(user.metrics);
      this.#matchers.set(user.id, match);
    }
    return match(metric);
  }

  /** Adds or replaces a user (by name) and writes the file atomically with mode 0600. */
  // eslint-disable-next-line @typescript-eslint/require-await -- a synchronous file write behind the async interface
  async save(user: User): Promise<void> {
    this.#reload();
    const others = this.#users.filter((u) => u.name !== user.name);
    const clash = others.find((u) => u.id === user.id);
    if (clash) throw new ConfigError(`user id ${user.id} already belongs to ${clash.name}`);
    this.#write([...others, user].sort((a, b) => a.id - b.id));
  }

  /** Removes a user by name; false when there was none. */
  // eslint-disable-next-line @typescript-eslint/require-await -- a synchronous file write behind the async interface
  async remove(name: string): Promise<boolean> {
    this.#reload();
    const rest = this.#users.filter((u) => u.name !== name);
    if (rest.length === this.#users.length) return false;
    this.#write(rest);
    return true;
  }

  /** The next free id (one more than the highest). */
  // eslint-disable-next-line @typescript-eslint/require-await -- a synchronous file read behind the async interface
  async nextId(): Promise<number> {
    this.#reload();
    return this.#users.reduce((max, u) => Math.max(max, u.id), 0) + 1;
  }

  async addFirst(user: User): Promise<boolean> {
    this.#reload();
    if (this.#users.length > 0) return false;
    await this.save(user);
    return true;
  }

  async close(): Promise<void> {}

  #write(users: User[]): void {
    const tmp = `${this.file}.${process.pid}.tmp`;
    try {
      mkdirSync(path.dirname(this.file), { recursive: true });
      writeFileSync(tmp, `${JSON.stringify({ users }, null, 2)}\n`, { mode: 0o600 });
      renameSync(tmp, this.file);
    } catch (err) {
      throw dataFileError('users', this.file, err, 'write');
    }
    this.#mtime = -1;
    this.#reload();
  }
}
