// The served OpenAPI document against the server: every documented constraint on a parameter is enforced, every answer matches its documented schema.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Ajv, type ValidateFunction } from 'ajv';
import { type InProcessBroker, startBrokerInProcess } from '../helpers/broker.js';

interface Schema {
  type?: string;
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  pattern?: string;
  maxItems?: number;
  items?: Schema;
  [key: string]: unknown;
}

interface Parameter {
  name: string;
  in: string;
  required?: boolean;
  schema: Schema;
  example?: unknown;
}

interface Media {
  schema?: Schema;
  example?: unknown;
}

interface Operation {
  parameters?: Parameter[];
  requestBody?: { content: Record<string, Media> };
  responses: Record<string, { description: string; content?: Record<string, Media> }>;
}

interface Document {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: Record<string, unknown>;
}

interface Answer {
  status: number;
  type: string;
  body: string;
  json: unknown;
}

/**
 * Values that break a documented pattern. The test knows no general way to break a regular
 * expression: a new pattern in the document needs a sample here, or the walk fails.
 */
const PATTERN_BREAKERS: Record<string, string[]> = {
  '^[^\\u0000-\\u001f\\u007f]*$': ['a\rb', 'a\u0000b', 'a\u007fb'],
  '^[0-9]+[smhdw]?$': ['1y', 'week', '-1d'],
};

/** A concrete name for a documented parameter name with a placeholder (`tag.{key}`). */
const concrete = (name: string): string => name.replace('{key}', 'Target_Tag');

const ajv = new Ajv({ strict: false, allErrors: true });
// As the server reads query strings: one value or several, text turned into numbers.
const coercing = new Ajv({ strict: false, coerceTypes: 'array' });

/** A parameter's documented example as URL text (examples of parameters are scalars; an object shows as JSON). */
const exampleText = (v: unknown): string => (typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v));

/** Wrong values for a parameter, each a list of values to send (a repeated parameter has several). */
function wrongValues(schema: Schema, example: unknown): string[][] {
  if (schema.type === 'array') {
    const item = schema.items ?? {};
    const out = wrongValues(item, undefined);
    if (schema.maxItems !== undefined) {
      const valid = Array.isArray(example) ? String(example[0]) : exampleText(example ?? 'x');
      out.push(Array.from({ length: schema.maxItems + 1 }, (_, i) => `${valid}${i === 0 ? '' : i}`));
    }
    return out;
  }
  const out: string[][] = [];
  if (schema.enum) out.push(['not-one-of-them']);
  if (schema.type === 'integer') out.push(['abc'], ['1.5'], ['Infinity']);
  if (schema.type === 'number') out.push(['abc'], ['Infinity'], ['-Infinity']);
  if (schema.type === 'boolean') out.push(['maybe']);
  if (schema.minimum !== undefined) out.push([String(schema.minimum - 1)]);
  if (schema.maximum !== undefined) out.push([String(schema.maximum + 1)]);
  if (schema.pattern !== undefined) {
    const samples = PATTERN_BREAKERS[schema.pattern];
    assert.ok(samples, `no sample value breaks the documented pattern ${schema.pattern}: add one to PATTERN_BREAKERS`);
    out.push(...samples.map((s) => [s]));
  }
  return out;
}

/** Whether the document's own schema for a parameter refuses a value (as the query string would carry it). */
function documentRefuses(schema: Schema, values: string[]): boolean {
  const validate = coercing.compile({ type: 'object', properties: { p: schema } });
  const data: { p: unknown } = { p: values.length === 1 ? values[0] : [...values] };
  // JSON has no Infinity, so no JSON Schema number is one; Ajv's coercion lets the text through.
  return !validate(data) || (typeof data.p === 'number' && !Number.isFinite(data.p));
}

describe('the generated OpenAPI document and the server agree', { timeout: 120_000 }, () => {
  let broker: InProcessBroker;
  let doc: Document;
  const validators = new Map<Schema, ValidateFunction>();

  const request = async (method: string, url: string, body?: unknown): Promise<Answer> => {
    const headers: Record<string, string> = { authorization: `JWT ${broker.token()}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await broker.app.inject({ method: method.toUpperCase() as 'GET', url, headers, ...(body !== undefined ? { payload: JSON.stringify(body) } : {}) });
    let json: unknown;
    try {
      json = res.body ? JSON.parse(res.body) : undefined;
    } catch {
      json = undefined;
    }
    return { status: res.statusCode, type: String(res.headers['content-type'] ?? '').split(';')[0]!, body: res.body, json };
  };

  /** Checks an answer against the response the document gives for its status. */
  const conforms = (where: string, op: Operation, answer: Answer): void => {
    const documented = op.responses[String(answer.status)] ?? op.responses['default'];
    assert.ok(documented, `${where}: status ${answer.status} is not documented (${Object.keys(op.responses).join(', ')}): ${answer.body}`);
    if (!documented.content) {
      assert.equal(answer.body, '', `${where}: ${answer.status} is documented without a body`);
      return;
    }
    const media = documented.content[answer.type];
    assert.ok(media?.schema, `${where}: ${answer.status} answered ${answer.type}, documented: ${Object.keys(documented.content).join(', ')}`);
    if (!answer.type.includes('json')) return;
    let validate = validators.get(media.schema);
    if (!validate) {
      validate = ajv.compile({ ...media.schema, components: doc.components });
      validators.set(media.schema, validate);
    }
    assert.ok(validate(answer.json), `${where}: the ${answer.status} answer does not match its documented schema: ${ajv.errorsText(validate.errors)}\n${answer.body.slice(0, 2000)}`);
  };

  /** A request with every required parameter at its documented example (or the given values). */
  const url = (path: string, op: Operation, values: Map<string, string[]> = new Map()): string => {
    let out = path;
    const query = new URLSearchParams();
    for (const p of op.parameters ?? []) {
      const name = concrete(p.name);
      const given = values.get(name);
      if (p.in === 'path') {
        const v = given?.[0] ?? p.example;
        assert.ok(v !== undefined, `${path}: path parameter ${p.name} has no example`);
        out = out.replace(`{${p.name}}`, encodeURIComponent(exampleText(v)));
      } else if (p.in === 'query') {
        const v = given ?? (p.required ? (Array.isArray(p.example) ? p.example.map(String) : p.example === undefined ? undefined : [exampleText(p.example)]) : undefined);
        assert.ok(!p.required || v !== undefined, `${path}: required parameter ${p.name} has no example`);
        for (const one of v ?? []) query.append(name, one);
      }
    }
    const qs = query.toString();
    return qs ? `${out}?${qs}` : out;
  };

  const bodyOf = (path: string, op: Operation): unknown => {
    if (!op.requestBody) return undefined;
    const media = op.requestBody.content['application/json'];
    // The example is the body's own, or that of the shared schema it refers to.
    const named = media?.schema?.['$ref'] as string | undefined;
    const shared = named ? (doc.components['schemas'] as Record<string, Schema>)[named.replace('#/components/schemas/', '')] : media?.schema;
    const example = media?.example ?? shared?.['example'];
    assert.ok(example !== undefined, `${path}: the request body has no example`);
    return example;
  };

  before(async () => {
    broker = await startBrokerInProcess({}, {});
    // Something to read: the churn point the documented examples name.
    const seeded = await request('post', '/api/v1/metrics?wait=10', {
      api_version: '1.0',
      metadata: { metrics: 'tfa_code_churn' },
      data: [{ measurement: 'TFA_CodeChurn_Tracking', tags: { Git_Tag_Date: 20210101, Base_Tag: 'v2.3', Target_Tag: 'v2.4' }, fields: { Lines_of_Change: 7 }, time: '2021-01-01T00:00:00Z' }],
    });
    assert.equal(seeded.status, 201, seeded.body);
    const res = await broker.app.inject({ method: 'GET', url: '/api/v1/openapi.json' });
    assert.equal(res.statusCode, 200);
    doc = res.json<Document>();
  });

  after(async () => {
    await broker?.close();
  });

  it('describes every route, each with its own responses', () => {
    assert.match(doc.openapi, /^3\./);
    const expected: [string, string][] = [
      ['/', 'get'],
      ['/', 'post'],
      ['/auth', 'post'],
      ['/api/v1/metrics', 'post'],
      ['/api/v1/metrics', 'get'],
      ['/api/v1/validate', 'post'],
      ['/api/v1/submissions', 'get'],
      ['/api/v1/submissions/{id}', 'get'],
      ['/api/v1/submissions/{id}/retry', 'post'],
      ['/api/v1/metrics/{name}/schema', 'get'],
      ['/api/v1/openapi.json', 'get'],
      ['/healthz', 'get'],
      ['/readyz', 'get'],
      ['/metrics', 'get'],
      ['/api/v1/databases', 'get'],
      ['/api/v1/databases/{db}/measurements', 'get'],
      ['/api/v1/databases/{db}/tags', 'get'],
      ['/api/v1/databases/{db}/tags/{key}', 'get'],
      ['/api/v1/databases/{db}/fields', 'get'],
      ['/api/v1/databases/{db}/series', 'get'],
      ['/api/v1/databases/{db}/rows', 'get'],
    ];
    for (const [p, m] of expected) assert.ok(doc.paths[p]?.[m], `${m.toUpperCase()} ${p} is described`);
    const routes = broker.app.printRoutes({ commonPrefix: false });
    for (const [p, ops] of Object.entries(doc.paths)) {
      for (const [m, op] of Object.entries(ops)) {
        const fastifyPath = p.replace(/\{(\w+)\}/g, ':$1');
        assert.ok(broker.app.hasRoute({ method: m.toUpperCase(), url: fastifyPath }), `${m} ${p} exists\n${routes}`);
        // A route without a response schema gets a placeholder, a 200 with neither description nor content.
        for (const [status, r] of Object.entries(op.responses)) assert.ok(r.content || r.description !== 'Default Response', `${m} ${p} ${status} is described`);
        assert.ok(op.responses['default'], `${m} ${p} documents its other errors`);
      }
    }
    // Static files are not API.
    assert.ok(!Object.keys(doc.paths).some((p) => p.startsWith('/dashboard')), Object.keys(doc.paths).join(', '));
  });

  it('every documented example request is answered as documented', async () => {
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        const target = url(path, op);
        conforms(`${method} ${target}`, op, await request(method, target, bodyOf(path, op)));
      }
    }
  });

  it('every documented type, enum, range and pattern of a parameter is enforced: 400 INVALID_REQUEST naming it', async () => {
    let walked = 0;
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        for (const p of op.parameters ?? []) {
          for (const values of wrongValues(p.schema, p.example)) {
            const name = concrete(p.name);
            const shown = `${method} ${path} ${name}=${JSON.stringify(values.length > 3 ? `${values.length} values` : values)}`;
            assert.ok(documentRefuses(p.schema, values), `${shown}: the document itself accepts this value`);
            const target = url(path, op, new Map([[name, values]]));
            const answer = await request(method, target, bodyOf(path, op));
            assert.equal(answer.status, 400, `${shown}: ${answer.body}`);
            const body = answer.json as { code: string; errors: { path: string; message: string }[] };
            assert.equal(body.code, 'INVALID_REQUEST', `${shown}: ${answer.body}`);
            assert.ok(body.errors.some((e) => e.path === name && e.message !== ''), `${shown}: errors name ${name}: ${answer.body}`);
            conforms(shown, op, answer);
            walked++;
          }
        }
      }
    }
    // The read limits, wait, status, before, aggregate, order, interval and the control-character
    // rule of every name: 88 wrong values today. Far fewer means constraints left the document.
    assert.ok(walked >= 80, `only ${walked} wrong values walked`);
  });

  it('values the server refuses are refused by the document too', async () => {
    const cases: [string, string, string, string[]][] = [
      ['/api/v1/databases/{db}/rows', 'get', 'limit', ['0']],
      ['/api/v1/databases/{db}/rows', 'get', 'limit', ['1000001']],
      ['/api/v1/databases/{db}/rows', 'get', 'order', ['up']],
      ['/api/v1/databases/{db}/series', 'get', 'aggregate', ['median']],
      ['/api/v1/databases/{db}/series', 'get', 'interval', ['1y']],
      ['/api/v1/databases/{db}/series', 'get', 'measurement', ['a\rb']],
      ['/api/v1/databases/{db}/series', 'get', 'group_by', ['a\nb']],
      ['/api/v1/databases/{db}/series', 'get', 'field', Array.from({ length: 65 }, (_, i) => `f${i}`)],
      ['/api/v1/databases/{db}/tags/{key}', 'get', 'tag.Target_Tag', ['v2.4', 'a\u0000b']],
      ['/api/v1/databases/{db}/measurements', 'get', 'db', ['a\tb']],
      ['/api/v1/submissions', 'get', 'status', ['lost']],
      ['/api/v1/submissions', 'get', 'before', ['abc']],
      ['/api/v1/submissions', 'get', 'limit', ['1001']],
      ['/api/v1/metrics', 'post', 'wait', ['301']],
    ];
    for (const [path, method, name, values] of cases) {
      const op = doc.paths[path]?.[method];
      assert.ok(op, `${method} ${path} is described`);
      const answer = await request(method, url(path, op, new Map([[name, values]])), bodyOf(path, op));
      assert.equal(answer.status, 400, `${path} ${name}: ${answer.body}`);
      assert.ok((answer.json as { errors: { path: string }[] }).errors.some((e) => e.path === name), answer.body);
      const p = op.parameters?.find((x) => concrete(x.name) === name);
      assert.ok(p, `${method} ${path} documents ${name}`);
      assert.ok(documentRefuses(p.schema, values), `${method} ${path}: the server refuses ${name}=${JSON.stringify(values)}, the document does not say so`);
    }
  });
});
