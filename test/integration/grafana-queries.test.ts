// Every InfluxQL query of every provisioned dashboard (panels and template variables) runs against
// a real influxd, seeded through a real broker process with payloads of every metric family, and
// returns data. Template variables take real values from the seeded data.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { dashboards, dataSources } from '../../src/grafana/index.js';
import type { JsonObject } from '../../src/grafana/model.js';
import type { Influx } from '../helpers/influxd.js';
import { withInfluxBroker } from '../helpers/influx-broker.js';
import type { BrokerProcess } from '../helpers/broker.js';
import { seedPayloads } from '../helpers/grafana-seed.js';
import { defaultRange, influxTimeFilter } from '../helpers/grafana-time.js';
import { REPO_ROOT as root } from '../helpers/repo.js';

/** A range wide enough for every seeded point, for the checks of the query check itself. */
const TIME_FILTER = `time >= '2000-01-01T00:00:00Z' AND time <= now() + 365d`;

interface Variable {
  name: string;
  type: string;
  query: string;
  regex?: string;
  datasource?: { uid: string };
}
interface Target {
  query: string;
  datasource: { uid: string };
}
interface Panel {
  title: string;
  targets?: Target[];
}

const dbByUid = new Map(dataSources().map((d) => [d.uid, d.database]));

function escapeRegex(value: string): string {
  return value.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');
}

/** Replaces Grafana's macros and the template variables as Grafana would for single values. */
function interpolate(query: string, values: Record<string, string>, timeFilter = TIME_FILTER): string {
  let q = query.replace(/\$timeFilter/g, timeFilter).replace(/\$__interval\b/g, '1d');
  q = q.replace(/\/\^\$\{?(\w+)\}?\$\//g, (m, name: string) => (name in values ? `/^${escapeRegex(values[name] ?? '')}$/` : m));
  q = q.replace(/\$\{(\w+)\}|\$(\w+)/g, (m, a?: string, b?: string) => {
    const name = a ?? b ?? '';
    return name in values ? (values[name] ?? '') : m;
  });
  assert.doesNotMatch(q, /\$\w/, `uninterpolated variable left in: ${q}`);
  return q;
}

let influx: Influx;
let broker: BrokerProcess;
const identifiers = new Map<string, Set<string>>();

/** Measurements, field keys and tag keys of a database: every name a query may quote. */
async function knownNames(db: string): Promise<Set<string>> {
  let names = identifiers.get(db);
  if (names) return names;
  names = new Set<string>();
  for (const q of ['SHOW MEASUREMENTS', 'SHOW FIELD KEYS', 'SHOW TAG KEYS']) {
    for (const s of await influx.query(db, q)) {
      names.add(s.name);
      for (const v of s.values) names.add(String(v[0]));
    }
  }
  identifiers.set(db, names);
  return names;
}

/**
 * Runs one interpolated query: it must parse, name only measurements, fields and tags that
 * exist, and return at least one row with a value besides the time. Returns why not, or ''.
 */
async function check(db: string, query: string): Promise<string> {
  const names = await knownNames(db);
  for (const m of query.matchAll(/(AS\s+)?"((?:[^"\\]|\\.)*)"/gi)) {
    if (m[1]) continue; // an alias, not a reference
    const name = (m[2] ?? '').replace(/\\(.)/g, '$1');
    if (!names.has(name)) return `"${name}" is no measurement, field or tag of ${db}`;
  }
  const series = await influx.query(db, query); // throws on InfluxQL errors
  const hasValue = series.some((s) => s.values.some((row) => row.some((v, i) => s.columns[i] !== 'time' && v !== null)));
  return hasValue ? '' : 'no rows with values';
}

/** Values of a query variable for the values chosen so far, as Grafana would list them. */
async function variableValues(v: Variable, chosen: Record<string, string>, timeFilter: string): Promise<string[]> {
  if (v.type === 'custom') return v.query.split(',');
  const db = dbByUid.get(v.datasource?.uid ?? '') ?? '';
  const q = interpolate(v.query, chosen, timeFilter);
  const series = await influx.query(db, q);
  // Grafana takes the tag value column of SHOW TAG VALUES and the first column otherwise.
  const column = /^SHOW TAG VALUES/i.test(q) ? 1 : 0;
  let values = series.flatMap((s) => s.values.map((row) => String(row[column])));
  if (v.regex) {
    const re = new RegExp(v.regex.replace(/^\/(.*)\/[a-z]*$/, '$1'));
    values = values.flatMap((value) => {
      const m = re.exec(value);
      return m ? [m[1] ?? m[0]] : [];
    });
  }
  return [...new Set(values)].sort();
}

/** Every consistent choice of values for the variables, in their order (capped). */
async function assignments(vars: Variable[], timeFilter = TIME_FILTER, limit = 400): Promise<Record<string, string>[]> {
  const out: Record<string, string>[] = [];
  const emptyVariables = new Set(vars.map((v) => v.name));
  const walk = async (i: number, chosen: Record<string, string>): Promise<void> => {
    if (out.length >= limit) return;
    const v = vars[i];
    if (!v) {
      out.push({ ...chosen });
      return;
    }
    const values = await variableValues(v, chosen, timeFilter);
    if (values.length > 0) emptyVariables.delete(v.name);
    for (const value of values) await walk(i + 1, { ...chosen, [v.name]: value });
  };
  await walk(0, {});
  assert.deepEqual([...emptyVariables], [], 'template variables without any value');
  return out;
}

// Seeding inside the helper's start: at a file's top level, before hooks do not wait for each other.
withInfluxBroker('process', {}, async (s) => {
  ({ influx, broker } = s);
  const failures: string[] = [];
  const skipped: string[] = [];
  for (const { name, payload, required } of seedPayloads(path.join(root, 'test', 'fixtures', 'payloads'))) {
    const res = await fetch(`${broker.url}/api/v1/metrics?wait=20`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `JWT ${broker.token()}` },
      body: JSON.stringify(payload),
    });
    const body = await res.text();
    if (res.status !== 201) (required ? failures : skipped).push(`${name}: ${res.status} ${body}`);
  }
  // A fixture may be refused (e.g. a field type clash with another fixture in the same shard):
  // say so, but only the history is needed for every panel.
  for (const s of skipped) console.error(`seed payload not delivered: ${s}`);
  assert.deepEqual(failures, [], 'seed payloads the broker did not deliver');
});

test('the broker serves the route the Dockerfile HEALTHCHECK asks', async () => {
  const dockerfile = readFileSync(path.join(root, 'deploy', 'Dockerfile'), 'utf8');
  const route = /HEALTHCHECK[\s\S]*?'(\/[a-z]+)'/.exec(dockerfile)?.[1];
  assert.equal(route, '/healthz');
  assert.equal((await fetch(`${broker.url}${route}`)).status, 200);
});

test('every database a data source names exists after the broker took payloads of every family', async () => {
  const series = await influx.query(undefined, 'SHOW DATABASES');
  const existing = new Set(series.flatMap((s) => s.values.map((v) => String(v[0]))));
  for (const { database } of dataSources()) assert.ok(existing.has(database), `${database} was not created`);
});

test('the query check rejects a misspelt field, tag or measurement', async () => {
  assert.match(await check('TFA_CodeChurn', `SELECT "Lines_Of_Change" FROM "TFA_CodeChurn_Tracking" WHERE ${TIME_FILTER}`), /Lines_Of_Change/);
  assert.match(await check('TFA_CodeChurn', `SELECT "Lines_of_Change" FROM "TFA_CodeChurn_Tracking" WHERE "Target" = 'x'`), /Target/);
  assert.match(await check('TFA_CodeChurn', `SELECT "Lines_of_Change" FROM "TFA_Churn"`), /TFA_Churn/);
  assert.match(await check('TFA_CodeChurn', `SELECT /^nothing_/ FROM "TFA_CodeChurn_Tracking"`), /no rows/);
  assert.equal(await check('TFA_CodeChurn', `SELECT "Lines_of_Change" FROM "TFA_CodeChurn_Tracking" WHERE ${TIME_FILTER}`), '');
});

for (const [file, dashboard] of Object.entries(dashboards())) {
  test(`every query of ${file} returns data in the dashboard's default time range`, async () => {
    // $timeFilter as Grafana fills it when the dashboard opens: seeded history must show without
    // touching the time picker.
    const timeFilter = influxTimeFilter(defaultRange(dashboard));
    const vars = ((dashboard['templating'] as JsonObject)['list'] as unknown as Variable[]) ?? [];
    const choices = await assignments(vars, timeFilter);
    assert.ok(choices.length > 0);
    const problems: string[] = [];
    for (const panel of dashboard['panels'] as unknown as Panel[]) {
      for (const target of panel.targets ?? []) {
        const db = dbByUid.get(target.datasource.uid) ?? '';
        let why = '';
        for (const values of choices) {
          why = await check(db, interpolate(target.query, values, timeFilter));
          if (!why) break;
        }
        if (why) problems.push(`"${panel.title}": ${why}: ${target.query}`);
      }
    }
    assert.deepEqual(problems, []);
  });
}

// ---------------------------------------------------------------------------------------------
// The complexity comparison table is built by Grafana transformations from two queries. Grafana
// does not run here, so the transformations the panel names are replayed on the real query
// results, the way Grafana's InfluxDB data source (resultFormat "table") and transformations
// shape them; a transformation this replay does not know fails the test.

interface Frame {
  fields: { name: string; values: unknown[] }[];
}
interface Transformation {
  id: string;
  options: Record<string, unknown>;
}
interface ComparePanel extends Panel {
  transformations?: Transformation[];
  fieldConfig: { overrides: { matcher: { id: string; options: string }; properties: { id: string; value: unknown }[] }[] };
}

/** One table frame per query, as Grafana makes it: `Time` first, then the columns in order. */
async function tableFrame(db: string, query: string): Promise<Frame | undefined> {
  const series = await influx.query(db, query);
  const first = series[0];
  if (!first) return undefined;
  return {
    fields: first.columns.map((c, i) => ({
      name: c === 'time' ? 'Time' : c,
      values: series.flatMap((s) => s.values.map((row) => row[i])),
    })),
  };
}

const rowCount = (f: Frame) => f.fields[0]?.values.length ?? 0;

/** Grafana's merge: an outer join on the fields every frame has, merging rows that do not clash. */
function merge(frames: Frame[]): Frame[] {
  if (frames.length <= 1) return frames;
  const names = [...new Set(frames.flatMap((f) => f.fields.map((x) => x.name)))];
  const keyNames = names.filter((n) => frames.every((f) => f.fields.some((x) => x.name === n)));
  if (keyNames.length === 0) return frames;
  const rows: Record<string, unknown>[] = [];
  const byKey = new Map<string, Record<string, unknown>[]>();
  for (const f of frames) {
    for (let r = 0; r < rowCount(f); r++) {
      const value: Record<string, unknown> = {};
      for (const x of f.fields) value[x.name] = x.values[r];
      const key = JSON.stringify(keyNames.map((n) => value[n]));
      const same = byKey.get(key) ?? [];
      const target = same.find((e) => Object.keys(value).every((p) => e[p] === undefined || e[p] === null || e[p] === value[p]));
      if (target) Object.assign(target, value);
      else {
        const copy = { ...value };
        same.push(copy);
        rows.push(copy);
        byKey.set(key, same);
      }
    }
  }
  return [{ fields: names.map((name) => ({ name, values: rows.map((r) => r[name]) })) }];
}

function transform(frames: Frame[], steps: Transformation[]): Frame[] {
  for (const { id, options } of steps) {
    if (id === 'organize') {
      const exclude = (options['excludeByName'] ?? {}) as Record<string, boolean>;
      const rename = (options['renameByName'] ?? {}) as Record<string, string>;
      frames = frames.map((f) => ({ fields: f.fields.filter((x) => !exclude[x.name]).map((x) => ({ ...x, name: rename[x.name] || x.name })) }));
    } else if (id === 'merge') {
      frames = merge(frames);
    } else if (id === 'calculateField') {
      const reduce = options['reduce'] as { include: string[]; reducer: string };
      assert.equal(options['mode'], 'reduceRow');
      assert.equal(reduce.reducer, 'sum');
      frames = frames.map((f) => {
        const cols = f.fields.filter((x) => reduce.include.includes(x.name));
        const values = Array.from({ length: rowCount(f) }, (_, r) => cols.reduce((sum, c) => sum + (typeof c.values[r] === 'number' ? c.values[r] : 0), 0));
        return { fields: [...f.fields, { name: String(options['alias']), values }] };
      });
    } else if (id !== 'sortBy') {
      assert.fail(`transformation ${id} is not replayed by this test`);
    }
  }
  return frames;
}

test('the complexity comparison marks the functions new and resolved between two tags', async () => {
  const dashboard = dashboards()['complexity.json'] as JsonObject;
  const vars = (dashboard['templating'] as JsonObject)['list'] as unknown as Variable[];
  const panels = (dashboard['panels'] as unknown as ComparePanel[]).filter((p) => p.transformations?.some((t) => t.id === 'merge'));
  assert.equal(panels.length, 2, 'a comparison table for TF-A and for TF-M');
  for (const panel of panels) {
    const [a, b] = panel.targets ?? [];
    assert.ok(a && b, `${panel.title}: two queries`);
    const db = dbByUid.get(a.datasource.uid) ?? '';
    const tagVar = (t: Target) => /'\$(\w+)'/.exec(t.query)?.[1] ?? '';
    const [varA, varB] = [tagVar(a), tagVar(b)];
    assert.notEqual(varA, varB);
    const mappings = panel.fieldConfig.overrides
      .flatMap((o) => o.properties.filter((p) => p.id === 'mappings'))
      .flatMap((p) => p.value as { options: Record<string, { text: string }> }[]);
    const statusText = (v: unknown) => mappings.find((m) => m.options[String(v)])?.options[String(v)]?.text ?? `unmapped ${String(v)}`;
    const tags = await variableValues(vars.find((v) => v.name === varA) as Variable, {}, TIME_FILTER);
    let comparedWithBothChanges = 0;
    for (const tagA of tags) {
      for (const tagB of tags) {
        if (tagA === tagB) continue;
        const values = { [varA]: tagA, [varB]: tagB };
        const frameA = await tableFrame(db, interpolate(a.query, values));
        const frameB = await tableFrame(db, interpolate(b.query, values));
        if (!frameA || !frameB) continue;
        const [table] = transform([frameA, frameB], panel.transformations ?? []);
        assert.ok(table);
        const col = (name: string) => table.fields.find((x) => x.name === name)?.values ?? assert.fail(`${panel.title}: no column ${name} after the transformations`);
        // What the table should say, from the two query results directly.
        const keys = (f: Frame) => {
          const loc = f.fields.find((x) => x.name === 'Location')?.values ?? [];
          const fn = f.fields.find((x) => x.name === 'Function')?.values ?? [];
          return new Set(loc.map((l, r) => `${String(l)} ${String(fn[r])}`));
        };
        const [inA, inB] = [keys(frameA), keys(frameB)];
        const expected = new Map<string, string>();
        for (const k of inA) expected.set(k, inB.has(k) ? 'in both' : 'RESOLVED');
        for (const k of inB) if (!inA.has(k)) expected.set(k, 'NEW');
        const [loc, fn, status] = [col('Location'), col('Function'), col('Status')];
        const actual = new Map(loc.map((l, r) => [`${String(l)} ${String(fn[r])}`, statusText(status[r])]));
        assert.deepEqual(actual, expected, `${panel.title} for ${tagA} and ${tagB}`);
        const texts = new Set(actual.values());
        if (texts.has('NEW') && texts.has('RESOLVED')) comparedWithBothChanges++;
      }
    }
    assert.ok(comparedWithBothChanges > 0, `${panel.title}: no two seeded tags where functions are both new and resolved, with rows for both tags`);
  }
});
