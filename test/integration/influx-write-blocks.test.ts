// A delivery batch goes to InfluxDB as a stream of blocks, never joined into one string: every
// line must arrive whole, whatever block boundary it meets (multi-byte characters included).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
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
});
