// Every error the broker answers: one class per case, a stable code, its HTTP status.

/** One violation inside a request, located by a JSON Pointer into the payload. */
export interface ErrorDetail {
  path: string;
  message: string;
}

/** Base of all errors the broker reports to clients. */
export class BrokerError extends Error {
  readonly code: string;
  readonly status: number;
  readonly details: ErrorDetail[];
  /** Status answered on the legacy `POST /` route, when it differs. */
  readonly legacyStatus: number;
  readonly headers: Record<string, string>;

  constructor(
    code: string,
    status: number,
    message: string,
    options: { details?: ErrorDetail[]; legacyStatus?: number; headers?: Record<string, string> } = {},
  ) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.status = status;
    this.details = options.details ?? [];
    this.legacyStatus = options.legacyStatus ?? status;
    this.headers = options.headers ?? {};
  }
}

export class InvalidJsonError extends BrokerError {
  constructor(message: string) {
    super('INVALID_JSON', 400, `request body is not valid JSON: ${message}`, { details: [{ path: '', message }] });
  }
}

export class BodyNotObjectError extends BrokerError {
  constructor(kind: string) {
    super('BODY_NOT_OBJECT', 400, `request body must be a JSON object, got ${kind}`, {
      details: [{ path: '', message: `expected an object, got ${kind}` }],
    });
  }
}

/** Envelope problems: the old broker answered these 401, the new route 400. */
export class EnvelopeError extends BrokerError {
  constructor(message: string, details: ErrorDetail[]) {
    super('ENVELOPE_INVALID', 400, message, { details, legacyStatus: 401 });
  }
}

export class UnknownMetricError extends BrokerError {
  constructor(metric: string) {
    super('UNKNOWN_METRIC', 400, `unknown metric "${metric}"`, {
      details: [{ path: '/metadata/metrics', message: `no metric named "${metric}" is defined` }],
      legacyStatus: 401,
    });
  }
}

export class UnsupportedVersionError extends BrokerError {
  constructor(metric: string, version: string, supported: string[]) {
    super(
      'UNSUPPORTED_API_VERSION',
      400,
      `api_version "${version}" is not supported for metric "${metric}" (supported: ${supported.join(', ')})`,
      { details: [{ path: '/api_version', message: `supported versions: ${supported.join(', ')}` }], legacyStatus: 401 },
    );
  }
}

export class SchemaViolationError extends BrokerError {
  constructor(metric: string, details: ErrorDetail[]) {
    const first = details[0];
    const summary = first ? `${first.path || '/'}: ${first.message}` : 'invalid';
    const more = details.length > 1 ? ` (and ${details.length - 1} more)` : '';
    super('SCHEMA_VIOLATION', 400, `payload does not match the schema of "${metric}": ${summary}${more}`, { details });
  }
}

/** The payload passed its schema but cannot become storable points (time, range, characters). */
export class InvalidPointError extends BrokerError {
  constructor(details: ErrorDetail[]) {
    const first = details[0];
    const summary = first ? `${first.path}: ${first.message}` : 'invalid point';
    const more = details.length > 1 ? ` (and ${details.length - 1} more)` : '';
    super('INVALID_POINT', 400, `payload cannot be stored: ${summary}${more}`, { details });
  }
}

export class InvalidRequestError extends BrokerError {
  constructor(message: string, path = '') {
    super('INVALID_REQUEST', 400, message, { details: path ? [{ path, message }] : [] });
  }
}

/** A budgets file (or the `budgets` of a check request) that breaks its schema: each problem with its JSON Pointer. */
export class BudgetsInvalidError extends BrokerError {
  constructor(details: ErrorDetail[]) {
    const first = details[0];
    const summary = first ? `${first.path || '/'}: ${first.message}` : 'invalid';
    const more = details.length > 1 ? ` (and ${details.length - 1} more)` : '';
    super('BUDGETS_INVALID', 400, `budgets are not valid: ${summary}${more}`, { details });
  }
}

/** Authentication failures keep the keys of the older broker's token library. */
export class AuthError extends BrokerError {
  readonly description: string;
  readonly errorTitle: string;
  constructor(code: string, description: string, errorTitle: string, headers: Record<string, string> = {}) {
    super(code, 401, description, { headers });
    this.description = description;
    this.errorTitle = errorTitle;
  }
}

export const JWT_CHALLENGE = { 'WWW-Authenticate': 'JWT realm="Login Required"' };

export class TokenMissingError extends AuthError {
  constructor() {
    super('TOKEN_MISSING', 'Request does not contain an access token', 'Authorization Required', JWT_CHALLENGE);
  }
}

export class TokenInvalidError extends AuthError {
  constructor(description: string, errorTitle = 'Invalid token') {
    super('TOKEN_INVALID', description, errorTitle, JWT_CHALLENGE);
  }
}

export class InvalidCredentialsError extends AuthError {
  constructor() {
    super('INVALID_CREDENTIALS', 'Invalid credentials', 'Bad Request');
  }
}

export class ForbiddenMetricError extends BrokerError {
  constructor(user: string, metric: string) {
    super('METRIC_FORBIDDEN', 403, `user "${user}" may not write metric "${metric}"`, {
      details: [{ path: '/metadata/metrics', message: 'not in the metrics this user may write' }],
    });
  }
}

export class NotFoundError extends BrokerError {
  constructor(what: string) {
    super('NOT_FOUND', 404, `${what} not found`);
  }
}

/** A body over the limit; `size` is the body's Content-Length when the client sent one. */
export class BodyTooLargeError extends BrokerError {
  constructor(limit: number, size?: number) {
    const body = size === undefined ? 'request body' : `request body of ${size} bytes`;
    // The client cannot fix this by retrying: say which knob the operator has, and what the job can do.
    super(
      'BODY_TOO_LARGE',
      413,
      `${body} is larger than the limit of ${limit} bytes (QMB_MAX_BODY_BYTES on the broker): split the payload into smaller ones, or raise QMB_MAX_BODY_BYTES`,
    );
  }
}

export class UnsupportedMediaTypeError extends BrokerError {
  constructor(type: string | undefined) {
    super('UNSUPPORTED_MEDIA_TYPE', 415, `content type must be application/json, got ${type ? `"${type}"` : 'none'}`);
  }
}

export class RateLimitedError extends BrokerError {
  constructor(retryAfterSeconds: number, what: string) {
    super('RATE_LIMITED', 429, `too many ${what}; retry in ${retryAfterSeconds} s`, {
      headers: { 'Retry-After': String(retryAfterSeconds) },
    });
  }
}

export class JournalFullError extends BrokerError {
  constructor(pending: number, limit: number, retryAfterSeconds: number) {
    super('JOURNAL_FULL', 503, `the journal holds ${pending} undelivered points (limit ${limit}); retry later`, {
      headers: { 'Retry-After': String(retryAfterSeconds) },
    });
  }
}

export class DatabaseRejectedError extends BrokerError {
  constructor(message: string) {
    super('DATABASE_REJECTED', 409, `the database refused the points: ${message}`);
  }
}

export class ShuttingDownError extends BrokerError {
  constructor() {
    super('SHUTTING_DOWN', 503, 'the broker is shutting down; retry shortly', { headers: { 'Retry-After': '5' } });
  }
}

/** A request the HTTP layer refused before any route ran (malformed URL, forbidden path, ...). */
export class RequestRefusedError extends BrokerError {
  constructor(status: number, message: string) {
    super('REQUEST_REFUSED', status, message);
  }
}

export class InternalError extends BrokerError {
  constructor() {
    super('INTERNAL', 500, 'internal error; see the broker log with this request id');
  }
}

/** Start-up problems (configuration, metric definitions): never answered over HTTP. */
export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** The JSON body of an error, with the older keys kept. */
export function errorBody(err: BrokerError, status = err.status): Record<string, unknown> {
  const body: Record<string, unknown> = {
    data: err.message,
    error_code: status,
    code: err.code,
    errors: err.details,
  };
  if (err instanceof AuthError) {
    body['description'] = err.description;
    body['error'] = err.errorTitle;
    body['status_code'] = status;
  }
  return body;
}
