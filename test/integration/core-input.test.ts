// Bodies refused at the door, and told the truth about: any nesting depth, invalid UTF-8 and lone
// surrogates, repeated points, typos in names. Real HTTP to a broker process, and the qmb CLI.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type BrokerProcess, startBrokerProcess } from '../helpers/broker.js';
import { waitFor } from '../helpers/ports.js';
import { isErrorBody } from '../helpers/core-support.js';
import { runQmb } from '../helpers/producer-run.js';

const ROUTES = ['/api/v1/metrics', '/api/v1/validate', '/'] as const;
/** The maximum nesting the docs promise to parse. */
const MAX_DEPTH = 64;

let broker: BrokerProcess;
let dir = '';

interface Answer {
  status: number;
  headers: Headers;
  text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read the answer they assert on field by field
  json: any;
}

async function post(route: string, body: string | Buffer, token = broker.token()): Promise<Answer> {
  const res = await fetch(`${broker.url}${route}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : new Uint8Array(body),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

async function get(route: string): Promise<Answer> {
  const res = await fetch(`${broker.url}${route}`, { headers: { authorization: `Bearer ${broker.token()}` } });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: JSON.parse(text) };
}

/** How many submissions the journal holds, all statuses. */
async function journaled(): Promise<number> {
  const counts = (await get('/api/v1/submissions?limit=1')).json.counts as Record<string, number>;
  return Object.values(counts).reduce((a, b) => a + b, 0);
}

async function file(name: string, content: string | Buffer): Promise<string> {
  const p = join(dir, name);
  await writeFile(p, content);
  return p;
}

/** A tfa_code_churn payload as bytes, with `key` (raw bytes) as an extra field and `tag` as Target_Tag. */
function churnBytes(key: Buffer | string, tag: Buffer | string = 'v2.4', extra = '1'): Buffer {
  return Buffer.concat([
    Buffer.from('{"api_version": "1.0", "metadata": {"metrics": "tfa_code_churn"}, "data": [{"measurement": "TFA_CodeChurn_Tracking", "fields": {"Lines_of_Change": 4, "'),
    Buffer.from(key),
    Buffer.from(`": ${extra}}, "tags": {"Git_Tag_Date": 20200908, "Base_Tag": "v2.3", "Target_Tag": "`),
    Buffer.from(tag),
    Buffer.from('"}, "time": "2020-09-08 14:22:45 +0100"}]}'),
  ]);
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'qmb-input-'));
  broker = await startBrokerProcess();
});

after(async () => {
  await broker?.stop();
  broker?.cleanup();
  await rm(dir, { recursive: true, force: true });
});

describe('nesting depth', { timeout: 120_000 }, () => {
  const deepArrays = (depth: number): string => '['.repeat(depth) + ']'.repeat(depth);
  const deepObjects = (depth: number): string => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
  /** A valid churn payload whose extra field holds arrays nested to `depth` in all. */
  const deepField = (depth: number): string => {
    const inner = depth - 4; // body, data, item, fields
    return churnBytes('Deep', 'v2.4', '['.repeat(inner) + ']'.repeat(inner)).toString();
  };

  it(`any depth beyond ${MAX_DEPTH} is a 400 JSON_TOO_DEEP on every route, never a 5xx`, async () => {
    const before = await journaled();
    const bodies: [string, string][] = [];
    for (const depth of [MAX_DEPTH + 1, 10_000, 100_000, 1_000_000]) {
      bodies.push([`arrays ${depth}`, deepArrays(depth)]);
      bodies.push([`objects ${depth}`, deepObjects(depth)]);
      bodies.push([`unclosed ${depth}`, '['.repeat(depth)]);
      bodies.push([`in a payload ${depth}`, deepField(depth)]);
    }
    for (const [name, body] of bodies) {
      for (const route of ROUTES) {
        const res = await post(route, body);
        assert.equal(res.status, 400, `${route} ${name}: ${res.text.slice(0, 300)}`);
        assert.ok(isErrorBody(res.json, 400), res.text.slice(0, 300));
        assert.equal(res.json.code, 'JSON_TOO_DEEP', `${route} ${name}: ${res.text.slice(0, 300)}`);
        assert.match(res.json.data, new RegExp(`deeper than ${MAX_DEPTH} levels`));
        assert.equal(typeof res.json.errors[0].offset, 'number');
      }
    }
    assert.equal(await journaled(), before, 'nothing journaled');
  });

  it('names the byte where the nesting goes too deep', async () => {
    const body = `{"x": "é", "y": ${'['.repeat(MAX_DEPTH + 5)}`;
    const res = await post('/api/v1/metrics', body);
    assert.equal(res.json.code, 'JSON_TOO_DEEP', res.text);
    // The 64th "[" is depth 65 (the body is depth 1); "é" takes two bytes.
    const at = Buffer.byteLength(body.slice(0, body.indexOf('[') + MAX_DEPTH - 1));
    assert.equal(res.json.errors[0].offset, at, res.text);
    assert.match(res.json.data, new RegExp(`at byte ${at}\\b`));
  });

  it(`nesting up to ${MAX_DEPTH} levels is parsed and judged by the schema`, async () => {
    const res = await post('/api/v1/validate', deepField(MAX_DEPTH));
    assert.equal(res.status, 400, res.text);
    assert.equal(res.json.code, 'SCHEMA_VIOLATION', res.text);
    assert.equal(res.json.errors[0].path, '/data/0/fields/Deep');
  });

  it('no body at all gets a 5xx: a seeded mix of broken JSON, bytes and nesting', async () => {
    let seed = 8;
    const rand = (): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const pieces = ['{', '}', '[', ']', '"', '\\', ':', ',', '1', '-', '.', 'e', 'null', '"\\ud800"', '"a"', ' ', '\u00e9', '\uffff', '{"a":[', '['.repeat(5000), '{"a":'.repeat(5000)];
    for (let n = 0; n < 300; n++) {
      const parts: Buffer[] = [];
      const length = Math.floor(rand() * 400);
      for (let i = 0; i < length; i++) {
        parts.push(rand() < 0.1 ? Buffer.from([Math.floor(rand() * 256)]) : Buffer.from(pieces[Math.floor(rand() * pieces.length)] as string));
      }
      const body = Buffer.concat(parts);
      const res = await post(ROUTES[n % 3] as string, body);
      assert.ok(res.status < 500, `body ${body.toString('base64')}: ${res.status} ${res.text}`);
    }
    assert.equal((await fetch(`${broker.url}/healthz`)).status, 200);
  });

  it('qmb validate refuses a deep file the same way', async () => {
    const p = await file('deep.json', deepArrays(100_000));
    const r = await runQmb(['validate', p]);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /deep\.json: invalid JSON_TOO_DEEP: .*deeper than 64 levels/);
  });
});

describe('encoding', { timeout: 60_000 }, () => {
  /** Bodies that are not Unicode text, with the byte offset and JSON Pointer the broker must name. */
  const cases = (): { name: string; body: Buffer; offset: number; path: string }[] => {
    const at = (body: Buffer, marker: Buffer | string): number => body.indexOf(marker);
    const ff = churnBytes(Buffer.from([0x78, 0xff]));
    const overlong = churnBytes('Extra', Buffer.from([0x76, 0xc0, 0xaf]));
    const surrogate = churnBytes(Buffer.from([0xed, 0xa0, 0x80]));
    const cut = churnBytes('Extra', Buffer.from([0x76, 0xe2, 0x82]));
    const lone = churnBytes('x\\ud800');
    const loneLow = churnBytes('Extra', 'v\\uDC00');
    const highThenText = churnBytes('Extra', 'v\\ud83d\\u0041');
    const loneValue = churnBytes('Note', 'v2.4', '"ok \\ud800"');
    return [
      { name: 'stray 0xff in a field key', body: ff, offset: at(ff, Buffer.from([0xff])), path: '/data/0/fields' },
      { name: 'overlong 0xc0 0xaf in a tag value', body: overlong, offset: at(overlong, Buffer.from([0xc0])), path: '/data/0/tags/Target_Tag' },
      { name: 'UTF-8-encoded surrogate in a field key', body: surrogate, offset: at(surrogate, Buffer.from([0xed])), path: '/data/0/fields' },
      { name: 'sequence cut short in a tag value', body: cut, offset: at(cut, Buffer.from([0xe2])), path: '/data/0/tags/Target_Tag' },
      { name: 'lone high surrogate escape in a field key', body: lone, offset: at(lone, '\\ud800'), path: '/data/0/fields' },
      { name: 'lone low surrogate escape in a tag value', body: loneLow, offset: at(loneLow, '\\uDC00'), path: '/data/0/tags/Target_Tag' },
      { name: 'high surrogate escape followed by another escape', body: highThenText, offset: at(highThenText, '\\ud83d'), path: '/data/0/tags/Target_Tag' },
      { name: 'lone surrogate escape in a string field value', body: loneValue, offset: at(loneValue, '\\ud800'), path: '/data/0/fields/Note' },
    ];
  };

  it('invalid UTF-8 and lone surrogate escapes get 400 INVALID_ENCODING with the byte offset and pointer', async () => {
    const before = await journaled();
    for (const c of cases()) {
      assert.ok(c.offset > 0, c.name);
      for (const route of ROUTES) {
        const res = await post(route, c.body);
        assert.equal(res.status, 400, `${route} ${c.name}: ${res.text}`);
        assert.ok(isErrorBody(res.json, 400), res.text);
        assert.equal(res.json.code, 'INVALID_ENCODING', `${route} ${c.name}: ${res.text}`);
        assert.equal(res.json.errors[0].offset, c.offset, `${route} ${c.name}: ${res.text}`);
        assert.equal(res.json.errors[0].path, c.path, `${route} ${c.name}: ${res.text}`);
        assert.match(res.json.data, new RegExp(`at byte ${c.offset} \\(${c.path.replace(/\//g, '\\/')}\\)`), res.json.data);
      }
    }
    assert.equal(await journaled(), before, 'nothing journaled');
  });

  it('says what is wrong with the bytes', async () => {
    const messages = await Promise.all(cases().map(async (c) => (await post('/api/v1/validate', c.body)).json.errors[0].message as string));
    assert.match(messages[0]!, /invalid UTF-8 in the key "x\ufffd": byte 0xff never appears in UTF-8/);
    assert.match(messages[1]!, /invalid UTF-8: overlong encoding/);
    assert.match(messages[2]!, /0xed 0xa0 0x80 encodes a UTF-16 surrogate/);
    assert.match(messages[3]!, /cut short/);
    assert.match(messages[4]!, /lone surrogate escape \\ud800 in the key "x\\ud800"/);
  });

  it('well-formed text passes: pairs, raw characters, an escaped backslash before "ud800"', async () => {
    const body = churnBytes('Emoji \\ud83d\\ude00 \u{1f600} caf\u00e9 \\\\ud800', 'v\u00e9\u20ac');
    const res = await post('/api/v1/validate', body);
    assert.equal(res.status, 200, res.text);
    const fields = Object.keys(res.json.points[0].fields);
    assert.ok(fields.includes('Emoji \u{1f600} \u{1f600} caf\u00e9 \\ud800'), JSON.stringify(fields));
    assert.equal(res.json.points[0].tags.Target_Tag, 'v\u00e9\u20ac');
    for (const route of ['/api/v1/metrics', '/']) {
      const ok = await post(route, body);
      assert.ok(ok.status === 202 || ok.status === 204, `${route}: ${ok.status} ${ok.text}`);
    }
  });

  it('qmb validate refuses a file with invalid UTF-8 the same way', async () => {
    const c = cases()[0]!;
    const p = await file('ff.json', c.body);
    const r = await runQmb(['validate', p]);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, new RegExp(`ff\\.json: invalid INVALID_ENCODING: request body is not valid Unicode text at byte ${c.offset} \\(/data/0/fields\\)`));
    const lone = await file('lone.json', cases()[4]!.body);
    const rl = await runQmb(['validate', lone]);
    assert.match(rl.stdout, /lone\.json: invalid INVALID_ENCODING: .*lone surrogate escape \\ud800/);
  });
});

describe('points that share series and time', { timeout: 90_000 }, () => {
  const TARGET = 'juno-tftf+aarch32-rt32.instr-r2';
  const CASES = ['testrtinstrsuspdeepparallel', 'testrtinstrsuspdeepserial', 'testrtinstrpsciversionparallel'];

  /** An rt_instr.txt as TF-A CI writes it: 36 samples, each line written twice. */
  function rtInstrText(target: string): string {
    const lines = [
      `InstrumentationTarget: ${target}`,
      'CommitID:              ed39d5e3c0709bab22821a1da3a62737c5d531de',
      'CommitTitle:           Merge "Enabling DPU in dts file for TC0" into integration',
      'CommitDate:            2020-09-08T14:22:45+00:00',
    ];
    let n = 0;
    for (const tc of CASES) {
      for (let cluster = 0; cluster < 2; cluster++) {
        for (let core = 0; core < 6; core++) {
          n++;
          const sample = tc.includes('psciversion') ? `${tc}\t${cluster}\t${core}\t${2000 + n}` : `${tc}\t${cluster}\t${core}\t${100000 + n}\t${20000 + n}\t${9000 + n}`;
          lines.push(sample, sample);
        }
      }
    }
    return lines.join('\n') + '\n';
  }

  /** The payload `qmb convert rtinstr` makes of it: 72 items. */
  async function rtInstrPayload(target: string): Promise<string> {
    const txt = await file(`rt-${target}.txt`, rtInstrText(target));
    const r = await runQmb(['convert', 'rtinstr', txt]);
    assert.equal(r.code, 0, r.stderr);
    const payload = JSON.parse(r.stdout) as { data: unknown[] };
    assert.equal(payload.data.length, 72);
    return r.stdout;
  }

  const DUP_ITEMS = [1, 3, 5, 7, 9, 11, 13, 15, 17, 19];

  async function storedRows(measurement: string): Promise<unknown[]> {
    const res = await get(`/api/v1/databases/TFA_RTINSTR/rows?measurement=${encodeURIComponent(measurement)}`);
    assert.equal(res.status, 200, res.text);
    return res.json.rows as unknown[];
  }

  it('/api/v1/metrics counts the distinct points and reports the duplicates, also in the submission', async () => {
    const target = `${TARGET}-api`;
    const res = await post('/api/v1/metrics?wait=20', await rtInstrPayload(target));
    assert.equal(res.status, 201, res.text);
    assert.equal(res.json.points, 36);
    assert.equal(res.json.duplicates, 36);
    assert.deepEqual(res.json.duplicate_items, DUP_ITEMS);
    const sub = await get(`/api/v1/submissions/${res.json.id}`);
    assert.equal(sub.json.points, 36);
    assert.equal(sub.json.duplicates, 36);
    assert.deepEqual(sub.json.duplicate_items, DUP_ITEMS);
    assert.equal((await storedRows(target)).length, 36, 'the answer tells the number stored');
  });

  it('/api/v1/validate shows the points as stored and the duplicates', async () => {
    const res = await post('/api/v1/validate', await rtInstrPayload(`${TARGET}-validate`));
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.points.length, 36);
    assert.equal(res.json.line_protocol.split('\n').length, 36);
    assert.equal(res.json.duplicates, 36);
    assert.deepEqual(res.json.duplicate_items, DUP_ITEMS);
  });

  it('the legacy route stores the distinct points and its submission shows the duplicates', async () => {
    const target = `${TARGET}-legacy`;
    const res = await post('/', await rtInstrPayload(target));
    assert.equal(res.status, 204, res.text);
    const id = res.headers.get('x-submission-id');
    const sub = await get(`/api/v1/submissions/${id}`);
    assert.equal(sub.json.points, 36);
    assert.equal(sub.json.duplicates, 36);
    await waitFor(async () => (await get(`/api/v1/submissions/${id}`)).json.status === 'delivered', 20_000, 'delivery');
    assert.equal((await storedRows(target)).length, 36);
  });

  it('repeats merge as in InfluxDB: fields united, the later value of a field wins', async () => {
    const item = (fields: Record<string, number>): unknown => ({
      measurement: 'merge-check',
      fields: { Latency_EL3Entry_EL3Exit: 1, ...fields },
      tags: { CommitID: 'c', CommitTitle: 't', TC_Name: 'x', Cluster_ID: 0, CPU_Core: 0 },
      time: 1599574965000000000,
    });
    const body = JSON.stringify({
      api_version: '1.0',
      metadata: { metrics: 'tfa_rtinstr' },
      data: [item({ A: 1, B: 2 }), item({ Latency_EL3Entry_EL3Exit: 5, B: 3, C: 4 })],
    });
    const v = await post('/api/v1/validate', body);
    assert.equal(v.status, 200, v.text);
    assert.deepEqual(v.json.points.map((p: { fields: unknown }) => p.fields), [{ Latency_EL3Entry_EL3Exit: 5, A: 1, B: 3, C: 4 }]);
    assert.equal(v.json.duplicates, 1);
    assert.deepEqual(v.json.duplicate_items, [1]);
    const res = await post('/api/v1/metrics?wait=20', body);
    assert.equal(res.status, 201, res.text);
    const rows = (await storedRows('merge-check')) as { fields: unknown }[];
    assert.deepEqual(rows.map((r) => r.fields), [{ A: 1, B: 3, C: 4, Latency_EL3Entry_EL3Exit: 5 }]);
  });

  it('qmb convert --push, qmb push and qmb validate print the duplicates', async () => {
    const note = / points=36 duplicates=36 \(items 1, 3, 5, 7, 9, 11, 13, 15, 17, 19, \.\.\. repeat the series and time of an earlier item/;
    const env = { QMB_URL: broker.url, QMB_TOKEN: broker.token() };
    const txt = await file('rt_instr.txt', rtInstrText(`${TARGET}-push`));
    const pushed = await runQmb(['convert', 'rtinstr', txt, '--push'], { env });
    assert.equal(pushed.code, 0, pushed.stdout + pushed.stderr);
    assert.match(pushed.stdout, new RegExp(`^tfa_rtinstr: accepted id=\\d+${note.source}`));
    const p = await file('rt.json', await rtInstrPayload(`${TARGET}-file`));
    for (const extra of [['--wait', '20'], ['--dry-run']]) {
      const r = await runQmb(['push', p, ...extra], { env });
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.match(r.stdout, note, extra.join(' '));
    }
    const v = await runQmb(['validate', p]);
    assert.equal(v.code, 0, v.stdout + v.stderr);
    assert.match(v.stdout, new RegExp(`rt\\.json: ok metric=tfa_rtinstr database=TFA_RTINSTR${note.source}`));
  });

  it('payloads without repeats say duplicates 0 and print nothing more', async () => {
    const body = churnBytes('Other');
    const res = await post('/api/v1/metrics', body);
    assert.equal(res.status, 202, res.text);
    assert.equal(res.json.points, 1);
    assert.equal(res.json.duplicates, 0);
    assert.deepEqual(res.json.duplicate_items, []);
    const p = await file('one.json', body);
    const r = await runQmb(['push', p], { env: { QMB_URL: broker.url, QMB_TOKEN: broker.token() } });
    assert.match(r.stdout, /one\.json: accepted id=\d+ points=1\n$/);
  });
});

describe('typos in names', { timeout: 60_000 }, () => {
  const churn = (fields: Record<string, unknown>, tags: Record<string, unknown> = { Git_Tag_Date: 20200908, Base_Tag: 'v2.3', Target_Tag: 'v2.4' }, metric = 'tfa_code_churn'): string =>
    JSON.stringify({
      api_version: '1.0',
      metadata: { metrics: metric },
      data: [{ measurement: 'TFA_CodeChurn_Tracking', fields, tags, time: '2020-09-08' }],
    });

  it('a misspelt field is named with "did you mean", beside the missing one', async () => {
    for (const route of ROUTES) {
      const res = await post(route, churn({ Lines_of_Changes: 4731 }));
      assert.equal(res.status, 400, `${route}: ${res.text}`);
      assert.equal(res.json.code, 'SCHEMA_VIOLATION');
      const errors = res.json.errors as { path: string; message: string }[];
      const missing = errors.find((e) => e.path === '/data/0/fields/Lines_of_Change');
      const typo = errors.find((e) => e.path === '/data/0/fields/Lines_of_Changes');
      assert.match(missing?.message ?? '', /required property "Lines_of_Change" is missing \("Lines_of_Changes" is there: a typo\?\)/, res.text);
      assert.match(typo?.message ?? '', /unknown property "Lines_of_Changes" \(did you mean "Lines_of_Change"\?\)/, res.text);
      assert.match(res.json.data, /Lines_of_Changes/);
    }
  });

  it('case slips count as typos; unrelated extra fields are not blamed', async () => {
    const res = await post('/api/v1/validate', churn({ lines_of_change: 1, Files_Touched: 3 }));
    const errors = res.json.errors as { path: string; message: string }[];
    assert.ok(errors.some((e) => e.path === '/data/0/fields/lines_of_change' && /did you mean "Lines_of_Change"/.test(e.message)), res.text);
    assert.ok(!errors.some((e) => e.path === '/data/0/fields/Files_Touched'), res.text);
  });

  it('a misspelt tag where no others are allowed gets the hint too, once', async () => {
    const res = await post('/api/v1/validate', churn({ Lines_of_Change: 1 }, { Git_Tag_Date: 20200908, Base_Tagg: 'v2.3', Target_Tag: 'v2.4' }));
    const errors = res.json.errors as { path: string; message: string }[];
    const atTypo = errors.filter((e) => e.path === '/data/0/tags/Base_Tagg');
    assert.equal(atTypo.length, 1, res.text);
    assert.match(atTypo[0]!.message, /property "Base_Tagg" is not allowed here \(did you mean "Base_Tag"\? allowed: /);
    assert.ok(errors.some((e) => e.path === '/data/0/tags/Base_Tag' && /"Base_Tagg" is there: a typo\?/.test(e.message)), res.text);
  });

  it('an unknown metric lists the close known names', async () => {
    for (const route of ROUTES) {
      const res = await post(route, churn({ Lines_of_Change: 1 }, undefined, 'tfa_code_chrun'));
      assert.equal(res.status, route === '/' ? 401 : 400, `${route}: ${res.text}`);
      assert.equal(res.json.code, 'UNKNOWN_METRIC');
      assert.match(res.json.data, /^unknown metric "tfa_code_chrun" \(did you mean tfa_code_churn\b/, res.text);
      assert.match(res.json.errors[0].message, /did you mean tfa_code_churn\b/);
    }
    const far = await post('/api/v1/validate', churn({ Lines_of_Change: 1 }, undefined, 'completely_else'));
    assert.equal(far.json.data, 'unknown metric "completely_else"');
  });

  it('qmb validate prints the same hints', async () => {
    const p = await file('typo.json', churn({ Lines_of_Changes: 4731 }));
    const m = await file('metric-typo.json', churn({ Lines_of_Change: 1 }, undefined, 'TFA_code_churn'));
    const r = await runQmb(['validate', p, m]);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /\n {2}\/data\/0\/fields\/Lines_of_Changes: unknown property "Lines_of_Changes" \(did you mean "Lines_of_Change"\?\)\n/);
    assert.match(r.stdout, /metric-typo\.json: invalid UNKNOWN_METRIC: unknown metric "TFA_code_churn" \(did you mean tfa_code_churn\b/);
  });
});
