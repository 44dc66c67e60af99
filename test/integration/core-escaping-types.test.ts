// Round trips through a real InfluxDB: the four time shapes, line-protocol escaping, refusals of what
// line protocol cannot carry, and number typing by literal (5 vs 5.0, int64 range, 1e400).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { InProcessBroker } from '../helpers/broker.js';
import type { Influx } from '../helpers/influxd.js';
import { withInfluxBroker } from '../helpers/influx-broker.js';
import { type Reply, call, churnPayload, ident, isErrorBody, num } from '../helpers/core-support.js';

/** A tfa_misra_defects payload: free measurement, extra fields allowed, three string tags. */
function misra(items: { measurement: string; fields?: Record<string, unknown>; tags?: Record<string, unknown>; time?: unknown }[]): unknown {
  return {
    api_version: '1.0',
    metadata: { metrics: 'tfa_misra_defects' },
    data: items.map((i) => ({
      measurement: i.measurement,
      fields: { TotalDefects: 3, MandatoryDefects: 0, RequiredDefects: 2, AdvisoryDefects: 1, ...(i.fields ?? {}) },
      tags: { BinMode: 'Debug', CommitID: 'c0ffee', CommitTitle: 'plain', ...(i.tags ?? {}) },
      time: i.time ?? '2021-05-05T05:05:05Z',
    })),
  };
}

describe('escaping, times and number types through InfluxDB', { timeout: 90_000 }, () => {
  let influx: Influx;
  let broker: InProcessBroker;

  const post = (body: unknown): Promise<Reply> => call(broker.app, 'POST', '/api/v1/metrics?wait=15', { token: broker.token('ci'), body });
  const accepted = async (): Promise<number> => Object.values(await broker.deps.journal.counts()).reduce((a, b) => a + b, 0);

  function assertRefused(res: Reply, paths: string[], what: string): void {
    assert.equal(res.status, 400, `${what}: ${res.body}`);
    assert.ok(isErrorBody(res.json, 400), `${what}: ${res.body}`);
    const got = (res.json.errors as { path: string }[]).map((e) => e.path);
    for (const p of paths) assert.ok(got.includes(p), `${what}: error at ${p} in ${res.body}`);
  }

  withInfluxBroker('in-process', {}, (s) => ({ influx, broker } = s));

  it('all four time shapes (and fractions, offsets, offsetless) land at the instant they name', async () => {
    const shapes: [string, unknown, string][] = [
      ['rfc3339-offset', '2020-09-08T14:22:45+00:00', '2020-09-08T14:22:45Z'],
      ['rfc3339-z', '2020-09-08T14:22:45Z', '2020-09-08T14:22:45Z'],
      ['rfc3339-plus-two', '2020-09-08T16:22:45+02:00', '2020-09-08T14:22:45Z'],
      ['git-ai', '2020-09-08 15:22:45 +0100', '2020-09-08T14:22:45Z'],
      ['git-ai-negative', '2020-09-08 09:22:45 -0500', '2020-09-08T14:22:45Z'],
      ['integer-ns', num('1599574965000000000'), '2020-09-08T14:22:45Z'],
      ['date-only', '2020-09-08', '2020-09-08T00:00:00Z'],
      ['offsetless', '2020-09-08T14:22:45', '2020-09-08T14:22:45Z'],
      ['fraction-ms', '2020-09-08T14:22:45.123Z', '2020-09-08T14:22:45.123Z'],
      ['fraction-ns', '2020-09-08T14:22:45.123456789+00:00', '2020-09-08T14:22:45.123456789Z'],
    ];
    for (const [tag, time] of shapes) {
      const res = await post(churnPayload(1, time, `time-${tag}`));
      assert.equal(res.status, 201, `${tag}: ${res.body}`);
    }
    for (const [tag, , want] of shapes) {
      const rows = await influx.rows('TFA_CodeChurn', `SELECT * FROM "TFA_CodeChurn_Tracking" WHERE "Target_Tag" = 'time-${tag}'`);
      assert.equal(rows.length, 1, tag);
      assert.equal(rows[0]!['time'], want, `time shape ${tag}`);
    }
  });

  it('a time that is not one of the shapes is a 400 naming the item and the value', async () => {
    const bad: unknown[] = ['yesterday', '2020-13-01', '2020-02-30', '2020-09-08T25:00:00Z', '08/09/2020', num('1.5e18'), true, ''];
    for (const time of bad) {
      const good = (churnPayload(1, '2020-01-01', 'bad-time') as { data: unknown[] }).data[0];
      const badItem = (churnPayload(1, time, 'bad-time') as { data: unknown[] }).data[0];
      const res = await post({ api_version: '1.0', metadata: { metrics: 'tfa_code_churn' }, data: [good, badItem] });
      assertRefused(res, ['/data/1/time'], `time ${JSON.stringify(time)}`);
      if (typeof time === 'string' && time !== '') assert.ok(res.json.data.includes(time) || JSON.stringify(res.json.errors).includes(time), `the message names ${time}: ${res.body}`);
    }
    const rows = await influx.rows('TFA_CodeChurn', `SELECT * FROM "TFA_CodeChurn_Tracking" WHERE "Target_Tag" = 'bad-time'`);
    assert.equal(rows.length, 0, 'nothing of a refused payload is stored');
  });

  it('measurement, field keys, tag values and string fields with specials come back unchanged', async () => {
    const measurement = 'odd, name=with spaces ü';
    const tags = {
      BinMode: 'with space, comma=equals',
      CommitID: 'esc-1',
      CommitTitle: 'back\\slash in the middle, "quotes" and ünïcödé 😀',
    };
    const fields = {
      'key with space': 1,
      'key,comma': 2,
      'key=equals': 3,
      'ключ': 4,
      quoted: 'say "hi"',
      backslashes: 'C:\\path\\to\\file\\',
      lonely_backslash: '\\',
      quote_backslash: '\\"',
      newlines: 'line 1\nline 2\r\nline 3\n',
      unicode: 'ü→😀 中文',
      empty: '',
    };
    const res = await post(misra([{ measurement, tags, fields }]));
    assert.equal(res.status, 201, res.body);
    const measurements = (await influx.rows('TFA_MisraDefects', 'SHOW MEASUREMENTS')).map((r) => r['name']);
    assert.ok(measurements.includes(measurement), `measurement ${measurement} in ${JSON.stringify(measurements)}`);
    const rows = await influx.rows('TFA_MisraDefects', `SELECT * FROM ${ident(measurement)} WHERE "CommitID" = 'esc-1'`);
    assert.equal(rows.length, 1);
    const row = rows[0]!;
    for (const [k, v] of Object.entries(tags)) assert.equal(row[k], v, `tag ${k}`);
    for (const [k, v] of Object.entries(fields)) assert.equal(row[k], v, `field ${JSON.stringify(k)}`);
  });

  it('empty tag values are omitted, not stored as empty strings', async () => {
    const res = await post(misra([{ measurement: 'empty-tag', tags: { CommitTitle: '', CommitID: 'esc-2' } }]));
    assert.equal(res.status, 201, res.body);
    const keys = (await influx.rows('TFA_MisraDefects', 'SHOW TAG KEYS FROM "empty-tag"')).map((r) => r['tagKey']);
    assert.deepEqual(keys.sort(), ['BinMode', 'CommitID']);
  });

  it('refuses what line protocol cannot carry, naming every path, and stores nothing', async () => {
    const before = (await accepted());
    const res = await post(
      misra([
        { measurement: 'ok', tags: { CommitTitle: 'ends with backslash\\' } },
        { measurement: 'ok', tags: { CommitTitle: 'new\nline' } },
        { measurement: 'new\nline' },
        { measurement: 'ok', fields: { 'field\nkey': 1 } },
        { measurement: 'ok', tags: { CommitTitle: 'escape before comma\\,x' } },
        { measurement: 'carriage\rreturn' },
        // InfluxDB skips a tab or NUL at the start of a line or field section, and reads what
        // follows as a comment or another name: such names would be stored altered or not at all.
        { measurement: '\t#comment' },
        { measurement: '\u0000renamed' },
        { measurement: 'ok', fields: { '\tTotalDefects': 'shadow' } },
      ]),
    );
    assertRefused(
      res,
      [
        '/data/0/tags/CommitTitle',
        '/data/1/tags/CommitTitle',
        '/data/2/measurement',
        '/data/3/fields/field\nkey',
        '/data/4/tags/CommitTitle',
        '/data/5/measurement',
        '/data/6/measurement',
        '/data/7/measurement',
        '/data/8/fields/\tTotalDefects',
      ],
      'unrepresentable names',
    );
    const byPath = new Map((res.json.errors as { path: string; message: string }[]).map((e) => [e.path, e.message]));
    assert.match(byPath.get('/data/0/tags/CommitTitle')!, /backslash/);
    assert.match(byPath.get('/data/1/tags/CommitTitle')!, /newline/);
    assert.match(byPath.get('/data/2/measurement')!, /newline/);
    assert.match(byPath.get('/data/6/measurement')!, /control character U\+0009/);
    assert.match(byPath.get('/data/7/measurement')!, /control character U\+0000/);
    assert.equal((await accepted()), before, 'nothing journaled');
  });

  it('number literals decide integer or float; pinned-free fields keep their literal type', async () => {
    const fields = {
      Int_Five: 5,
      Float_Five: num('5.0'),
      Float_Exp: num('1e3'),
      Float_Neg: num('-2.50'),
      Int_Neg: -7,
      Int_Max: num('9223372036854775807'),
      Int_Min: num('-9223372036854775808'),
      Bool_Field: true,
      Null_Field: null,
    };
    const res = await post(misra([{ measurement: 'typing', tags: { CommitID: 'num-1' }, fields }]));
    assert.equal(res.status, 201, res.body);
    const types = Object.fromEntries((await influx.rows('TFA_MisraDefects', 'SHOW FIELD KEYS FROM "typing"')).map((r) => [r['fieldKey'], r['fieldType']]));
    assert.deepEqual(types, {
      AdvisoryDefects: 'integer',
      Bool_Field: 'boolean',
      Float_Exp: 'float',
      Float_Five: 'float',
      Float_Neg: 'float',
      Int_Five: 'integer',
      Int_Max: 'integer',
      Int_Min: 'integer',
      Int_Neg: 'integer',
      MandatoryDefects: 'integer',
      RequiredDefects: 'integer',
      TotalDefects: 'integer',
    });
    // Exact int64 extremes: read InfluxDB's JSON text, since JS numbers cannot hold them.
    const raw = await (await fetch(`${influx.url}/query?db=TFA_MisraDefects&q=${encodeURIComponent('SELECT "Int_Max", "Int_Min" FROM "typing"')}`)).text();
    assert.match(raw, /9223372036854775807/);
    assert.match(raw, /-9223372036854775808/);
    const rows = await influx.rows('TFA_MisraDefects', 'SELECT * FROM "typing"');
    assert.equal(rows[0]!['Float_Five'], 5);
    assert.equal(rows[0]!['Float_Exp'], 1000);
    assert.equal(rows[0]!['Null_Field'], undefined, 'null fields are skipped');
  });

  it('5 and 5.0 in a built-in numeric field land as integer and float in their own measurements', async () => {
    const a = await post(misra([{ measurement: 'typing-int', tags: { CommitID: 'num-2' }, fields: { TotalDefects: 5 } }]));
    const b = await post(misra([{ measurement: 'typing-float', tags: { CommitID: 'num-3' }, fields: { TotalDefects: num('5.0') } }]));
    assert.equal(a.status, 201, a.body);
    assert.equal(b.status, 201, b.body);
    const typeOf = async (m: string): Promise<unknown> =>
      (await influx.rows('TFA_MisraDefects', `SHOW FIELD KEYS FROM ${ident(m)}`)).find((r) => r['fieldKey'] === 'TotalDefects')?.['fieldType'];
    assert.equal(await typeOf('typing-int'), 'integer');
    assert.equal(await typeOf('typing-float'), 'float');
  });

  it('refuses integers beyond int64 and numbers beyond a double with a 400 naming the field', async () => {
    const before = (await accepted());
    const cases: [string, unknown][] = [
      ['Too_Big', num('9223372036854775808')],
      ['Too_Small', num('-9223372036854775809')],
      ['Huge_Float', num('1e400')],
      ['Huge_Negative_Float', num('-1e400')],
    ];
    for (const [key, value] of cases) {
      const res = await post(misra([{ measurement: 'typing-bad', tags: { CommitID: 'num-4' }, fields: { [key]: value } }]));
      assertRefused(res, [`/data/0/fields/${key}`], `${key} = ${String(value)}`);
    }
    const all = await post(misra([{ measurement: 'typing-bad', fields: Object.fromEntries(cases) }]));
    assertRefused(all, cases.map(([k]) => `/data/0/fields/${k}`), 'all range problems at once');
    assert.equal((await accepted()), before);
    assert.deepEqual(await influx.rows('TFA_MisraDefects', 'SHOW FIELD KEYS FROM "typing-bad"'), []);
  });
});
