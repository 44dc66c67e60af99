// Payload-to-points converters: the generic one for item lists, and TF-M image size's own shape.
import type { LosslessValue } from '../ingest/json.js';
import { JsonNumber, describeKind } from '../ingest/json.js';
import { type FieldType, type FieldValue, type Point, Problems, nameProblem, pointerSegment, toFieldValue, toTagValue } from '../ingest/points.js';
import { parseTime } from '../ingest/time.js';
import type { ConverterName } from './registry.js';

type Obj = { [key: string]: LosslessValue };

export interface ConvertContext {
  fieldTypes: Readonly<Record<string, FieldType>>;
  /** Acceptance time in ns: items without `time` are stamped with it (plus their index, to stay distinct). */
  now: bigint;
  problems: Problems;
}

export type Converter = (payload: Obj, ctx: ConvertContext) => Point[];

function isObject(v: LosslessValue | undefined): v is Obj {
  return v !== null && v !== undefined && typeof v === 'object' && !Array.isArray(v) && !(v instanceof JsonNumber);
}

const byKey = (a: [string, unknown], b: [string, unknown]): number => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);

function checkName(kind: Parameters<typeof nameProblem>[0], text: string, path: string, problems: Problems): boolean {
  const problem = nameProblem(kind, text);
  if (problem) problems.add(path, problem);
  return !problem;
}

function tagsOf(obj: Obj, path: string, problems: Problems): [string, string][] {
  const tags: [string, string][] = [];
  for (const [key, value] of Object.entries(obj)) {
    const p = `${path}/${pointerSegment(key)}`;
    if (!checkName('tag key', key, p, problems)) continue;
    const v = toTagValue(value, p, problems);
    if (v !== undefined) tags.push([key, v]);
  }
  return tags.sort(byKey);
}

function fieldsOf(obj: Obj, path: string, ctx: ConvertContext): [string, FieldValue][] {
  const fields: [string, FieldValue][] = [];
  for (const [key, value] of Object.entries(obj)) {
    const p = `${path}/${pointerSegment(key)}`;
    if (!checkName('field key', key, p, ctx.problems)) continue;
    const v = toFieldValue(value, ctx.fieldTypes[key], p, ctx.problems);
    if (v !== undefined) fields.push([key, v]);
  }
  const values = Object.values(obj);
  if (values.length === 0) ctx.problems.add(path, 'at least one field is required');
  else if (values.every((v) => v === null)) ctx.problems.add(path, 'every field is null; at least one value is required');
  return fields;
}

// Items of one payload usually share their time string: remember the last one parsed.
let lastTimeText: string | undefined;
let lastTimeNs = 0n;

function timeOf(value: LosslessValue | undefined, path: string, fallback: bigint, problems: Problems): bigint {
  if (value === undefined) return fallback;
  if (typeof value === 'string' && value === lastTimeText) return lastTimeNs;
  const t = parseTime(value);
  if (t.ok && typeof value === 'string') {
    lastTimeText = value;
    lastTimeNs = t.ns;
  }
  if (t.ok) return t.ns;
  const shown = value instanceof JsonNumber ? value.literal : JSON.stringify(value);
  problems.add(path, `time ${shown}: ${t.reason}`);
  return 0n;
}

/** The agreed envelope: `data` is a list of {measurement, tags, fields, time?}. */
export const convertItems: Converter = (payload, ctx) => {
  const points: Point[] = [];
  const data = payload['data'];
  if (!Array.isArray(data)) {
    ctx.problems.add('/data', `must be an array, got ${describeKind(data ?? null)}`);
    return points;
  }
  data.forEach((item, i) => {
    const path = `/data/${i}`;
    if (!isObject(item)) {
      ctx.problems.add(path, `must be an object, got ${describeKind(item)}`);
      return;
    }
    const measurement = item['measurement'];
    if (typeof measurement !== 'string') ctx.problems.add(`${path}/measurement`, 'is required and must be a string');
    else checkName('measurement', measurement, `${path}/measurement`, ctx.problems);
    const tagsIn = item['tags'] ?? {};
    const fieldsIn = item['fields'];
    const tags = isObject(tagsIn) ? tagsOf(tagsIn, `${path}/tags`, ctx.problems) : (ctx.problems.add(`${path}/tags`, 'must be an object'), []);
    const fields = isObject(fieldsIn) ? fieldsOf(fieldsIn, `${path}/fields`, ctx) : (ctx.problems.add(`${path}/fields`, 'is required and must be an object'), []);
    const time = timeOf(item['time'], `${path}/time`, ctx.now + BigInt(i), ctx.problems);
    if (typeof measurement === 'string') points.push({ measurement, tags, fields, time });
  });
  return points;
};

const TFM_TAGS: [string, string, string][] = [
  ['data_producer', '', 'DataProducer'],
  ['commit_title', 'git_info', 'CommitTitle'],
  ['commit_id', 'git_info', 'CommitID'],
  ['commit_url', 'git_info', 'CommitURL'],
  ['branch', 'git_info', 'Branch'],
  ['gerrit_id', 'git_info', 'GerritID'],
  ['build_type', 'build_info', 'BuildType'],
  ['cmake_config', 'build_info', 'CmakeConfig'],
  ['compiler', 'build_info', 'Compiler'],
  ['target', 'build_info', 'Target'],
];

/** TF-M image size: one point per payload, a field per file and section, tags from git and build info. */
export const convertTfmImageSize: Converter = (payload, ctx) => {
  const meta = isObject(payload['metadata']) ? payload['metadata'] : {};
  const tags: [string, string][] = [];
  for (const [key, group, tag] of TFM_TAGS) {
    const parent = group ? meta[group] : meta;
    if (!isObject(parent)) continue;
    const value = parent[key];
    if (value === undefined) continue;
    const v = toTagValue(value, `/metadata${group ? `/${group}` : ''}/${key}`, ctx.problems);
    if (v !== undefined) tags.push([tag, v]);
  }
  tags.sort(byKey);
  const gitInfo = isObject(meta['git_info']) ? meta['git_info'] : {};
  const time = timeOf(gitInfo['commit_time'], '/metadata/git_info/commit_time', ctx.now, ctx.problems);
  const fields: [string, FieldValue][] = [];
  const owner = new Map<string, string>();
  const data = Array.isArray(payload['data']) ? payload['data'] : [];
  data.forEach((item, i) => {
    if (!isObject(item) || typeof item['file'] !== 'string') return;
    const file = item['file'];
    const dot = file.lastIndexOf('.');
    const base = dot > 0 ? file.slice(0, dot) : file;
    for (const [section, suffix] of [['bss', 'b'], ['data', 'd'], ['text', 't']] as const) {
      const key = `${base}_${suffix}`;
      const path = `/data/${i}/${section}`;
      const earlier = owner.get(key);
      if (earlier !== undefined) {
        ctx.problems.add(`/data/${i}/file`, `"${file}" gives field ${key} again (already from ${earlier})`);
        continue;
      }
      if (!checkName('field key', key, `/data/${i}/file`, ctx.problems)) continue;
      const v = toFieldValue(item[section] ?? null, ctx.fieldTypes[key], path, ctx.problems);
      if (v !== undefined) {
        owner.set(key, `/data/${i}`);
        fields.push([key, v]);
      }
    }
  });
  if (fields.length === 0) ctx.problems.add('/data', 'at least one file with sizes is required');
  return [{ measurement: 'TFM_ImageSize_Statistics', tags, fields, time }];
};

export const CONVERTER_FUNCTIONS: Record<ConverterName, Converter> = {
  points: convertItems,
  tfm_image_size: convertTfmImageSize,
};
