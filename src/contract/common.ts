// Pieces every route schema shares: the error bodies, text without control characters, who may call.
import { type SchemaOptions, type Static, type TSchema, type TUnsafe, Type } from '@sinclair/typebox';

/**
 * A reference to a shared schema (one registered with `app.addSchema`), typed as that schema: the
 * document then names it once under components instead of repeating it in every route.
 */
export function ref<T extends TSchema>(schema: T): TUnsafe<Static<T>> {
  if (!schema.$id) throw new Error('only a schema with an $id can be referenced');
  return Type.Unsafe<Static<T>>(Type.Ref(schema.$id));
}

/** The same schema with the description of one answer (the document shows it as the response's). */
export function described<T extends TSchema>(schema: T, description: string): TUnsafe<Static<T>> {
  return Type.Unsafe<Static<T>>({ ...schema, description });
}

/** One of some strings, as a plain `enum` (a union of literals would read as anyOf in the document). */
export function StringEnum<const T extends readonly string[]>(values: T, options: SchemaOptions = {}): TUnsafe<T[number]> {
  return Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...options });
}

/** Control characters: no stored name or value has one (ingest refuses them), and InfluxQL cannot quote CR. */
export const CONTROL = /[\u0000-\u001f\u007f]/;

/** The pattern of text without a control character (U+0000 to U+001F, U+007F), as JSON Schema writes it. */
export const PLAIN_PATTERN = '^[^\\u0000-\\u001f\\u007f]*$';

/** A name or value that can be stored: no control characters. */
export function PlainText(options: { description?: string; examples?: unknown[] } = {}) {
  return Type.String({ pattern: PLAIN_PATTERN, ...options });
}

/** The message for text with a control character, naming the parameter it came in. */
export function controlCharacterMessage(param: string, value: string): string | undefined {
  const control = CONTROL.exec(value);
  if (!control) return undefined;
  const code = `U+${control[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
  return `${param} contains the control character ${code}; no stored name or value has one`;
}

/** One violation of a request. */
export const ErrorDetailSchema = Type.Object(
  {
    path: Type.String({ description: 'a JSON Pointer into the body, or the name of the query or path parameter' }),
    message: Type.String(),
    offset: Type.Optional(Type.Integer({ description: 'byte offset into the body (INVALID_ENCODING, JSON_TOO_DEEP)' })),
  },
  { additionalProperties: false },
);

const errorProperties = {
  data: Type.String({ description: 'one-line message' }),
  error_code: Type.Integer({ description: 'HTTP status' }),
  code: Type.String({ description: 'stable UPPER_SNAKE code', pattern: '^[A-Z][A-Z0-9_]*$' }),
  errors: Type.Array(ErrorDetailSchema, { description: 'every violation, not only the first' }),
};

/** The error body of every route (errors.ts errorBody). */
export const ErrorSchema = Type.Object(errorProperties, { $id: 'Error', additionalProperties: false, description: 'an error' });

/** Token failures and `/auth` refusals also carry the keys of the older broker's token library. */
export const AuthErrorSchema = Type.Object(
  {
    ...errorProperties,
    description: Type.String(),
    error: Type.String(),
    status_code: Type.Integer(),
  },
  { $id: 'AuthError', additionalProperties: false, description: 'no valid token, or wrong credentials' },
);

/** Every shared schema, for `app.addSchema`. */
export const SHARED_SCHEMAS: TSchema[] = [ErrorSchema, AuthErrorSchema];

const ERROR_CASES: Record<number, string> = {
  400: 'invalid request or payload: every violation listed, each with a JSON Pointer into the body or the parameter it is about',
  401: 'no valid token',
  403: 'the user may not write this metric',
  404: 'not found',
  413: 'body larger than QMB_MAX_BODY_BYTES',
  415: 'content type is not JSON',
  429: 'too many requests; see Retry-After',
  503: 'journal full (JOURNAL_FULL), the PostgreSQL journal unavailable (JOURNAL_UNAVAILABLE) or shutting down; see Retry-After',
  507: "the broker's disk is full (STORAGE_FULL): nothing stored; see Retry-After",
};

/**
 * Error responses of a route: the shared Error body (AuthError for 401), with the usual meaning of
 * each status unless `meaning` says more; `default` covers what any route may answer (500, a
 * 503 while shutting down).
 */
export function errors(statuses: number[], meaning: Record<number, string> = {}): Record<string, TSchema> {
  const out: Record<string, TSchema> = {};
  for (const status of statuses) {
    const schema = status === 401 ? AuthErrorSchema : ErrorSchema;
    out[String(status)] = described(ref(schema), meaning[status] ?? ERROR_CASES[status] ?? 'error');
  }
  out['default'] = described(ref(ErrorSchema), 'any other error: 500 INTERNAL, 503 SHUTTING_DOWN');
  return out;
}

/** Security of routes that need a token (`Authorization: JWT <token>` or `Bearer <token>`). */
export const WRITE_SECURITY: Record<string, string[]>[] = [{ jwt: [] }];

/** Security of the read routes: a token, unless the operator set QMB_PUBLIC_READ=1. */
export const READ_SECURITY: Record<string, string[]>[] = [{ jwt: [] }, {}];
