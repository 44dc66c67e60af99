// Request bodies keep each number's literal whichever parse path is taken, and bad JSON is refused.
import assert from 'node:assert/strict';
import { isUtf8 } from 'node:buffer';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { InvalidEncodingError, InvalidJsonError, JsonTooDeepError } from '../../src/errors.js';
import { firstInvalidUtf8, loneSurrogateEscape, placeAt } from '../../src/ingest/encoding.js';
import { JsonBody, JsonNumber, type LosslessValue, MAX_JSON_DEPTH, parseLossless } from '../../src/ingest/json.js';

/** The tree with every JsonNumber shown as `#<literal>`, for comparison. */
function show(v: unknown): unknown {
  if (v instanceof JsonNumber) return `#${v.literal}`;
  if (Array.isArray(v)) return v.map(show);
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, show(x)]));
  return v;
}

describe('JsonBody', () => {
  it('keeps integer and float literals apart, with plain numbers for validation', () => {
    const text = '{"a": 5, "b": 5.0, "c": 1e3, "d": 12345678901234567890, "e": [-0.50, 7], "s": "x:1, \\"2\\" 3", "n": null, "t": true}';
    const body = JsonBody.parse(text);
    assert.deepEqual(body.plain, { a: 5, b: 5, c: 1000, d: 12345678901234567890, e: [-0.5, 7], s: 'x:1, "2" 3', n: null, t: true });
    assert.deepEqual(show(body.lossless()), { a: '#5', b: '#5.0', c: '#1e3', d: '#12345678901234567890', e: ['#-0.50', '#7'], s: 'x:1, "2" 3', n: null, t: true });
  });

  it('is not misled by strings with quotes, backslashes, colons and digits', () => {
    const text = String.raw`{"k\\": "v\\", "q": "a\"b:1", "x": 2.50, "y": ["\\\"", 3]}`;
    assert.deepEqual(show(JsonBody.parse(text).lossless()), show(parseLossless(text)));
    assert.deepEqual(show(JsonBody.parse(text).lossless()), { 'k\\': 'v\\', q: 'a"b:1', x: '#2.50', y: ['\\"', '#3'] });
  });

  it('gives each number its own literal when keys look like array indexes (engines enumerate those first)', () => {
    const body = JsonBody.parse('{"fields": {"2": 5.0, "1": 3, "b": 7}}');
    assert.deepEqual(show(body.lossless()), { fields: { 1: '#3', 2: '#5.0', b: '#7' } });
  });

  it('refuses duplicate keys, which would make the literals ambiguous', () => {
    assert.throws(() => JsonBody.parse('{"a": "x", "b": 5, "a": 5.0}'), InvalidJsonError);
  });

  it('refuses malformed JSON with the position', () => {
    assert.throws(
      () => JsonBody.parse('{"a": }'),
      (err: unknown) => err instanceof InvalidJsonError && /position 6/.test(err.message),
    );
  });

  it('agrees with a full lossless parse on every fixture payload', () => {
    const dir = path.join('test', 'fixtures', 'payloads');
    let checked = 0;
    let withFloatLiterals = 0;
    for (const file of readdirSync(dir)) {
      const table = parseLossless(readFileSync(path.join(dir, file), 'utf8')) as { valid: { payload: LosslessValue }[]; invalid: { payload: LosslessValue }[] };
      for (const c of [...table.valid, ...table.invalid]) {
        // Re-serialise keeping the literals, as a client would have sent them.
        // (JSON.stringify calls toJSON before the replacer, so read the raw value from the holder.)
        const text = JSON.stringify(c.payload, function (this: Record<string, unknown>, k: string, v: unknown) {
          const raw = this[k];
          return raw instanceof JsonNumber ? `\u0000${raw.literal}\u0000` : v;
        }).replace(
          /"\\u0000([^\\]*)\\u0000"/g,
          '$1',
        );
        assert.deepEqual(show(JsonBody.parse(text).lossless()), show(parseLossless(text)), file);
        if (/\d\.0\b/.test(text)) withFloatLiterals++;
        checked++;
      }
    }
    assert.ok(checked > 50, `checked ${checked} payloads`);
    assert.ok(withFloatLiterals > 0, 'some fixtures keep whole floats such as 5.0');
  });
});

describe('JsonBody limits', () => {
  const arrays = (depth: number): string => '['.repeat(depth) + ']'.repeat(depth);

  it(`parses nesting up to MAX_JSON_DEPTH (${MAX_JSON_DEPTH}) and refuses one more, valid JSON or not`, () => {
    assert.deepEqual(JsonBody.parse(`{"a": ${arrays(MAX_JSON_DEPTH - 1)}}`).plain, JSON.parse(`{"a": ${arrays(MAX_JSON_DEPTH - 1)}}`));
    for (const text of [`{"a": ${arrays(MAX_JSON_DEPTH)}}`, arrays(MAX_JSON_DEPTH + 1), '['.repeat(MAX_JSON_DEPTH + 1), `{"a": 5.0, "a": ${arrays(MAX_JSON_DEPTH)}}`]) {
      assert.throws(() => JsonBody.parse(text), JsonTooDeepError, text.slice(0, 40));
    }
  });

  it('refuses a million levels with JSON_TOO_DEEP, not a stack overflow', () => {
    for (const text of [arrays(1_000_000), '{"a":'.repeat(1_000_000), '['.repeat(1_000_000) + 'x']) {
      assert.throws(() => JsonBody.parse(text), (err: unknown) => err instanceof JsonTooDeepError && err.details[0]?.offset === MAX_JSON_DEPTH * (text[1] === '"' ? 5 : 1));
    }
  });

  it('does not count brackets inside strings', () => {
    const text = `{"s": "${'['.repeat(200)}", "t": "\\"${'{'.repeat(200)}"}`;
    assert.equal((JsonBody.parse(text).plain as { s: string }).s.length, 200);
  });

  it('refuses lone surrogate escapes, on the fast and on the lossless path, with byte offset and pointer', () => {
    const cases: [string, string][] = [
      ['{"é": {"k\\ud800": 1}}', '/\u00e9'],
      ['{"a": ["x", "\\uDC00"]}', '/a/1'],
      ['{"a": "\\ud83d\\u0041"}', '/a'],
      ['{"fields": {"2": 5.0, "1": "\\udbff"}}', '/fields/1'],
      ['{"a": "x", "a": "\\ud800"}', '/a'],
    ];
    for (const [text, pointer] of cases) {
      const at = Buffer.byteLength(text.slice(0, text.search(/\\u[dD][89a-fA-F]/)));
      assert.throws(
        () => JsonBody.parse(text),
        (err: unknown) => err instanceof InvalidEncodingError && err.code === 'INVALID_ENCODING' && err.details[0]?.offset === at && err.details[0]?.path === pointer,
        text,
      );
    }
  });

  it('accepts surrogate pairs and an escaped backslash before "ud800"', () => {
    assert.deepEqual(JsonBody.parse('{"a": "\\ud83d\\ude00", "b": "\\\\ud800", "c": "\\\\\\ud83d\\uDE00"}').plain, { a: '\u{1f600}', b: '\\ud800', c: '\\\u{1f600}' });
    assert.equal(loneSurrogateEscape('"\\\\ud800"'), -1);
    assert.equal(loneSurrogateEscape('"\\\\\\ud800"'), 3);
  });

  it('refuses bytes that are not UTF-8 with INVALID_ENCODING, the offset of the bad sequence and the pointer', () => {
    const prefix = Buffer.from('{"a": [1, {"é": "x');
    const body = (bad: number[]): Buffer => Buffer.concat([prefix, Buffer.from(bad), Buffer.from('"}]}')]);
    for (const bad of [[0xff], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xe2, 0x82], [0x80], [0xf4, 0x90, 0x80, 0x80], [0xf0, 0x8f, 0xbf, 0xbf], [0xe0, 0x9f, 0xbf]]) {
      const bytes = body(bad);
      assert.throws(
        () => JsonBody.parseBytes(bytes),
        (err: unknown) => err instanceof InvalidEncodingError && err.details[0]?.offset === prefix.length && err.details[0]?.path === '/a/1/\u00e9',
        bad.join(' '),
      );
    }
    assert.deepEqual(JsonBody.parseBytes(body([0xe2, 0x82, 0xac])).plain, { a: [1, { é: 'x\u20ac' }] });
  });

  it('finds the first bad UTF-8 sequence exactly where node:buffer says the bytes stop being UTF-8', () => {
    let seed = 42;
    const byte = (): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      // Mostly the bytes that start and continue sequences, where the edge cases are.
      return seed % 3 === 0 ? seed % 128 : 0x80 + (seed % 128);
    };
    let invalid = 0;
    for (let n = 0; n < 20_000; n++) {
      const bytes = Buffer.from(Array.from({ length: 1 + (n % 7) }, byte));
      const bad = firstInvalidUtf8(bytes);
      assert.equal(bad === undefined, isUtf8(bytes), bytes.toString('hex'));
      if (bad) {
        invalid++;
        assert.ok(isUtf8(bytes.subarray(0, bad.offset)), `${bytes.toString('hex')}: all before ${bad.offset} is UTF-8`);
        // A decoder that replaces errors starts replacing right there.
        assert.equal(new TextDecoder().decode(bytes.subarray(bad.offset))[0], '\ufffd', bytes.toString('hex'));
      }
    }
    assert.ok(invalid > 1000);
  });

  it('places an offset of JSON text at its pointer, keys named by their object', () => {
    const text = '{"a~b": [0, {"c/d": "here", "e": 1}], "f": {"g": "x"}}';
    assert.deepEqual(placeAt(text, text.indexOf('here')), { pointer: '/a~0b/1/c~1d' });
    assert.deepEqual(placeAt(text, text.indexOf('"e"') + 1), { pointer: '/a~0b/1', key: 'e' });
    assert.deepEqual(placeAt(text, text.indexOf('"g"') + 1), { pointer: '/f', key: 'g' });
    assert.deepEqual(placeAt(text, text.indexOf('1}')), { pointer: '/a~0b/1/e' });
  });
});
