// Shared pieces of the ingestion-core integration tests: fixtures with their number literals, requests, expectations.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { LosslessNumber, parse, stringify } from 'lossless-json';
import { SPEC_DATABASES } from './spec-databases.js';

export type Json = null | boolean | string | LosslessNumber | Json[] | { [key: string]: Json };

export interface FixtureCase {
  name: string;
  payload: { [key: string]: Json };
  /** The payload as JSON text, number literals exactly as in the fixture file. */
  text: string;
  paths?: string[];
}

export interface FixtureTable {
  metric: string;
  valid: FixtureCase[];
  invalid: FixtureCase[];
}

const FIXTURE_DIR = path.resolve('test/fixtures/payloads');

/** Every metric's fixture table, numbers kept as written. */
export function loadFixtures(): FixtureTable[] {
  return readdirSync(FIXTURE_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => {
      const table = parse(readFileSync(path.join(FIXTURE_DIR, f), 'utf8')) as {
        valid: { name: string; payload: { [key: string]: Json } }[];
        invalid: { name: string; payload: { [key: string]: Json }; paths: string[] }[];
      };
      const withText = <T extends { payload: { [key: string]: Json } }>(c: T): T & { text: string } => ({ ...c, text: stringify(c.payload) as string });
      return { metric: f.replace(/\.json$/, ''), valid: table.valid.map(withText), invalid: table.invalid.map(withText) };
    });
}

/** JSON text of a value in which numbers may be given as literals with `num('5.0')`. */
export function jsonText(value: unknown): string {
  return stringify(value) as string;
}

/** A number literal that JSON text keeps as written (`5.0` stays `5.0`). */
export function num(literal: string): LosslessNumber {
  return new LosslessNumber(literal);
}

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | number | undefined>;
  body: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read the answer they assert on field by field
  json: any;
}

function toReply(res: LightMyRequestResponse): Reply {
  let json: unknown;
  try {
    json = res.body ? JSON.parse(res.body) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.statusCode, headers: res.headers, body: res.body, json };
}

/** One request through app.inject; `body` as text is sent as is, otherwise as JSON (lossless). */
export async function call(
  app: FastifyInstance,
  method: 'GET' | 'POST',
  url: string,
  options: { token?: string | undefined; scheme?: string; body?: unknown; contentType?: string; headers?: Record<string, string> } = {},
): Promise<Reply> {
  const headers: Record<string, string> = { ...(options.headers ?? {}) };
  if (options.token !== undefined) headers['authorization'] = `${options.scheme ?? 'JWT'} ${options.token}`;
  let payload: string | undefined;
  if (options.body !== undefined) {
    payload = typeof options.body === 'string' ? options.body : jsonText(options.body);
    headers['content-type'] = options.contentType ?? 'application/json';
  }
  const res = await app.inject({ method, url, headers, ...(payload !== undefined ? { payload } : {}) });
  return toReply(res);
}

/** The same over the network, for brokers running as child processes. */
export async function httpCall(
  base: string,
  method: 'GET' | 'POST',
  url: string,
  options: { token?: string; body?: unknown; contentType?: string } = {},
): Promise<Reply> {
  const headers: Record<string, string> = {};
  if (options.token !== undefined) headers['authorization'] = `JWT ${options.token}`;
  let payload: string | undefined;
  if (options.body !== undefined) {
    payload = typeof options.body === 'string' ? options.body : jsonText(options.body);
    headers['content-type'] = options.contentType ?? 'application/json';
  }
  const res = await fetch(`${base}${url}`, { method, headers, ...(payload !== undefined ? { body: payload } : {}) });
  const body = await res.text();
  let json: unknown;
  try {
    json = body ? JSON.parse(body) : undefined;
  } catch {
    json = undefined;
  }
  const out: Record<string, string> = {};
  res.headers.forEach((v, k) => {
    out[k] = v;
  });
  return { status: res.status, headers: out, body, json };
}

/** Checks the error body shape every error answer must have. */
export function isErrorBody(json: unknown, status: number): boolean {
  if (json === null || typeof json !== 'object') return false;
  const body = json as Record<string, unknown>;
  return (
    typeof body['data'] === 'string' &&
    body['error_code'] === status &&
    typeof body['code'] === 'string' &&
    /^[A-Z][A-Z0-9_]*$/.test(body['code']) &&
    Array.isArray(body['errors'])
  );
}

/** A one-point payload of a metric with free measurement/tags/fields (tfa_image_size allows any fields). */
export function imageSizePayload(measurement: string, fields: Record<string, unknown>, time: unknown, tags: Record<string, unknown> = {}): unknown {
  return {
    api_version: '1.0',
    metadata: { metrics: 'tfa_image_size' },
    data: [
      {
        measurement,
        tags: { BinMode: 'Release', CommitID: 'abc123', CommitTitle: 'test', ...tags },
        fields,
        time,
      },
    ],
  };
}

/** A one-point tfa_code_churn payload; `extra` fields are allowed by the schema. */
export function churnPayload(lines: unknown, time: unknown, targetTag = 'v9.9', extra: Record<string, unknown> = {}): unknown {
  return {
    api_version: '1.0',
    metadata: { metrics: 'tfa_code_churn' },
    data: [
      {
        measurement: 'TFA_CodeChurn_Tracking',
        fields: { Lines_of_Change: lines, ...extra },
        tags: { Git_Tag_Date: 20200908, Base_Tag: 'v9.8', Target_Tag: targetTag },
        time,
      },
    ],
  };
}

/** Parses the four time shapes independently of the broker, to nanoseconds. */
export function expectedTimeNs(value: Json): bigint {
  if (value instanceof LosslessNumber) return BigInt(value.toString());
  if (typeof value !== 'string') throw new Error(`unexpected time ${JSON.stringify(value)}');`);
  if (/^\d+$/.test(value)) return BigInt(value);
  let iso = value;
  const git = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}) ([+-]\d{2})(\d{2})$/.exec(value);
  if (git) iso = `${git[1]}T${git[2]}${git[3]}:${git[4]}`;
  else if (/^\d{4}-\d{2}-\d{2}$/.test(value)) iso = `${value}T00:00:00Z`;
  const frac = /\.(\d+)/.exec(iso)?.[1] ?? '';
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new Error(`test cannot parse time ${value}`);
  const wholeMs = BigInt(Math.floor(ms / 1000) * 1000);
  return wholeMs * 1_000_000n + BigInt(frac.padEnd(9, '0').slice(0, 9) || '0');
}

/** InfluxDB type of a JSON field value as the older broker wrote it: the literal decides. */
export function expectedFieldType(value: Json): 'integer' | 'float' | 'string' | 'boolean' {
  if (value instanceof LosslessNumber) return /[.eE]/.test(value.toString()) ? 'float' : 'integer';
  if (typeof value === 'string') return 'string';
  if (typeof value === 'boolean') return 'boolean';
  throw new Error(`unexpected field value ${JSON.stringify(value)}`);
}

/** Tag value as stored: numbers keep their literal, booleans their name. */
export function expectedTagValue(value: Json | undefined): string {
  if (value instanceof LosslessNumber) return value.toString();
  // Payloads give tags as scalars; an object here is a broken fixture.
  if (typeof value === 'object' && value !== null) throw new Error(`not a scalar: ${JSON.stringify(value)}`);
  return String(value);
}

/** InfluxQL quoting. */
export const ident = (s: string): string => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
export const strLit = (s: string): string => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/** A WHERE clause matching a series' tags (and a time, when given). */
export function whereClause(tags: Record<string, string>, timeNs?: bigint): string {
  const parts = Object.entries(tags).map(([k, v]) => `${ident(k)} = ${strLit(v)}`);
  if (timeNs !== undefined) parts.push(`time = ${timeNs}`);
  return parts.length ? ` WHERE ${parts.join(' AND ')}` : '';
}

/** Field value as the InfluxDB JSON answer shows it. */
export function expectedFieldJson(value: Json): unknown {
  if (value instanceof LosslessNumber) return Number(value.toString());
  return value;
}

export const DATABASES = SPEC_DATABASES;

export interface ExpectedPoint {
  metric: string;
  database: string;
  measurement: string;
  tags: Record<string, string>;
  fields: Record<string, Json>;
  /** Known time, or the acceptance window for stamped items. */
  time: bigint | { from: bigint; to: bigint };
}

/** An expected time for messages: the time, or the acceptance window as `from..to`. */
export const timeText = (t: ExpectedPoint['time']): string => (typeof t === 'bigint' ? String(t) : `${t.from}..${t.to}`);

export const nowNs = (): bigint => BigInt(Date.now()) * 1_000_000n;

type Obj = { [key: string]: Json };

/** The points metrics.md says a payload becomes, computed without the broker's code. */
export function expectedPoints(metric: string, payload: Obj, window: { from: bigint; to: bigint }): ExpectedPoint[] {
  const database = DATABASES[metric]!;
  if (metric === 'tfm_image_size') {
    const meta = payload['metadata'] as Obj;
    const git = meta['git_info'] as Obj;
    const build = meta['build_info'] as Obj;
    const tags: Record<string, string> = {
      DataProducer: expectedTagValue(meta['data_producer']),
      CommitTitle: expectedTagValue(git['commit_title']),
      CommitID: expectedTagValue(git['commit_id']),
      CommitURL: expectedTagValue(git['commit_url']),
      Branch: expectedTagValue(git['branch']),
      BuildType: expectedTagValue(build['build_type']),
      CmakeConfig: expectedTagValue(build['cmake_config']),
      Compiler: expectedTagValue(build['compiler']),
      Target: expectedTagValue(build['target']),
    };
    if (git['gerrit_id'] !== undefined) tags['GerritID'] = expectedTagValue(git['gerrit_id']);
    const fields: Record<string, Json> = {};
    for (const item of payload['data'] as Obj[]) {
      const file = expectedTagValue(item['file']);
      const base = file.includes('.') ? file.slice(0, file.lastIndexOf('.')) : file;
      fields[`${base}_b`] = item['bss']!;
      fields[`${base}_d`] = item['data']!;
      fields[`${base}_t`] = item['text']!;
    }
    return [{ metric, database, measurement: 'TFM_ImageSize_Statistics', tags, fields, time: expectedTimeNs(git['commit_time']!) }];
  }
  return (payload['data'] as Obj[]).map((item) => {
    const tags: Record<string, string> = {};
    for (const [k, v] of Object.entries((item['tags'] ?? {}) as Obj)) if (v !== '' && v !== null) tags[k] = expectedTagValue(v);
    const fields: Record<string, Json> = {};
    for (const [k, v] of Object.entries(item['fields'] as Obj)) if (v !== null) fields[k] = v;
    return {
      metric,
      database,
      measurement: expectedTagValue(item['measurement']),
      tags,
      fields,
      time: item['time'] === undefined ? window : expectedTimeNs(item['time']),
    };
  });
}

