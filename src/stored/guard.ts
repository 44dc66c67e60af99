// The acceptance check against the store's content: field types per shard and tag values per tag, before the 2xx.
import { type Clock, systemClock } from '../clock.js';
import { FieldTypeConflictError, TagValuesLimitError } from '../errors.js';
import { parseLines } from '../ingest/line-protocol.js';
import type { FieldType, Point } from '../ingest/points.js';
import type { PendingEntry } from '../journal/submission.js';
import type { WorkerLogger } from '../journal/worker.js';
import { networkErrorCode } from '../influx/connection.js';
import type { StoreFacts } from './facts.js';
import { type FieldAddition, FieldTypeCatalog, type FieldLookup, type PathOf } from './field-types.js';
import { TagValueCounts, type TagAddition, type TagRecount } from './tag-values.js';

/** After the store failed to answer, how long to go without asking it (ms). */
const STORE_PAUSE_MS = 10_000;
/** Tags with at most this many values in the store are read whole when recounted. */
const READ_ALL_VALUES = 10_000;
/** Rounds of asking the store for one payload before judging with what is known. */
const ROUNDS = 3;
/** A shard type checked with the store before a refusal is trusted this long (ms). */
const VERIFIED_MS = 10_000;
/** Shard checks remembered at most (each a short string). */
const MAX_VERIFIED = 10_000;

export interface StoreGuardOptions {
  facts: StoreFacts;
  /** Where accepted payloads wait: they fix types and add values once delivered. */
  journal: { pendingLines(database: string): AsyncIterable<string> | Iterable<string> };
  /** InfluxDB's max-values-per-tag; 0 turns the check off. */
  maxValuesPerTag: number;
  clock?: Clock;
  logger?: WorkerLogger;
}

/** An accepted payload's mark on the catalog: keep it once journaled, take it back otherwise. */
export interface Admission {
  commit(): void;
  cancel(): void;
}

const NO_ADMISSION: Admission = { commit() {}, cancel() {} };

interface Round {
  /** Shards the store could not be asked about: judged as free. */
  skip: Set<string>;
  /** Per tag key, payload values just found stored or pending. */
  confirmed: Map<string, Set<string>>;
  final: boolean;
}

/** A payload admitted and being journaled: its line protocol, which is far smaller than its points. */
interface InFlight {
  db: string;
  lines: string;
}

const FIELD_CONFLICT = /field type conflict: input field "(.*)" on measurement "(.*)" is type (\w+), already exists as type (\w+)/;
const TAG_LIMIT = /max-values-per-tag limit exceeded \(\d+\/\d+\): measurement=("(?:[^"\\]|\\.)*") tag=("(?:[^"\\]|\\.)*")/;

/**
 * Knows what the store holds and will hold: the types each field has per shard and the values of
 * each tag, from the store itself (asked lazily, per database and when a payload needs it), the
 * journal's undelivered payloads (they fix types when delivered, delivery keeping their order) and
 * every payload accepted since. It refuses a payload the store would drop part of.
 *
 * Most payloads are judged from memory, synchronously. A payload that needs the store (the first
 * one of a database, a field whose type differs from one the store has somewhere, a tag near the
 * limit) waits while the store is asked, and payloads of that database queue behind it, so no two
 * judgements of one database interleave. When the store cannot answer, the broker judges with what
 * it knows and accepts the rest (the journal keeps it; a conflict then ends `rejected` after the 2xx).
 */
export class StoreGuard {
  readonly #facts: StoreFacts;
  readonly #journal: StoreGuardOptions['journal'];
  readonly #limit: number;
  readonly #clock: Clock;
  readonly #log: WorkerLogger | undefined;
  /** The known field types (exposed for tests and measurements of its size). */
  readonly fields = new FieldTypeCatalog();
  /** The known tag values. */
  readonly tags = new TagValueCounts();
  /** Databases seeded from the store; a value is when to ask it again (its answer was missing). */
  readonly #seeded = new Map<string, number | undefined>();
  readonly #locks = new Map<string, Promise<void>>();
  readonly #inFlight = new Set<InFlight>();
  /** `db\0measurement\0field\0shard` → when the store last confirmed the type a refusal rests on. */
  readonly #verified = new Map<string, number>();
  #pausedUntil = 0;

  constructor(options: StoreGuardOptions) {
    this.#facts = options.facts;
    this.#journal = options.journal;
    this.#limit = options.maxValuesPerTag;
    this.#clock = options.clock ?? systemClock;
    this.#log = options.logger;
  }

  /** Throws FieldTypeConflictError or TagValuesLimitError when the store would drop any of the points. */
  async check(db: string, points: Point[], pathOf: PathOf): Promise<void> {
    await this.#judge(db, points, pathOf, undefined);
  }

  /**
   * As check, and counts the points as the store's from now on; commit once journaled, else cancel.
   * Until then the guard keeps `lines` (the points' line protocol), not the points.
   */
  admit(db: string, points: Point[], pathOf: PathOf, lines: string): Promise<Admission> {
    return this.#judge(db, points, pathOf, lines);
  }

  /**
   * Seeds databases now (at start): their field types from the store and the journal, so their
   * first payloads need not wait for it. Failures only leave them to be seeded later.
   */
  async prime(databases: Iterable<string>): Promise<void> {
    for (const db of databases) await this.#exclusive(db, () => this.#seed(db)).catch(() => {});
  }

  /** `record`: the lines of a payload to count as the store's once judged; undefined only judges. */
  async #judge(db: string, points: Point[], pathOf: PathOf, record: string | undefined): Promise<Admission> {
    const seeded = this.#seeded.get(db);
    if (!this.#locks.has(db) && this.#seeded.has(db) && (seeded === undefined || this.#clock.now() < seeded)) {
      const fast = this.#round(db, points, pathOf, { skip: new Set(), confirmed: new Map(), final: false }, record);
      if (!('fieldLookups' in fast)) return fast;
    }
    return this.#exclusive(db, async () => {
      await this.#seed(db);
      const round: Round = { skip: new Set(), confirmed: new Map(), final: false };
      for (let i = 1; ; i++) {
        round.final = i >= ROUNDS;
        const r = this.#round(db, points, pathOf, round, record);
        if (!('fieldLookups' in r)) return r;
        await this.#verifyFields(db, r.suspects);
        await this.#lookUpFields(db, r.fieldLookups, round);
        await this.#recountTags(db, r.tagRecounts, round);
      }
    });
  }

  /** One judgement from what is known: throws a refusal, answers what to ask the store, or admits. */
  #round(
    db: string,
    points: Point[],
    pathOf: PathOf,
    round: Round,
    record: string | undefined,
  ): Admission | { fieldLookups: FieldLookup[]; tagRecounts: TagRecount[]; suspects: FieldLookup[] } {
    const tags = this.#limit > 0 ? this.tags.inspect(db, points, pathOf, this.#limit, () => this.#clock.now(), round.confirmed, round.final) : undefined;
    // As InfluxDB, which creates the series before it checks the fields: the tag limit first.
    if (tags && tags.refusals.length > 0) throw new TagValuesLimitError(tags.refusals);
    const fields = this.fields.inspect(db, points, pathOf, round.skip);
    if (fields.conflicts.length > 0) {
      // A conflict within the payload is certain; one with a known type is checked with the store
      // first (at most every 10 s per shard), which may have lost that data since (DROP, DELETE).
      const now = this.#clock.now();
      const suspects = fields.suspects.filter((s) => !(now - (this.#verified.get(`${db}\u0000${s.key}`) ?? -Infinity) < VERIFIED_MS));
      if (round.final || suspects.length === 0 || fields.conflicts.length > fields.suspects.length) throw new FieldTypeConflictError(fields.conflicts);
      return { fieldLookups: [], tagRecounts: [], suspects };
    }
    const fieldLookups = round.final ? [] : fields.lookups;
    const tagRecounts = tags?.recounts ?? [];
    if (fieldLookups.length > 0 || tagRecounts.length > 0) return { fieldLookups, tagRecounts, suspects: [] };
    if (record === undefined) return NO_ADMISSION;
    return this.#record(db, record, fields.additions, tags?.additions ?? []);
  }

  #record(db: string, lines: string, fieldAdditions: FieldAddition[], tagAdditions: TagAddition[]): Admission {
    const created = this.fields.record(db, fieldAdditions);
    const undos = this.tags.record(tagAdditions);
    const flight: InFlight = { db, lines };
    this.#inFlight.add(flight);
    return {
      commit: () => {
        this.#inFlight.delete(flight);
      },
      cancel: () => {
        if (!this.#inFlight.delete(flight)) return;
        this.fields.forget(db, created);
        this.tags.undo(undos);
      },
    };
  }

  /** Runs `fn` with the database's judgements held back until it ends. */
  async #exclusive<T>(db: string, fn: () => Promise<T>): Promise<T> {
    const before = this.#locks.get(db) ?? Promise.resolve();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const mine = before.then(() => gate);
    this.#locks.set(db, mine);
    await before;
    try {
      return await fn();
    } finally {
      release();
      if (this.#locks.get(db) === mine) this.#locks.delete(db);
    }
  }

  /** Asks the store, unless it failed to answer a moment ago; a failure pauses asking for a while. */
  async #ask<T>(what: string, fn: () => Promise<T>): Promise<T> {
    if (this.#clock.now() < this.#pausedUntil) throw new Error('the store did not answer a moment ago');
    try {
      return await fn();
    } catch (err) {
      this.#pausedUntil = this.#clock.now() + STORE_PAUSE_MS;
      const unreachable = networkErrorCode(err);
      // An unreachable InfluxDB is said once by the sink; here it would be a warning per question.
      if (unreachable !== undefined) this.#log?.debug?.({ cause: unreachable, question: what }, 'store unreachable; judging payloads with what the broker knows');
      else this.#log?.warn({ err: (err as Error).message, question: what }, 'could not ask the store; judging payloads with what the broker knows');
      throw err;
    }
  }

  /** Seeds a database's field types: shard length, the journal's waiting payloads, then the store's field list. */
  async #seed(db: string): Promise<void> {
    const retryAt = this.#seeded.get(db);
    const now = this.#clock.now();
    if (this.#seeded.has(db) && (retryAt === undefined || now < retryAt)) return;
    let shardNs: bigint | undefined;
    try {
      shardNs = await this.#ask('shard duration', () => this.#facts.shardDuration(db));
    } catch {
      // Keep what is known; a new database has InfluxDB's default, 7 days.
    }
    const first = !this.fields.has(db);
    const changed = this.fields.seed(db, shardNs, undefined);
    // Before the store's field list: a payload delivered meanwhile is then in that list.
    if (first || changed) await this.#replayJournal(db);
    try {
      this.fields.seed(db, shardNs, await this.#ask('field keys', () => this.#facts.fieldTypes(db)));
      this.#seeded.set(db, shardNs === undefined ? now + STORE_PAUSE_MS : undefined);
    } catch {
      this.#seeded.set(db, this.#clock.now() + STORE_PAUSE_MS);
    }
  }

  /** The journal's undelivered payloads fix types in the order they will be delivered. */
  async #replayJournal(db: string): Promise<void> {
    const none: PathOf = () => '';
    for await (const lines of this.#journal.pendingLines(db)) {
      this.fields.record(db, this.fields.inspect(db, parseLines(lines), none).additions);
    }
  }

  /**
   * Checks the types that made conflicts: the store's type in the shard, else the first one the
   * journal's undelivered payloads (and those being journaled) give it there, else none.
   */
  async #verifyFields(db: string, suspects: FieldLookup[]): Promise<void> {
    if (suspects.length === 0) return;
    const wanted = new Map(suspects.map((s) => [s.key, s]));
    const measurements = new Set(suspects.map((s) => s.measurement));
    const waiting = new Map<string, FieldType>();
    const take = (points: Point[]): void => {
      for (const p of points) {
        if (!measurements.has(p.measurement)) continue;
        const shard = this.fields.shardOf(db, p.time);
        for (const [f, v] of p.fields) {
          const key = `${p.measurement}\u0000${f}\u0000${shard}`;
          if (wanted.has(key) && !waiting.has(key)) waiting.set(key, v.kind);
        }
      }
    };
    // Those being journaled taken first: one committed while the journal is read is then not missed.
    const journaling = [...this.#inFlight].filter((f) => f.db === db);
    for await (const lines of this.#journal.pendingLines(db)) take(parseLines(lines));
    for (const f of journaling) take(parseLines(f.lines));
    if (this.#verified.size > MAX_VERIFIED) this.#verified.clear();
    for (const s of suspects) {
      try {
        const stored = await this.#ask('field type in a shard', () => this.#facts.fieldTypeIn(db, s.measurement, s.field, s.start, s.end, s.types));
        this.fields.learn(db, s, stored ?? waiting.get(s.key));
      } catch {
        // Not askable now: the known type stands.
      }
      this.#verified.set(`${db}\u0000${s.key}`, this.#clock.now());
    }
  }

  async #lookUpFields(db: string, lookups: FieldLookup[], round: Round): Promise<void> {
    for (const l of lookups) {
      try {
        const type = await this.#ask('field type in a shard', () => this.#facts.fieldTypeIn(db, l.measurement, l.field, l.start, l.end, l.types));
        this.fields.learn(db, l, type);
      } catch {
        round.skip.add(l.key);
      }
    }
  }

  /** Values of the given tags in the journal's undelivered payloads and in payloads being journaled. */
  async #pendingValues(db: string, recounts: TagRecount[]): Promise<Map<string, Set<string>>> {
    const wanted = new Map<string, Map<string, Set<string>>>();
    const out = new Map<string, Set<string>>();
    for (const r of recounts) {
      const set = new Set<string>();
      out.set(r.key, set);
      let byTag = wanted.get(r.measurement);
      if (!byTag) {
        byTag = new Map();
        wanted.set(r.measurement, byTag);
      }
      byTag.set(r.tag, set);
    }
    const take = (points: Point[]): void => {
      for (const p of points) {
        const byTag = wanted.get(p.measurement);
        if (byTag) for (const [k, v] of p.tags) byTag.get(k)?.add(v);
      }
    };
    // Those being journaled taken first: one committed while the journal is read is then not missed.
    const journaling = [...this.#inFlight].filter((f) => f.db === db);
    for await (const lines of this.#journal.pendingLines(db)) take(parseLines(lines));
    for (const f of journaling) take(parseLines(f.lines));
    return out;
  }

  /** Counts the values of tags exactly: the store's, plus those of payloads not yet delivered. */
  async #recountTags(db: string, recounts: TagRecount[], round: Round): Promise<void> {
    if (recounts.length === 0) return;
    const now = this.#clock.now();
    // Taken first: a payload delivered while the store is asked is then counted once, not missed.
    const pending = await this.#pendingValues(db, recounts);
    for (const r of recounts) {
      const waiting = pending.get(r.key) ?? new Set<string>();
      const confirmed = new Set<string>();
      for (const v of r.values) if (waiting.has(v)) confirmed.add(v);
      try {
        const stored = await this.#ask('tag value count', () => this.#facts.tagValueCount(db, r.measurement, r.tag));
        const asked = new Set([...waiting, ...r.values]);
        const readAll = stored <= READ_ALL_VALUES || asked.size > 2 * READ_ALL_VALUES;
        const found = await this.#ask('tag values', () => this.#facts.tagValues(db, r.measurement, r.tag, readAll ? undefined : [...asked]));
        let extra = 0;
        for (const v of waiting) if (!found.has(v)) extra++;
        for (const v of r.values) if (found.has(v)) confirmed.add(v);
        const known = readAll ? new Set([...found, ...waiting]) : new Set([...waiting, ...confirmed]);
        this.tags.set(db, r.measurement, r.tag, stored + extra, known, { complete: readAll, lowerOnly: false, countedAt: this.#clock.now() });
      } catch {
        // Without the store, what the broker holds is a lower bound: enough to refuse a payload
        // that is over the limit with the journal alone, not to accept one for sure.
        const old = this.tags.get(db, r.measurement, r.tag);
        if (old?.lowerOnly) old.retryAt = now + STORE_PAUSE_MS;
        else this.tags.set(db, r.measurement, r.tag, waiting.size, waiting, { complete: false, lowerOnly: true, retryAt: now + STORE_PAUSE_MS });
      }
      round.confirmed.set(r.key, confirmed);
    }
  }

  /** Learns from a payload the store refused (the delivery worker's report). */
  rejected(db: string, entry: PendingEntry, message: string): void {
    const conflict = FIELD_CONFLICT.exec(message);
    const limit = TAG_LIMIT.exec(message);
    if (!conflict && !limit) return;
    let points: Point[];
    try {
      points = parseLines(entry.lines);
    } catch {
      points = [];
    }
    if (conflict) {
      const [, field, measurement, , stored] = conflict as unknown as [string, string, string, string, FieldType];
      this.fields.correct(db, points, { measurement, field, type: stored });
    }
    if (limit) {
      try {
        this.tags.markStale(db, JSON.parse(limit[1] as string) as string, JSON.parse(limit[2] as string) as string);
      } catch {
        // A name InfluxDB quoted in a way JSON does not read: the count is corrected at its next recount.
      }
    }
  }
}
