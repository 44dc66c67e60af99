// The journal contract: the same cases against every implementation (SQLite in a data dir, and
// PostgreSQL on a private cluster), so the broker behaves the same whichever journal it is given.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Journal } from '../../src/journal/journal.js';
import type { NewSubmission, PendingEntry } from '../../src/journal/submission.js';
import { JOURNAL_FACTORIES, type JournalFactory, type TestClock } from '../helpers/journal-factories.js';

const entry = (database: string, lines: string, points = 1): NewSubmission => ({ metric: 'm', apiVersion: '1.0', database, userId: 7, points, lines });
const pendingOf = (batch: PendingEntry[]): number[] => batch.map((e) => e.id);

for (const factory of JOURNAL_FACTORIES) describeContract(factory);

function describeContract(factory: JournalFactory): void {
  describe(`journal contract: ${factory.name}`, { timeout: 120_000 }, () => {
    before(() => factory.setUp());
    after(() => factory.tearDown());

    /** A fresh, empty journal (its own storage) for one case, closed afterwards. */
    async function withJournal(run: (journal: Journal, clock: TestClock, second: () => Promise<Journal>) => Promise<void>, lineCache?: { points: number; chars: number }): Promise<void> {
      const opened = await factory.open(lineCache);
      try {
        await run(opened.journal, opened.clock, opened.second);
      } finally {
        await opened.close();
      }
    }

    it('hands back what was appended, with its id, status and counts', () =>
      withJournal(async (journal) => {
        const added = await journal.append({ ...entry('A', 'm v=1i 1\nm v=2i 2', 2), duplicates: 1, duplicateItems: [3] });
        const got = await journal.get(added.id);
        assert.deepEqual(got, added);
        assert.equal(got?.status, 'pending');
        assert.deepEqual([got?.metric, got?.apiVersion, got?.database, got?.userId, got?.points, got?.duplicates, got?.duplicateItems], ['m', '1.0', 'A', 7, 2, 1, [3]]);
        assert.equal(await journal.get(added.id + 1000), undefined);
        assert.equal(journal.pendingPoints, 2);
        assert.equal(journal.pendingSubmissions, 1);
        assert.deepEqual(await journal.counts(), { pending: 1, delivered: 0, rejected: 0 });
      }));

    it('commits many concurrent appends with ids increasing in append order', () =>
      withJournal(async (journal) => {
        const appended: string[] = [];
        journal.on('appended', (db) => appended.push(db));
        const subs = await Promise.all(Array.from({ length: 200 }, (_, i) => journal.append(entry(i % 2 ? 'A' : 'B', `m v=${i}i ${i}`))));
        const ids = subs.map((s) => s.id);
        for (let i = 1; i < ids.length; i++) assert.ok(ids[i]! > ids[i - 1]!, `id ${ids[i]} after ${ids[i - 1]}`);
        assert.equal(journal.pendingSubmissions, 200);
        assert.deepEqual(new Set(appended), new Set(['A', 'B']));
        const listed = await journal.list({ limit: 500 });
        assert.deepEqual(listed.map((s) => s.id), [...ids].reverse(), 'listed newest first');
        assert.deepEqual((await journal.list({ limit: 3, beforeId: ids[10] })).map((s) => s.id), [ids[9], ids[8], ids[7]]);
      }));

    it('gives the oldest pending submissions of a database first, within the point limit', () =>
      withJournal(async (journal) => {
        const a1 = await journal.append(entry('A', 'm v=1i 1\nm v=1i 2', 2));
        await journal.append(entry('B', 'm v=9i 9'));
        const a2 = await journal.append(entry('A', 'm v=2i 3\nm v=2i 4', 2));
        const a3 = await journal.append(entry('A', 'm v=3i 5\nm v=3i 6', 2));
        const batch = await journal.nextBatch('A', 5);
        assert.deepEqual(pendingOf(batch), [a1.id, a2.id]);
        assert.deepEqual(batch.map((e) => e.lines), ['m v=1i 1\nm v=1i 2', 'm v=2i 3\nm v=2i 4']);
        assert.deepEqual(batch.map((e) => e.points), [2, 2]);
        // At least one, even when it alone is over the limit.
        assert.deepEqual(pendingOf(await journal.nextBatch('A', 1)), [a1.id]);
        assert.deepEqual(pendingOf(await journal.nextBatch('A', 100)), [a1.id, a2.id, a3.id]);
        assert.deepEqual(await journal.nextBatch('none', 100), []);
      }));

    it('reads lines back from storage when they are beyond the in-memory cache', () =>
      withJournal(
        async (journal) => {
          const lines = Array.from({ length: 6 }, (_, i) => `m,host=h${i} v=${i}i ${i}`);
          for (const l of lines) await journal.append(entry('A', l));
          assert.ok(journal.lineCacheUse.submissions <= 2);
          assert.deepEqual((await journal.nextBatch('A', 10)).map((e) => e.lines), lines);
        },
        { points: 2, chars: 60 },
      ));

    it('settles: delivered, rejected with the error, and attempts recorded while pending', () =>
      withJournal(async (journal) => {
        const settled: [number, string][] = [];
        journal.on('settled', (id, status) => settled.push([id, status]));
        const a = await journal.append(entry('A', 'm v=1i 1', 1));
        const b = await journal.append(entry('A', 'm v=2i 2', 3));
        const c = await journal.append(entry('A', 'm v=3i 3', 1));
        const [ea, eb, ec] = await journal.nextBatch('A', 100);
        await journal.markAttempt([ea!, eb!], 'store unreachable');
        const tried = await journal.get(a.id);
        assert.deepEqual([tried?.status, tried?.attempts, tried?.lastError], ['pending', 1, 'store unreachable']);
        await journal.markDelivered([ea!]);
        await journal.markRejected(eb!, 'field type conflict');
        const delivered = await journal.get(a.id);
        assert.deepEqual([delivered?.status, delivered?.attempts, delivered?.lastError], ['delivered', 2, null]);
        assert.equal(typeof delivered?.deliveredAt, 'number');
        const rejected = await journal.get(b.id);
        assert.deepEqual([rejected?.status, rejected?.lastError], ['rejected', 'field type conflict']);
        assert.deepEqual(settled, [[a.id, 'delivered'], [b.id, 'rejected']]);
        assert.equal(journal.pendingPoints, 1);
        assert.equal(journal.pendingSubmissions, 1);
        assert.deepEqual(await journal.counts(), { pending: 1, delivered: 1, rejected: 1 });
        // Settling again changes nothing and announces nothing.
        await journal.markDelivered([ea!, eb!]);
        assert.equal((await journal.get(b.id))?.status, 'rejected');
        assert.equal(settled.length, 2);
        assert.deepEqual(pendingOf(await journal.nextBatch('A', 100)), [ec!.id]);
        assert.equal(c.id, ec!.id);
      }));

    it('puts a rejected submission back in the queue, and only a rejected one', () =>
      withJournal(async (journal) => {
        const appended: string[] = [];
        const a = await journal.append(entry('A', 'm v=1i 1', 2));
        const [ea] = await journal.nextBatch('A', 10);
        await journal.markRejected(ea!, 'no');
        assert.equal(journal.pendingPoints, 0);
        journal.on('appended', (db) => appended.push(db));
        assert.equal(await journal.retry(a.id), true);
        assert.equal((await journal.get(a.id))?.status, 'pending');
        assert.equal(journal.pendingPoints, 2);
        assert.deepEqual(appended, ['A']);
        assert.equal(await journal.retry(a.id), false, 'pending is not rejected');
        const [again] = await journal.nextBatch('A', 10);
        assert.equal(again?.lines, 'm v=1i 1', 'its lines were kept');
        await journal.markDelivered([again]);
        assert.equal(await journal.retry(a.id), false, 'delivered is not rejected');
        assert.equal(await journal.retry(a.id + 1000), false, 'unknown');
      }));

    it('prunes delivered submissions past the retention, nothing else', () =>
      withJournal(async (journal, clock) => {
        clock.set(1_000_000);
        const old = await journal.append(entry('A', 'm v=1i 1'));
        const kept = await journal.append(entry('A', 'm v=2i 2'));
        const waiting = await journal.append(entry('A', 'm v=3i 3'));
        const [e1] = await journal.nextBatch('A', 1);
        await journal.markDelivered([e1!]);
        clock.set(1_050_000);
        const [e2] = await journal.nextBatch('A', 1);
        await journal.markDelivered([e2!]);
        clock.set(1_100_000);
        assert.equal(await journal.prune(60_000), 1);
        assert.equal(await journal.get(old.id), undefined);
        assert.equal((await journal.get(kept.id))?.status, 'delivered');
        assert.equal((await journal.get(waiting.id))?.status, 'pending');
        assert.equal(await journal.prune(60_000), 0);
      }));

    it('wakes a waiter when its submission settles, and answers pending when the time is up', () =>
      withJournal(async (journal) => {
        const a = await journal.append(entry('A', 'm v=1i 1'));
        const b = await journal.append(entry('A', 'm v=2i 2'));
        const waitA = journal.waitSettled(a.id, 60_000);
        const [ea] = await journal.nextBatch('A', 1);
        await journal.markDelivered([ea!]);
        assert.equal((await waitA)?.status, 'delivered');
        assert.equal((await journal.waitSettled(b.id, 200))?.status, 'pending');
        assert.equal((await journal.waitSettled(a.id, 60_000))?.status, 'delivered', 'settled already: at once');
        assert.equal(await journal.waitSettled(b.id + 1000, 60_000), undefined);
        // Released (shutdown): a waiter answers at once with what is known.
        const waitB = journal.waitSettled(b.id, 60_000);
        journal.releaseWaiters();
        assert.equal((await waitB)?.status, 'pending');
      }));

    it('tells which databases have pending work and reads their lines oldest first', () =>
      withJournal(async (journal) => {
        assert.deepEqual(await journal.pendingDatabases(), []);
        assert.equal(await journal.hasPending('A'), false);
        for (let i = 0; i < 600; i++) await journal.append(entry(i % 3 === 0 ? 'B' : 'A', `m v=${i}i ${i}`));
        assert.deepEqual((await journal.pendingDatabases()).sort(), ['A', 'B']);
        assert.equal(await journal.hasPending('A'), true);
        const lines: string[] = [];
        for await (const l of journal.pendingLines('B')) lines.push(l);
        assert.deepEqual(lines, Array.from({ length: 200 }, (_, k) => `m v=${3 * k}i ${3 * k}`));
        const all = await journal.nextBatch('B', 1000);
        await journal.markDelivered(all);
        assert.equal(await journal.hasPending('B'), false);
        assert.deepEqual(await journal.pendingDatabases(), ['A']);
        const left: string[] = [];
        for await (const l of journal.pendingLines('B')) left.push(l);
        assert.deepEqual(left, []);
      }));

    it('picks up on refresh what another instance on the same storage changed', () =>
      withJournal(async (journal, _clock, second) => {
        const other = await second();
        const a = await other.append(entry('C', 'm v=1i 1', 4));
        const appended: string[] = [];
        journal.on('appended', (db) => appended.push(db));
        await journal.refresh();
        assert.equal(journal.pendingPoints, 4);
        assert.equal(journal.pendingSubmissions, 1);
        assert.ok(appended.includes('C'), `announced: ${appended.join(', ')}`);
        assert.equal((await journal.get(a.id))?.status, 'pending');
        assert.deepEqual((await journal.nextBatch('C', 10)).map((e) => e.lines), ['m v=1i 1']);
      }));

    // Two brokers on one journal: a batch mixes what this one appended (its lines in memory) and
    // what the other did (read from storage). Appends meanwhile push entries out of the cache; the
    // batch must still carry every entry's lines, or the worker rejects them as damaged.
    it('gives every entry of a batch its lines while appends push entries out of the cache', () =>
      withJournal(
        async (journal, _clock, second) => {
          const other = await second();
          let n = 0;
          const line = (): string => `m,host=h${n} v=${n}i ${++n}`;
          for (let round = 0; round < 40; round += 1) {
            await other.append(entry('D', line()));
            for (let i = 0; i < 3; i += 1) await journal.append(entry('D', line()));
            const appends = Array.from({ length: 4 }, () => journal.append(entry('E', line())));
            const [batch] = await Promise.all([journal.nextBatch('D', 100_000), ...appends]);
            const empty = batch.filter((e) => e.lines === '').map((e) => e.id);
            assert.deepEqual(empty, [], `round ${round}: entries handed out without their lines`);
          }
        },
        { points: 3, chars: 1_000_000 },
      ));
  });
}
