// InfluxDB line protocol: writing points, and reading back the lines this broker wrote.
import type { FieldValue, Point } from './points.js';

// Each test runs before its replace: most names need no escaping, and a test is cheaper.
const escMeasurement = (s: string): string => (/[, ]/.test(s) ? s.replace(/[, ]/g, '\\$&') : s);
const escKey = (s: string): string => (/[,= ]/.test(s) ? s.replace(/[,= ]/g, '\\$&') : s);
const escString = (s: string): string => (/["\\]/.test(s) ? s.replace(/["\\]/g, '\\$&') : s);

function formatField(v: FieldValue): string {
  switch (v.kind) {
    case 'integer':
      return `${v.value}i`;
    case 'float':
      return String(v.value);
    case 'boolean':
      return v.value ? 'true' : 'false';
    case 'string':
      return `"${escString(v.value)}"`;
  }
}

/** A point's series in line protocol: the measurement and its tags, escaped, as InfluxDB keys the series. */
export function formatSeries(p: Point): string {
  let series = escMeasurement(p.measurement);
  for (const [k, v] of p.tags) series += `,${escKey(k)}=${escKey(v)}`;
  return series;
}

/**
 * Formats one point as a line (no trailing newline), tags in the order given (sorted by the
 * converter); `series` is its formatSeries when that is known already.
 */
export function formatPoint(p: Point, series: string = formatSeries(p)): string {
  let fields = '';
  for (const [k, v] of p.fields) fields += `${fields ? ',' : ''}${escKey(k)}=${formatField(v)}`;
  return `${series} ${fields} ${p.time}`;
}

/** Reads a token up to one of the stop characters, undoing backslash escapes of the given specials. */
function readToken(line: string, start: number, stops: string, specials: string): [string, number] {
  let out = '';
  let i = start;
  while (i < line.length) {
    const c = line[i] as string;
    if (c === '\\' && i + 1 < line.length && specials.includes(line[i + 1] as string)) {
      out += line[i + 1];
      i += 2;
      continue;
    }
    if (stops.includes(c)) break;
    out += c;
    i++;
  }
  return [out, i];
}

function parseFieldValue(raw: string): FieldValue {
  if (raw.startsWith('"')) return { kind: 'string', value: raw.slice(1, -1).replace(/\\(["\\])/g, '$1') };
  if (raw === 'true' || raw === 't' || raw === 'T' || raw === 'TRUE' || raw === 'True') return { kind: 'boolean', value: true };
  if (raw === 'false' || raw === 'f' || raw === 'F' || raw === 'FALSE' || raw === 'False') return { kind: 'boolean', value: false };
  if (raw.endsWith('i')) return { kind: 'integer', value: BigInt(raw.slice(0, -1)) };
  return { kind: 'float', value: Number(raw) };
}

/** Parses one point starting at `start`; returns it and the index after its line. */
function parseAt(text: string, start: number): [Point, number] {
  const [measurement, afterMeasurement] = readToken(text, start, ', ', ', ');
  let i = afterMeasurement;
  const tags: [string, string][] = [];
  while (text[i] === ',') {
    const [k, j] = readToken(text, i + 1, '=', ',= ');
    const [v, l] = readToken(text, j + 1, ', ', ',= ');
    tags.push([k, v]);
    i = l;
  }
  const fields: [string, FieldValue][] = [];
  i++; // the space before fields
  for (;;) {
    const [k, j] = readToken(text, i, '=', ',= ');
    i = j + 1;
    let e = i;
    if (text[i] === '"') {
      e = i + 1;
      while (e < text.length && text[e] !== '"') e += text[e] === '\\' ? 2 : 1;
      e++;
    } else {
      while (e < text.length && text[e] !== ',' && text[e] !== ' ') e++;
    }
    fields.push([k, parseFieldValue(text.slice(i, e))]);
    i = e;
    if (text[i] !== ',') break;
    i++;
  }
  let end = text.indexOf('\n', i);
  if (end < 0) end = text.length;
  return [{ measurement, tags, fields, time: BigInt(text.slice(i + 1, end).trim()) }, end + 1];
}

/** Parses lines written by formatPoint (string fields may hold newlines); the embedded store reads the journal this way. */
export function parseLines(text: string): Point[] {
  const points: Point[] = [];
  let i = 0;
  while (i < text.length) {
    if (text[i] === '\n') {
      i++;
      continue;
    }
    const [p, next] = parseAt(text, i);
    points.push(p);
    i = next;
  }
  return points;
}
