// Turns Ajv's errors into one message per violation, each located by a JSON Pointer.
import type { ErrorObject } from 'ajv';
import type { ErrorDetail } from '../errors.js';
import { pointerSegment } from '../ingest/points.js';
import { closeNames } from './suggest.js';

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

/** Reads the value at a JSON Pointer, for "got ..." in messages. */
function at(root: unknown, pointer: string): unknown {
  let cur: unknown = root;
  for (const raw of pointer.split('/').slice(1)) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

const quoted = (names: string[]): string => names.map((n) => `"${n}"`).join(' or ');

interface ObjectSchema {
  properties?: Record<string, unknown>;
  required?: string[];
}

/**
 * A missing required property, and the keys present that are probably typos of it: keys the
 * schema does not name, a few edits away. Those are allowed as extra fields by many schemas, so
 * without this the typo would pass unmentioned. `reported` holds the keys already refused.
 */
function missing(e: ErrorObject, payload: unknown, reported: Set<string>): ErrorDetail[] {
  const name = String((e.params as Record<string, unknown>)['missingProperty']);
  const here = at(payload, e.instancePath);
  const schema = (e.parentSchema ?? {}) as ObjectSchema;
  const named = new Set([...Object.keys(schema.properties ?? {}), ...(schema.required ?? [])]);
  const present = here !== null && typeof here === 'object' && !Array.isArray(here) ? Object.keys(here) : [];
  const typos = closeNames(name, present.filter((k) => !named.has(k)));
  const path = `${e.instancePath}/${pointerSegment(name)}`;
  if (typos.length === 0) return [{ path, message: `required property "${name}" is missing` }];
  const out: ErrorDetail[] = [{ path, message: `required property "${name}" is missing (${quoted(typos)} is there: a typo?)` }];
  for (const typo of typos) {
    const typoPath = `${e.instancePath}/${pointerSegment(typo)}`;
    if (!reported.has(typoPath)) out.push({ path: typoPath, message: `unknown property "${typo}" (did you mean "${name}"?)` });
  }
  return out;
}

function one(e: ErrorObject, payload: unknown): ErrorDetail {
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'additionalProperties': {
      const key = String(p['additionalProperty']);
      const props = (e.parentSchema as ObjectSchema | undefined)?.properties;
      const close = props ? closeNames(key, Object.keys(props)) : [];
      const hint = close.length > 0 ? `did you mean ${quoted(close)}? ` : '';
      const allowed = props ? ` (${hint}allowed: ${Object.keys(props).join(', ')})` : '';
      return { path: `${e.instancePath}/${pointerSegment(key)}`, message: `property "${key}" is not allowed here${allowed}` };
    }
    case 'type':
      return { path: e.instancePath, message: `must be ${String(p['type']).replace(/,/g, ' or ')}, got ${kindOf(at(payload, e.instancePath))}` };
    case 'const':
      return { path: e.instancePath, message: `must be ${JSON.stringify(p['allowedValue'])}, got ${JSON.stringify(at(payload, e.instancePath))}` };
    case 'enum':
      return { path: e.instancePath, message: `must be one of ${(p['allowedValues'] as unknown[]).map((v) => JSON.stringify(v)).join(', ')}` };
    case 'false schema':
      return { path: e.instancePath, message: 'is not allowed here' };
    case 'oneOf': {
      const passing = p['passingSchemas'] as number[] | null;
      return passing
        ? { path: e.instancePath, message: `matches alternatives ${passing.join(' and ')} of the schema; it must match exactly one` }
        : { path: e.instancePath, message: 'must match exactly one alternative of the schema; the problems listed are those of the closest one' };
    }
    case 'propertyNames':
      return { path: `${e.instancePath}/${pointerSegment(String(p['propertyName']))}`, message: `property name "${String(p['propertyName'])}" is not allowed here` };
    default:
      return { path: e.instancePath, message: e.message ?? `fails "${e.keyword}"` };
  }
}

/**
 * Of the errors under each failed oneOf, keeps only those of the alternative that came closest
 * (fewest errors): the others describe shapes the sender did not try to send.
 */
function closestAlternatives(errors: ErrorObject[]): ErrorObject[] {
  const oneOfs = errors.filter((e) => e.keyword === 'oneOf').map((e) => `${e.schemaPath}/`);
  if (oneOfs.length === 0) return errors;
  const drop = new Set<ErrorObject>();
  for (const prefix of oneOfs) {
    const byBranch = new Map<string, ErrorObject[]>();
    for (const e of errors) {
      if (!e.schemaPath.startsWith(prefix)) continue;
      const branch = e.schemaPath.slice(prefix.length).split('/')[0] as string;
      byBranch.set(branch, [...(byBranch.get(branch) ?? []), e]);
    }
    const closest = [...byBranch.values()].sort((a, b) => a.length - b.length)[0];
    for (const list of byBranch.values()) if (list !== closest) for (const e of list) drop.add(e);
  }
  return errors.filter((e) => !drop.has(e));
}

/** Maps Ajv errors to details, dropping duplicates and the pattern errors that propertyNames repeats. */
export function toDetails(errors: ErrorObject[] | null | undefined, payload: unknown): ErrorDetail[] {
  const out: ErrorDetail[] = [];
  const seen = new Set<string>();
  const kept = closestAlternatives(errors ?? []).filter((e) => e.propertyName === undefined || e.keyword === 'propertyNames');
  const refused = new Set(
    kept.filter((e) => e.keyword === 'additionalProperties').map((e) => `${e.instancePath}/${pointerSegment(String(e.params['additionalProperty']))}`),
  );
  for (const e of kept) {
    for (const d of e.keyword === 'required' ? missing(e, payload, refused) : [one(e, payload)]) {
      const key = `${d.path}\u0000${d.message}`;
      if (!seen.has(key)) {
        seen.add(key);
        out.push(d);
      }
    }
  }
  return out;
}
