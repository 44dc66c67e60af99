// Bounds of the read API on the embedded store: a default limit when none is given, said in the
// answer, and a limit that saves work (SQL reads about `limit` points, not the whole range).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type Database from 'better-sqlite3';
import { EmbeddedReadStore } from '../../src/embedded/read-store.js';
import { DEFAULTS } from '../../src/read/read-params.js';
import type { RowsQuery, SeriesQuery } from '../../src/read/read-store.js';
import { type ReadBroker, readBroker } from '../helpers/read-setup.js';

const POINTS = DEFAULTS.limit + 5;
const T0 = 1_700_000_000_000_000_000n;
const SECOND = 1_000_000_000n;
const DB = 'Big';

/** The handle, with a count of the rows its statements hand back (all, get, iterate). */
function counting(db: Database.Database): { db: Database.Database; rows: () => number; reset: () => void } {
  let n = 0;
  const statement = (stmt: Database.Statement): Database.Statement => {
    const proxy: Database.Statement = new Proxy(stmt, {
      get(target, prop) {
        if (prop === 'all') return (...args: unknown[]) => ((r) => ((n += r.length), r))(target.all(...args));
        if (prop === 'get') return (...args: unknown[]) => ((r) => ((n += r === undefined ? 0 : 1), r))(target.get(...args));
        if (prop === 'iterate') {
          return function* (...args: unknown[]) {
            for (const r of target.iterate(...args)) {
              n++;
              yield r;
            }
          };
        }
        const v = Reflect.get(target, prop, target) as unknown;
        if (typeof v !== 'function') return v;
        // Chaining methods (safeIntegers, raw, pluck, expand) return the statement: keep counting.
        return (...args: unknown[]) => {
          const r = (v as (...a: unknown[]) => unknown).apply(target, args);
          return r === target ? proxy : r;
        };
      },
    });
    return proxy;
  };
  const proxy = new Proxy(db, {
    get(target, prop) {
      if (prop === 'prepare') return (sql: string) => statement(target.prepare(sql));
      const v = Reflect.get(target, prop, target) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
  return { db: proxy, rows: () => n, reset: () => (n = 0) };
}

describe('read API limits on the embedded store', () => {
  let broker: ReadBroker;
  let sqlite: Database.Database;

  before(async () => {
    broker = await readBroker();
    const sink = broker.deps.sink as unknown as { database: Database.Database; write(db: string, chunks: readonly string[]): Promise<{ ok: boolean; message?: string }> };
    sqlite = sink.database;
    // One point per second in four series (two build modes); more points than the default limit.
    for (let start = 0; start < POINTS; start += 20_000) {
      const lines: string[] = [];
      for (let i = start; i < Math.min(POINTS, start + 20_000); i++) {
        lines.push(`m,BinMode=${i % 2 ? 'Release' : 'Debug'},Board=b${i % 4} Total=${i}i,Other=${i % 7}i ${T0 + BigInt(i) * SECOND}`);
      }
      const res = await sink.write(DB, lines);
      assert.ok(res.ok, res.message);
    }
  });

  after(async () => {
    await broker?.close();
  });

  it(`answers at most ${DEFAULTS.limit} rows when no limit is given, and says it cut`, async () => {
    const rows = await broker.get(`/api/v1/databases/${DB}/rows?measurement=m`);
    assert.equal(rows.status, 200);
    const r = rows.body as { rows: { time: string; fields: { Total: number } }[]; truncated: boolean };
    assert.equal(r.rows.length, DEFAULTS.limit);
    assert.equal(r.truncated, true);
    assert.equal(r.rows[0]?.time, T0.toString());
    assert.equal(r.rows.at(-1)?.fields.Total, DEFAULTS.limit - 1);

    const series = await broker.get(`/api/v1/databases/${DB}/series?measurement=m&field=Total&order=desc`);
    const s = series.body as { series: { values: [string, number][] }[]; truncated: boolean };
    assert.equal(s.series[0]?.values.length, DEFAULTS.limit);
    assert.equal(s.series[0]?.values[0]?.[1], POINTS - 1);
    assert.equal(s.truncated, true);

    // An explicit limit above the number of points returns them all, not cut.
    const whole = (await broker.get(`/api/v1/databases/${DB}/rows?measurement=m&field=Other&limit=${POINTS}`)).body as { rows: unknown[]; truncated: boolean };
    assert.equal(whole.rows.length, POINTS);
    assert.equal(whole.truncated, false);
    const one = (await broker.get(`/api/v1/databases/${DB}/rows?measurement=m&limit=1`)).body as { rows: unknown[]; truncated: boolean };
    assert.deepEqual([one.rows.length, one.truncated], [1, true]);
  });

  it('a small limit reads about that many rows from SQLite, not the whole range', async () => {
    const spy = counting(sqlite);
    const store = new EmbeddedReadStore(spy.db);
    const ALL = { measurement: 'm', from: 0n, to: 4_102_444_800_000_000_000n, where: {} };
    const read = async (f: () => Promise<unknown>): Promise<number> => {
      spy.reset();
      await f();
      return spy.rows();
    };
    for (const order of ['asc', 'desc'] as const) {
      const rows: RowsQuery = { ...ALL, order, limit: 10 };
      const whole = await store.rowsAnswer(DB, { ...rows, limit: undefined });
      assert.equal(whole.rows.length, POINTS);
      const cut = await store.rowsAnswer(DB, rows);
      assert.deepEqual(cut.rows, whole.rows.slice(0, 10), `rows ${order}: the limit keeps the start of the whole answer`);
      assert.equal(cut.truncated, true);
      const limitedReads = await read(() => store.rowsAnswer(DB, rows));
      const wholeReads = await read(() => store.rowsAnswer(DB, { ...rows, limit: undefined }));
      assert.ok(limitedReads <= 10 + 3, `rows ${order} limit 10 read ${limitedReads} rows from SQLite`);
      assert.ok(wholeReads >= POINTS, `rows ${order} unlimited read ${wholeReads} rows`);
      // With tag filters and chosen fields too.
      const filtered: RowsQuery = { ...rows, where: { BinMode: ['Release'] }, fields: ['Other'] };
      assert.ok((await read(() => store.rowsAnswer(DB, filtered))) <= 10 + 3);

      const series: SeriesQuery = { ...ALL, fields: ['Total'], order, limit: 10 };
      const wholeSeries = await store.seriesAnswer(DB, { ...series, limit: undefined });
      const cutSeries = await store.seriesAnswer(DB, series);
      assert.deepEqual(cutSeries.series[0]?.values, wholeSeries.series[0]?.values.slice(0, 10));
      assert.ok((await read(() => store.seriesAnswer(DB, series))) <= 10 + 3, `series ${order}`);
      // Grouped, the limit is per group: about limit+1 rows per group.
      const grouped: SeriesQuery = { ...series, groupBy: 'Board' };
      const groupedReads = await read(() => store.seriesAnswer(DB, grouped));
      assert.ok(groupedReads <= 4 * 11 + 3, `grouped series ${order} read ${groupedReads} rows`);
      const g = await store.seriesAnswer(DB, grouped);
      assert.deepEqual(g.series.map((x) => x.values.length), [10, 10, 10, 10]);
      assert.equal(g.truncated, true);
    }
  });

  it('a small limit over the large store answers much faster than the whole range (same run)', async () => {
    const url = `/api/v1/databases/${DB}/rows?measurement=m`;
    const time = async (u: string): Promise<number> => {
      const t = process.hrtime.bigint();
      const res = await broker.app.inject({ method: 'GET', url: u, headers: { authorization: `JWT ${broker.token}` } });
      assert.equal(res.statusCode, 200);
      return Number(process.hrtime.bigint() - t) / 1e6;
    };
    const best = async (u: string, n: number): Promise<number> => {
      let min = Infinity;
      for (let i = 0; i < n; i++) min = Math.min(min, await time(u));
      return min;
    };
    const limited = await best(`${url}&limit=1`, 5);
    const limitedDesc = await best(`${url}&limit=1&order=desc`, 5);
    const whole = await best(`${url}&limit=${DEFAULTS.maxLimit}`, 2);
    console.log(`rows over ${POINTS} points: limit=1 ${limited.toFixed(1)} ms (desc ${limitedDesc.toFixed(1)} ms), all ${whole.toFixed(1)} ms`);
    assert.ok(limited * 10 < whole, `limit=1 took ${limited} ms, the whole range ${whole} ms`);
    assert.ok(limitedDesc * 10 < whole, `limit=1 desc took ${limitedDesc} ms, the whole range ${whole} ms`);
  });
});
