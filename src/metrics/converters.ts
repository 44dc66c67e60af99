// Payload-to-points converters: the generic one for item lists, and TF-M image size's own shape.
import type { LosslessValue } from '../ingest/json.js';
import { JsonNumber, describeKind } from '../ingest/json.js';
import { type FieldType, type FieldValue, type Point, Problems, Refusal, nameProblem, pointerSegment, toFieldValue, toTagValue } from '../ingest/points.js';
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

/** Sorts by key in place; tag lists are short and often sorted already, so no work array is needed. */
function sortByKey<T>(list: [string, T][]): [string, T][] {
  for (let i = 1; i < list.length; i++) {
    const item = list[i] as [string, T];
    let j = i - 1;
    while (j >= 0 && (list[j] as [string, T])[0] > item[0]) {
      list[j + 1] = list[j] as [string, T];
      j--;
    }
    list[j + 1] = item;
  }
  return list;
}

// The walk over a payload builds a JSON Pointer only for a problem it reports: most payloads have
// none, and a pointer per value was a third of what converting one allocated.

/** The pointer of a key of the item `i`'s `section` (tags, fields); also where the store checks point. */
export const itemKeyPath = (i: number, section: string, key: string): string => `/data/${i}/${section}/${pointerSegment(key)}`;

function tagsOf(obj: Obj, i: number, problems: Problems): [string, string][] {
  const tags: [string, string][] = [];
  for (const key in obj) {
    const problem = nameProblem('tag key', key);
    if (problem) {
      problems.add(itemKeyPath(i, 'tags', key), problem);
      continue;
    }
    const v = toTagValue(obj[key] as LosslessValue);
    if (v instanceof Refusal) problems.add(itemKeyPath(i, 'tags', key), v.problem);
    else if (v !== undefined) tags.push([key, v]);
  }
  return sortByKey(tags);
}

function fieldsOf(obj: Obj, i: number, ctx: ConvertContext): [string, FieldValue][] {
  const fields: [string, FieldValue][] = [];
  let given = 0;
  let nulls = 0;
  for (const key in obj) {
    const value = obj[key] as LosslessValue;
    given++;
    if (value === null) nulls++;
    const problem = nameProblem('field key', key);
    if (problem) {
      ctx.problems.add(itemKeyPath(i, 'fields', key), problem);
      continue;
    }
    const v = toFieldValue(value, ctx.fieldTypes[key]);
    if (v instanceof Refusal) ctx.problems.add(itemKeyPath(i, 'fields', key), v.problem);
    else if (v !== undefined) fields.push([key, v]);
  }
  if (given === 0) ctx.problems.add(`/data/${i}/fields`, 'at least one field is required');
  else if (nulls === given) ctx.problems.add(`/data/${i}/fields`, 'every field is null; at least one value is required');
  return fields;
}

// Items of one payload usually share their time string: remember the last one parsed.
let lastTimeText: string | undefined;
let lastTimeNs = 0n;

/** A point's time in ns (`fallback` when not given), or why the value is not a time. */
function timeOf(value: LosslessValue | undefined, fallback: bigint): bigint | Refusal {
  if (value === undefined) return fallback;
  if (typeof value === 'string' && value === lastTimeText) return lastTimeNs;
  const t = parseTime(value);
  if (t.ok && typeof value === 'string') {
    lastTimeText = value;
    lastTimeNs = t.ns;
  }
  if (t.ok) return t.ns;
  const shown = value instanceof JsonNumber ? value.literal : JSON.stringify(value);
  return new Refusal(`time ${shown}: ${t.reason}`);
}

/** The agreed envelope: `data` is a list of {measurement, tags, fields, time?}. */
export const convertItems: Converter = (payload, ctx) => {
  const points: Point[] = [];
  const data = payload['data'];
  if (!Array.isArray(data)) {
    ctx.problems.add('/data', `must be an array, got ${describeKind(data ?? null)}`);
    return points;
  }
  const { problems } = ctx;
  for (let i = 0; i < data.length; i++) {
    const item = data[i];
    if (!isObject(item)) {
      problems.add(`/data/${i}`, `must be an object, got ${describeKind(item ?? null)}`);
      continue;
    }
    const measurement = item['measurement'];
    if (typeof measurement !== 'string') problems.add(`/data/${i}/measurement`, 'is required and must be a string');
    else {
      const problem = nameProblem('measurement', measurement);
      if (problem) problems.add(`/data/${i}/measurement`, problem);
    }
    const tagsIn = item['tags'] ?? {};
    const fieldsIn = item['fields'];
    let tags: [string, string][] = [];
    if (isObject(tagsIn)) tags = tagsOf(tagsIn, i, problems);
    else problems.add(`/data/${i}/tags`, 'must be an object');
    let fields: [string, FieldValue][] = [];
    if (isObject(fieldsIn)) fields = fieldsOf(fieldsIn, i, ctx);
    else problems.add(`/data/${i}/fields`, 'is required and must be an object');
    let time = timeOf(item['time'], ctx.now + BigInt(i));
    if (time instanceof Refusal) {
      problems.add(`/data/${i}/time`, time.problem);
      time = 0n;
    }
    if (typeof measurement === 'string') points.push({ measurement, tags, fields, time });
  }
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
    const v = toTagValue(value);
    if (v instanceof Refusal) ctx.problems.add(`/metadata${group ? `/${group}` : ''}/${key}`, v.problem);
    else if (v !== undefined) tags.push([tag, v]);
  }
  sortByKey(tags);
  const gitInfo = isObject(meta['git_info']) ? meta['git_info'] : {};
  let time = timeOf(gitInfo['commit_time'], ctx.now);
  if (time instanceof Refusal) {
    ctx.problems.add('/metadata/git_info/commit_time', time.problem);
    time = 0n;
  }
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
      const problem = nameProblem('field key', key);
      if (problem) {
        ctx.problems.add(`/data/${i}/file`, problem);
        continue;
      }
      const v = toFieldValue(item[section] ?? null, ctx.fieldTypes[key]);
      if (v instanceof Refusal) ctx.problems.add(path, v.problem);
      else if (v !== undefined) {
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
