// A delivery batch goes to InfluxDB as a stream of blocks, never joined into one string: every
// line must arrive whole, whatever block boundary it meets (multi-byte characters included). The
// blocks of a write InfluxDB took are used again by the next write.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type InfluxTransport, httpTransport } from '../../src/influx/http.js';
import { InfluxSink } from '../../src/influx/sink.js';
import { type Influx, startInflux } from '../helpers/influxd.js';

const DB = 'write_blocks';
const T0 = 1_700_000_000_000_000_000n;

/** One submission's lines: `count` points, tag values with two- and three-byte characters. */
function submission(n: number, count: number, pad: number): string {
  const lines: string[] = [];
  for (let i = 0; i < count; i++) {
    const k = n * 10_000 + i;
    lines.push(`blocks,sub=s${n},name=Zürich-日本-${'é'.repeat(pad)} value=${k}i,text="€${k}" ${T0 + BigInt(k)}`);
  }
  return lines.join('\n');
}

describe('InfluxDB writes in blocks', () => {
  let influx: Influx;
  before(async () => {
    influx = await startInflux();
  });
  after(async () => {
    await influx.stop();
  });

  it('stores every point of a batch of many submissions, one larger than a block', async () => {
    const sink = new InfluxSink({ url: influx.url });
    await sink.createDatabase(DB);
    // 400 submissions of 1-4 points with odd sizes (so lines straddle the 64 KiB blocks), and one of 2,000 points (~200 KB).
    const chunks: string[] = [];
    let points = 0;
    for (let n = 0; n < 400; n++) {
      const count = 1 + (n % 4);
      chunks.push(submission(n, count, n % 37));
      points += count;
    }
    chunks.splice(200, 0, submission(400, 2000, 5));
    points += 2000;

    const result = await sink.write(DB, chunks);
    assert.deepEqual(result, { ok: true });

    const [count] = await influx.rows(DB, 'SELECT COUNT("value") FROM "blocks"');
    assert.equal(count?.['count'], points);
    // Values of submissions at both ends, and in the large one, come back exactly.
    for (const [n, i, pad] of [[0, 0, 0], [399, 3, 399 % 37], [400, 1999, 5], [37, 1, 0]] as const) {
      const k = n * 10_000 + i;
      const rows = await influx.rows(DB, `SELECT "value", "text", "name" FROM "blocks" WHERE "sub" = 's${n}' AND time = ${T0 + BigInt(k)}`);
      assert.deepEqual(
        rows.map((r) => [r['value'], r['text'], r['name']]),
        [[k, `€${k}`, `Zürich-日本-${'é'.repeat(pad)}`]],
        `submission ${n}, point ${i}`,
      );
    }
  });

  it('sends each batch from the blocks of the one before, and every point of each lands intact', async () => {
    // The sink's requests go to the real InfluxDB; the tap notes which buffers each body was sent from.
    const sentFrom: Set<ArrayBufferLike>[] = [];
    const tapping: InfluxTransport = (base, call) => {
      const body = call.body;
      if (body === undefined || typeof body === 'string') return httpTransport(base, call);
      const buffers = new Set<ArrayBufferLike>();
      sentFrom.push(buffers);
      for (const block of body) buffers.add(block.buffer);
      return httpTransport(base, call);
    };
    const sink = new InfluxSink({ url: influx.url, transport: tapping });
    const db = `${DB}_again`;
    await sink.createDatabase(db);
    const batches = [0, 1, 2].map((b) => Array.from({ length: 300 }, (_, n) => submission(1000 * (b + 1) + n, 2, (n + b) % 29)));
    for (const batch of batches) assert.deepEqual(await sink.write(db, batch), { ok: true });

    assert.equal(sentFrom.length, 3);
    assert.ok(sentFrom[0]!.size >= 2, `a batch spans several blocks (${sentFrom[0]!.size})`);
    for (const b of [1, 2]) {
      const fresh = [...sentFrom[b]!].filter((buffer) => !sentFrom[b - 1]!.has(buffer));
      assert.equal(fresh.length, 0, `batch ${b} was sent from the blocks of batch ${b - 1}`);
    }
    // Had a block been refilled while its write was still being sent, lines would be lost or mixed.
    const [count] = await influx.rows(db, 'SELECT COUNT("value") FROM "blocks"');
    assert.equal(count?.['count'], 3 * 300 * 2);
    for (const [b, n, i] of [[0, 0, 0], [1, 150, 1], [2, 299, 1]] as const) {
      const sub = 1000 * (b + 1) + n;
      const k = sub * 10_000 + i;
      const rows = await influx.rows(db, `SELECT "value", "text", "name" FROM "blocks" WHERE "sub" = 's${sub}' AND time = ${T0 + BigInt(k)}`);
      assert.deepEqual(rows.map((r) => [r['value'], r['text'], r['name']]), [[k, `€${k}`, `Zürich-日本-${'é'.repeat((n + b) % 29)}`]], `batch ${b}, submission ${n}`);
    }
  });
});
