// Query strings and path parameters checked against the route schemas; their violations answered as INVALID_REQUEST.
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { FastifySchemaCompiler, FastifySchemaValidationError } from 'fastify';
import { PLAIN_PATTERN, controlCharacterMessage } from '../contract/common.js';
import { type ErrorDetail, InvalidRequestError } from '../errors.js';

/**
 * The validator compiler of the app. Query strings and path parameters are checked as Fastify
 * would (text coerced to numbers, one value or several as the schema wants, defaults filled in),
 * reporting every violation. Bodies are never checked here: a payload is validated once, by the
 * metric registry, against the schema of its metric and version and with each route's status
 * codes; the body schemas of the routes only document it.
 */
export function requestValidator(): FastifySchemaCompiler<unknown> {
  const ajv = new Ajv({ coerceTypes: 'array', useDefaults: true, removeAdditional: true, allErrors: true, verbose: true });
  // A message for a constraint whose default wording would not help (a pattern); documentation otherwise.
  ajv.addKeyword({ keyword: 'x-message', schemaType: 'string' });
  return ({ schema, httpPart }) => (httpPart === 'body' ? () => true : finiteNumbers(ajv.compile(schema as object), schema as ObjectSchema));
}

/** The app's validator, also for routes that validate their body themselves and leave the rest to it. */
export const PARAMETERS_VALIDATOR = requestValidator();

interface ObjectSchema {
  properties?: Record<string, { type?: unknown }>;
}

/**
 * Ajv turns the text `Infinity` into a number and then skips the bounds of a non-finite one, so
 * `?wait=Infinity` would pass `maximum: 300`: the numbers of a query string must also be finite.
 */
function finiteNumbers(validate: ValidateFunction, schema: ObjectSchema): ValidateFunction {
  const numeric = Object.entries(schema.properties ?? {}).filter(([, s]) => s.type === 'number' || s.type === 'integer');
  if (numeric.length === 0) return validate;
  const check = ((data: Record<string, unknown>) => {
    const ok = validate(data);
    const infinite: ErrorObject[] = numeric
      .filter(([name]) => typeof data?.[name] === 'number' && !Number.isFinite(data[name]))
      .map(([name, s]) => ({ keyword: 'type', instancePath: `/${name}`, schemaPath: `#/properties/${name}/type`, params: { type: s.type }, parentSchema: s, data: data[name], message: 'must be finite' }));
    check.errors = [...(validate.errors ?? []), ...infinite];
    return ok && infinite.length === 0;
  }) as ValidateFunction;
  return check;
}

const orList = (values: unknown[]): string => {
  const all = values.map(String);
  return all.length <= 1 ? all.join('') : `${all.slice(0, -1).join(', ')} or ${all[all.length - 1]}`;
};

/** `limit must be 1..1000000` when the schema gives both bounds. */
function range(name: string, schema: Record<string, unknown>): string | undefined {
  const { minimum, maximum } = schema;
  if (typeof minimum === 'number' && typeof maximum === 'number') return `${name} must be ${minimum}..${maximum}`;
  if (typeof minimum === 'number') return `${name} must be at least ${minimum}`;
  if (typeof maximum === 'number') return `${name} must be at most ${maximum}`;
  return undefined;
}

const TYPE_WORDS: Record<string, string> = { integer: 'a whole number', number: 'a number', boolean: 'true or false', string: 'text', array: 'a list' };

function message(name: string, e: ErrorObject): string {
  const schema = (e.parentSchema ?? {}) as Record<string, unknown>;
  const params = e.params as Record<string, unknown>;
  const own = typeof schema['x-message'] === 'string' ? schema['x-message'] : undefined;
  switch (e.keyword) {
    case 'required':
      return `${name} is required`;
    case 'type':
      if (Array.isArray(e.data)) return `${name} may be given once`;
      return own ?? range(name, schema) ?? `${name} must be ${TYPE_WORDS[String(params['type'])] ?? String(params['type'])}`;
    case 'minimum':
    case 'maximum':
      return own ?? range(name, schema) ?? `${name} ${e.message ?? 'is out of range'}`;
    case 'enum':
      return own ?? `${name} must be ${orList(params['allowedValues'] as unknown[])}`;
    case 'pattern':
      if (schema['pattern'] === PLAIN_PATTERN && typeof e.data === 'string') return controlCharacterMessage(name, e.data) ?? `${name} contains a control character`;
      return own ?? `${name} must match ${String(schema['pattern'])}`;
    case 'maxItems':
      return own ?? `${name} may be given at most ${String(params['limit'])} times`;
    default:
      return own ?? `${name} ${e.message ?? 'is invalid'}`;
  }
}

/** The parameter an error is about: the first segment of its pointer, or the missing property. */
function parameterOf(e: ErrorObject): string {
  if (e.keyword === 'required') return String((e.params as Record<string, unknown>)['missingProperty']);
  const first = e.instancePath.split('/')[1] ?? '';
  return first.replace(/~1/g, '/').replace(/~0/g, '~');
}

/**
 * Fastify's validation errors as the broker's INVALID_REQUEST: one entry per parameter, its path
 * the parameter's name (`limit`, `tag.BinMode`, `db`) as in every other refusal of a parameter.
 */
export function invalidRequest(errors: FastifySchemaValidationError[]): InvalidRequestError {
  const details: ErrorDetail[] = [];
  const seen = new Set<string>();
  for (const e of errors as unknown as ErrorObject[]) {
    const name = parameterOf(e);
    if (seen.has(name)) continue;
    seen.add(name);
    details.push({ path: name, message: message(name, e) });
  }
  const more = details.length > 1 ? ` (and ${details.length - 1} more)` : '';
  return new InvalidRequestError(`${details[0]?.message ?? 'invalid request'}${more}`, details);
}
