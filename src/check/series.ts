// Points to series: each metric's identity rule (metric.json) turns points into named, comparable values.
import type { Point } from '../ingest/points.js';
import type { MetricGate } from '../metrics/gate-config.js';
import type { FieldJson, Row } from '../read/read-store.js';

/** A point as the gate reads it, from a payload or from either store. */
export interface CheckPoint {
  measurement: string;
  tags: Record<string, string>;
  fields: Record<string, FieldJson>;
  /** Nanoseconds since the epoch. */
  time: bigint;
}

/** One value of a series at one time. */
export interface Sample {
  value: number;
  time: bigint;
}

/** Everything one set of points says about one series. */
export interface Observation {
  /** Identity of the series (its entries, joined). */
  key: string;
  /** Identity without the field: the point group the series belongs to (a build configuration). */
  group: string;
  series: Record<string, string>;
  samples: Sample[];
  /** The derived total of an image's sections (sizes). */
  total?: boolean;
  /** set kind: the newest point's threshold and allow-list flag. */
  threshold?: number | undefined;
  whitelisted?: boolean;
}

/** Turns a point of the ingest pipeline into a CheckPoint. */
export function fromPoint(p: Point): CheckPoint {
  const fields: Record<string, FieldJson> = {};
  for (const [k, v] of p.fields) fields[k] = v.kind === 'integer' ? Number(v.value) : v.value;
  return { measurement: p.measurement, tags: Object.fromEntries(p.tags), fields, time: p.time };
}

/** Turns a row of the read side into a CheckPoint. */
export function fromRow(measurement: string, r: Row): CheckPoint {
  return { measurement, tags: r.tags, fields: r.fields, time: BigInt(r.time) };
}

/** The newest sample's value (a re-run of the same revision replaces the earlier one). */
export function newest(o: Observation | undefined): number | null {
  if (!o || o.samples.length === 0) return null;
  let best = o.samples[0] as Sample;
  for (const s of o.samples) if (s.time > best.time) best = s;
  return best.value;
}

/** The series joined with '/', as waivers and JUnit name it. */
export function seriesPath(series: Record<string, string>): string {
  return Object.values(series).join('/');
}

const ALLOWED = new Set(['yes', 'y', 'true', '1', 'whitelisted', 'allowed']);

/** Allow-list flags as the producers write them ("yes"/"no"), and booleans. */
export function isWhitelisted(v: FieldJson | undefined): boolean {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v !== 0;
  return typeof v === 'string' && ALLOWED.has(v.trim().toLowerCase());
}

/** The tags and key fields that identify a point's series, in display order. */
function identity(gate: MetricGate, p: CheckPoint): [string, string][] {
  const tags = gate.seriesTags ?? ['measurement', ...Object.keys(p.tags).filter((k) => k !== gate.revisionTag).sort()];
  const entries: [string, string][] = tags.map((t) => [t, t === 'measurement' ? p.measurement : (p.tags[t] ?? '')]);
  for (const f of gate.keyFields) {
    const v = p.fields[f] ?? p.tags[f];
    entries.push([f, v === undefined || v === null ? '' : String(v)]);
  }
  for (const entry of entries) {
    const strip = gate.strip[entry[0]];
    if (strip) entry[1] = entry[1].replace(strip, '');
  }
  return entries;
}

// Names and values never hold control characters (ingest refuses them): these separators cannot be ambiguous.
const KEY_SEP = '\u001f';
const ENTRY_SEP = '\u001e';

/** The identity text of a list of series entries. */
function keyOf(entries: [string, string][]): string {
  return entries.map(([k, v]) => `${k}${KEY_SEP}${v}`).join(ENTRY_SEP);
}

/** Series objects shared by the observations of several revisions: one per identity, not one per revision. */
export type SeriesCache = Map<string, Record<string, string>>;

class Collector {
  readonly map = new Map<string, Observation>();
  readonly #cache: SeriesCache;
  constructor(cache: SeriesCache = new Map()) {
    this.#cache = cache;
  }
  add(group: [string, string][], groupKey: string, extra: [string, string] | undefined, sample: Sample): Observation {
    const key = extra ? `${groupKey}${ENTRY_SEP}${extra[0]}${KEY_SEP}${extra[1]}` : groupKey;
    let o = this.map.get(key);
    if (!o) {
      let series = this.#cache.get(key);
      if (!series) {
        series = Object.fromEntries(group);
        if (extra) series[extra[0]] = extra[1];
        this.#cache.set(key, series);
      }
      this.map.set(key, (o = { key, group: groupKey, series, samples: [] }));
    }
    o.samples.push(sample);
    return o;
  }
}

/** Splits `BL31_T` into image `BL31` and section `T`, `tfm_s_t` into `tfm_s` and `t`. */
export function imageOf(field: string): string | undefined {
  const i = field.lastIndexOf('_');
  return i > 0 && i < field.length - 1 ? field.slice(0, i) : undefined;
}

/**
 * The series a set of points holds, by the metric's gate settings: one per numeric field (with
 * derived image totals for sizes), one per counted value (countBy), or one per point (set).
 */
export function observe(gate: MetricGate, points: readonly CheckPoint[], cache?: SeriesCache): Map<string, Observation> {
  const c = new Collector(cache);
  if (gate.countBy !== undefined) {
    const by = gate.countBy;
    const counts = new Map<string, { group: [string, string][]; groupKey: string; value: string; n: number; time: bigint }>();
    for (const p of points) {
      const group = identity(gate, p);
      const raw = p.fields[by] ?? p.tags[by];
      const value = raw === undefined || raw === null ? '' : String(raw);
      const groupKey = keyOf(group);
      const k = `${groupKey}${ENTRY_SEP}${ENTRY_SEP}${value}`;
      const e = counts.get(k);
      if (e) {
        e.n++;
        if (p.time > e.time) e.time = p.time;
      } else counts.set(k, { group, groupKey, value, n: 1, time: p.time });
    }
    for (const e of counts.values()) c.add(e.group, e.groupKey, [by, e.value], { value: e.n, time: e.time });
    return c.map;
  }
  const skip = new Set<string>([...gate.keyFields]);
  for (const p of points) {
    const group = identity(gate, p);
    const groupKey = keyOf(group);
    if (gate.kind === 'set') {
      const score = p.fields[gate.score];
      if (typeof score !== 'number') continue;
      const o = c.add(group, groupKey, undefined, { value: score, time: p.time });
      // A function reported twice at one revision (a re-run) takes the newest report's settings.
      if (o.samples.every((x) => x.time <= p.time)) {
        const t = p.fields[gate.threshold];
        o.threshold = typeof t === 'number' ? t : undefined;
        o.whitelisted = isWhitelisted(p.fields[gate.whitelisted]);
      }
      continue;
    }
    const names = gate.fields ?? Object.keys(p.fields).filter((f) => !skip.has(f));
    const totals = new Map<string, number>();
    for (const f of names) {
      const v = p.fields[f];
      if (typeof v !== 'number') continue;
      c.add(group, groupKey, ['field', f], { value: v, time: p.time });
      const image = gate.kind === 'sizes' && !f.endsWith(gate.totalSuffix) ? imageOf(f) : undefined;
      if (image !== undefined) totals.set(image, (totals.get(image) ?? 0) + v);
    }
    for (const [image, sum] of totals) {
      const name = `${image}${gate.totalSuffix}`;
      if (p.fields[name] !== undefined) continue;
      c.add(group, groupKey, ['field', name], { value: sum, time: p.time }).total = true;
    }
  }
  return c.map;
}
