// The journal lost or damaged while the broker was stopped: the broker refuses to start instead of
// silently beginning an empty journal, names the file, and `qmb serve --new-journal` starts fresh
// deliberately, setting the old files aside.
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, openSync, readFileSync, readdirSync, rmSync, statSync, truncateSync, writeSync, closeSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { type BrokerProcess, startBrokerProcess } from '../helpers/broker.js';
import { freePort } from '../helpers/ports.js';
import { type Reply, churnPayload, httpCall } from '../helpers/core-support.js';

/** A tfa_code_churn payload of `points` points (distinct times). */
function tenPoints(n: number, points = 10): unknown {
  const one = churnPayload(0, '0', `loss-${n}`) as { data: { fields: Record<string, unknown>; time: unknown }[] };
  const item = one.data[0]!;
  return { ...one, data: Array.from({ length: points }, (_, i) => ({ ...item, fields: { Lines_of_Change: i }, time: String(1_600_000_000_000_000_000n + BigInt(n * 100 + i) * 1_000_000_000n) })) };
}

const post = (b: BrokerProcess, body: unknown): Promise<Reply> => httpCall(b.url, 'POST', '/api/v1/metrics', { token: b.token(), body });

async function pending(b: BrokerProcess): Promise<number> {
  const r = await httpCall(b.url, 'GET', '/readyz');
  return (r.json.checks as { journal: { pending_submissions: number } }).journal.pending_submissions;
}

describe('journal lost while the broker was stopped', { timeout: 120_000 }, () => {
  let broker: BrokerProcess;
  let journalFile: string;

  before(async () => {
    // Nothing answers on this port: submissions stay pending, as during an InfluxDB outage.
    const dead = await freePort();
    broker = await startBrokerProcess({ QMB_INFLUX_URL: `http://127.0.0.1:${dead}`, QMB_SHUTDOWN_TIMEOUT: '1s' });
    journalFile = path.join(broker.dataDir, 'journal.sqlite');
  });

  after(async () => {
    await broker?.stop();
    broker?.cleanup();
  });

  it('refuses to start on a journal truncated to zero bytes, names the file and the way out, and changes nothing', async () => {
    for (let i = 0; i < 5; i++) {
      const r = await post(broker, tenPoints(i));
      assert.equal(r.status, 202, r.body);
    }
    assert.equal(await pending(broker), 5);
    assert.equal(await broker.stop(), 0);
    // A clean stop checkpoints the WAL: journal.sqlite alone holds the 5 pending submissions.
    assert.ok(!existsSync(`${journalFile}-wal`) && !existsSync(`${journalFile}-shm`), readdirSync(broker.dataDir).join(' '));
    truncateSync(journalFile, 0);

    for (let i = 0; i < 2; i++) {
      const a = await broker.attempt();
      assert.equal(a.started, false, 'the broker must not start on an emptied journal');
      assert.notEqual(a.code, 0);
      const line = a.stderr.trim().split('\n').at(-1) ?? '';
      assert.match(line, /^qmb: /);
      assert.ok(line.includes(journalFile), line);
      assert.match(line, /empty/);
      assert.match(line, /submission 5\b/, 'says how far the journal went');
      assert.match(line, /qmb serve --new-journal/);
      assert.match(line, /docs\/runbook\.md/);
      assert.equal(statSync(journalFile).size, 0, 'the emptied file is left as it was');
    }
  });

  it('qmb serve --new-journal sets the old files aside, says where, and starts an empty journal', async () => {
    const before = new Set(readdirSync(broker.dataDir));
    const a = await broker.attempt(['--new-journal']);
    assert.equal(a.started, true, a.stderr);
    const aside = readdirSync(broker.dataDir).filter((f) => !before.has(f) && f.startsWith('journal-aside-'));
    assert.equal(aside.length, 1, readdirSync(broker.dataDir).join(' '));
    const dir = path.join(broker.dataDir, aside[0]!);
    assert.ok(a.stderr.includes(dir), `names where the old files went: ${a.stderr}`);
    assert.deepEqual(readdirSync(dir).sort(), ['journal.id', 'journal.sqlite']);
    assert.equal(statSync(path.join(dir, 'journal.sqlite')).size, 0);
    assert.equal(await pending(broker), 0);
    const r = await post(broker, tenPoints(10));
    assert.equal(r.status, 202, r.body);
    assert.equal(await broker.stop(), 0);
    // The new journal is the one its marker names: a plain start works again.
    await broker.start();
    assert.equal(await pending(broker), 1);
  });

  it('refuses to start when journal.sqlite is deleted', async () => {
    assert.equal(await broker.stop(), 0);
    const saved = `${journalFile}.saved`;
    copyFileSync(journalFile, saved);
    rmSync(journalFile);
    const a = await broker.attempt();
    assert.equal(a.started, false);
    assert.ok(a.stderr.includes(journalFile), a.stderr);
    assert.match(a.stderr, /missing/);
    assert.match(a.stderr, /--new-journal/);
    assert.ok(!existsSync(journalFile), 'no new journal was created in its place');
    copyFileSync(saved, journalFile);
    rmSync(saved);
  });

  it('refuses a journal.sqlite that is not the journal journal.id names', async () => {
    const other = await startBrokerProcess({ QMB_SHUTDOWN_TIMEOUT: '1s' });
    assert.equal(await other.stop(), 0);
    const saved = `${journalFile}.saved`;
    copyFileSync(journalFile, saved);
    copyFileSync(path.join(other.dataDir, 'journal.sqlite'), journalFile);
    other.cleanup();
    const a = await broker.attempt();
    assert.equal(a.started, false);
    assert.ok(a.stderr.includes(journalFile), a.stderr);
    assert.match(a.stderr, /another journal/);
    copyFileSync(saved, journalFile);
    rmSync(saved);
    await broker.start();
    assert.equal(await pending(broker), 1, 'the right journal is accepted again');
  });

  it('refuses a journal that lost commits (an older copy), and --accept-journal takes it as it is', async () => {
    assert.equal(await broker.stop(), 0);
    const old = `${journalFile}.old`;
    copyFileSync(journalFile, old);
    await broker.start();
    for (let i = 20; i < 23; i++) assert.equal((await post(broker, tenPoints(i))).status, 202);
    assert.equal(await broker.stop(), 0);
    copyFileSync(old, journalFile);
    rmSync(old);
    const a = await broker.attempt();
    assert.equal(a.started, false);
    assert.ok(a.stderr.includes(journalFile), a.stderr);
    assert.match(a.stderr, /ends at submission 1\b.*submission 4\b/);
    assert.match(a.stderr, /--accept-journal/);
    const b = await broker.attempt(['--accept-journal']);
    assert.equal(b.started, true, b.stderr);
    assert.equal(await pending(broker), 1);
  });

  it('runs quick_check at start: a damaged journal is refused, naming the file', async () => {
    assert.equal(await broker.stop(), 0);
    // Overwrite the pages of one index: the file still opens, only a check of its b-trees finds it.
    const db = new Database(journalFile, { readonly: true });
    const { rootpage } = db.prepare(`SELECT rootpage FROM sqlite_master WHERE name = 'submissions_status'`).get() as { rootpage: number };
    const pageSize = db.pragma('page_size', { simple: true }) as number;
    db.close();
    const fd = openSync(journalFile, 'r+');
    writeSync(fd, Buffer.alloc(pageSize, 0xa5), 0, pageSize, (rootpage - 1) * pageSize);
    closeSync(fd);
    const a = await broker.attempt();
    assert.equal(a.started, false);
    const line = a.stderr.trim().split('\n').at(-1) ?? '';
    assert.ok(line.includes(journalFile), line);
    assert.match(line, /quick_check|damaged/);
    assert.match(line, /backup/);
    assert.match(line, /--new-journal/);
    // Setting it aside keeps the damaged file for inspection or recovery.
    const c = await broker.attempt(['--new-journal']);
    assert.equal(c.started, true, c.stderr);
    const aside = readdirSync(broker.dataDir).filter((f) => f.startsWith('journal-aside-'));
    assert.equal(aside.length, 2, aside.join(' '));
    assert.ok(aside.some((d) => readFileSync(path.join(broker.dataDir, d, 'journal.sqlite')).length > 0));
  });
});
