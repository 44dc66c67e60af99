// Unit tests: every error class has its own stable code, a status, and the JSON error body shape.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as errors from '../../src/errors.js';
import { InvalidJsonError } from '../../src/errors.js';
import { JsonNumber, parseLossless } from '../../src/ingest/json.js';

const detail = [{ path: '/data/0', message: 'bad' }];

/** One instance of every BrokerError class errors.ts exports. */
function oneOfEach(): errors.BrokerError[] {
  return [
    new errors.InvalidJsonError('x'),
    new errors.InvalidEncodingError(3, '/a', 'x'),
    new errors.JsonTooDeepError(64, 64),
    new errors.BodyNotObjectError('an array'),
    new errors.EnvelopeError('x', detail),
    new errors.UnknownMetricError('m'),
    new errors.UnsupportedVersionError('m', '9', ['1.0']),
    new errors.SchemaViolationError('m', detail),
    new errors.InvalidPointError(detail),
    new errors.InvalidRequestError('x', '/p'),
    new errors.BudgetsInvalidError(detail),
    new errors.TokenMissingError(),
    new errors.TokenInvalidError('x'),
    new errors.InvalidCredentialsError(),
    new errors.ForbiddenMetricError('u', 'm'),
    new errors.NotFoundError('x'),
    new errors.BodyTooLargeError(10),
    new errors.UnsupportedMediaTypeError('text/plain'),
    new errors.RateLimitedError(5, 'x'),
    new errors.JournalFullError(1, 1, 5),
    new errors.StorageFullError('x'),
    new errors.JournalUnavailableError('db:5432', 'connect ECONNREFUSED'),
    new errors.DatabaseRejectedError('x'),
    new errors.FieldTypeConflictError(detail),
    new errors.TagValuesLimitError(detail),
    new errors.ShuttingDownError(),
    new errors.RequestRefusedError(403, 'Forbidden'),
    new errors.CliNotBuiltError(),
    new errors.InternalError(),
  ];
}

describe('errors', () => {
  it('covers every exported BrokerError class', () => {
    const exported = (Object.values(errors) as unknown[]).filter(
      (v): v is { name: string; prototype: unknown } =>
        typeof v === 'function' && v.prototype instanceof errors.BrokerError && v !== errors.AuthError,
    );
    const made = new Set<unknown>(oneOfEach().map((e) => e.constructor));
    for (const cls of exported) assert.ok(made.has(cls), `${cls.name} is constructed here`);
  });

  it('gives each class a unique UPPER_SNAKE code and an HTTP status', () => {
    const all = oneOfEach();
    const codes = all.map((e) => e.code);
    assert.equal(new Set(codes).size, codes.length, `unique: ${codes.join(', ')}`);
    for (const e of all) {
      assert.match(e.code, /^[A-Z][A-Z0-9_]*$/);
      assert.ok(e.status >= 400 && e.status < 600, `${e.code} ${e.status}`);
    }
    assert.notEqual(new errors.ConfigError('x').code, undefined);
    assert.ok(!codes.includes(new errors.ConfigError('x').code));
    assert.ok(!codes.includes(new errors.StartupError('f', 'x').code));
  });

  it('renders the JSON body with data, error_code, code, errors, and the older keys on auth errors', () => {
    for (const e of oneOfEach()) {
      const body = errors.errorBody(e);
      assert.equal(body['data'], e.message);
      assert.equal(body['error_code'], e.status);
      assert.equal(body['code'], e.code);
      assert.ok(Array.isArray(body['errors']));
      if (e instanceof errors.AuthError) {
        assert.equal(body['status_code'], 401);
        assert.equal(typeof body['description'], 'string');
        assert.equal(typeof body['error'], 'string');
      }
    }
    const creds = errors.errorBody(new errors.InvalidCredentialsError());
    assert.equal(creds['description'], 'Invalid credentials');
    assert.equal(creds['error'], 'Bad Request');
    assert.equal(new errors.TokenMissingError().headers['WWW-Authenticate'], 'JWT realm="Login Required"');
    assert.equal(new errors.UnknownMetricError('m').legacyStatus, 401);
    assert.equal(new errors.SchemaViolationError('m', detail).legacyStatus, 400);
    // Bad bytes and deep nesting are bad payloads: 400 on the legacy route too.
    assert.equal(new errors.InvalidEncodingError(3, '/a', 'x').legacyStatus, 400);
    assert.equal(new errors.JsonTooDeepError(64, 64).legacyStatus, 400);
    assert.equal(new errors.UnknownMetricError('a_b', ['a_c', 'a_bb']).message, 'unknown metric "a_b" (did you mean a_c or a_bb?)');
  });
});

describe('parseLossless', () => {
  it('keeps number literals', () => {
    const v = parseLossless('{"a": 5, "b": 5.0, "c": 1e3, "d": 12345678901234567890, "e": [-0.50]}') as Record<string, unknown>;
    for (const [k, lit] of [['a', '5'], ['b', '5.0'], ['c', '1e3'], ['d', '12345678901234567890']] as const) {
      assert.ok(v[k] instanceof JsonNumber);
      assert.equal(v[k].literal, lit);
    }
    assert.equal((v['a'] as JsonNumber).isIntegerLiteral, true);
    assert.equal((v['b'] as JsonNumber).isIntegerLiteral, false);
    assert.equal((v['c'] as JsonNumber).isIntegerLiteral, false);
    assert.equal(((v['e'] as unknown[])[0] as JsonNumber).literal, '-0.50');
  });

  it('parses other JSON values as usual, including non-objects', () => {
    assert.deepEqual(parseLossless('"s"'), 's');
    assert.equal(parseLossless('null'), null);
    assert.deepEqual(parseLossless('[]'), []);
    assert.deepEqual(parseLossless('{"x": {"y": [true, "z"]}}'), { x: { y: [true, 'z'] } });
  });

  it('throws InvalidJsonError on malformed text', () => {
    for (const bad of ['', '{', '{"a": 1,}', "{'a': 1}", 'NaN', '{"a": 01}']) {
      assert.throws(() => parseLossless(bad), InvalidJsonError, JSON.stringify(bad));
    }
  });
});
