// Every error the broker answers: one class per case, a stable code, its HTTP status.

/** One violation inside a request, located by a JSON Pointer into the payload. */
export interface ErrorDetail {
  path: string;
  message: string;
  /** Byte offset into the request body, for problems found in its text rather than its values. */
  offset?: number;
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

/** The body is not UTF-8, or has a string with a lone surrogate escape: no Unicode text to store. */
export class InvalidEncodingError extends BrokerError {
  constructor(offset: number, pointer: string | undefined, message: string) {
    const where = pointer === undefined ? `at byte ${offset}` : `at byte ${offset} (${pointer || '/'})`;
    super('INVALID_ENCODING', 400, `request body is not valid Unicode text ${where}: ${message}`, {
      details: [{ path: pointer ?? '', message, offset }],
    });
  }
}

/** Arrays and objects nested deeper than the broker parses; no metric comes close. */
export class JsonTooDeepError extends BrokerError {
  constructor(maxDepth: number, offset: number) {
    const message = `arrays and objects are nested deeper than ${maxDepth} levels`;
    super('JSON_TOO_DEEP', 400, `request body is refused at byte ${offset}: ${message}`, { details: [{ path: '', message, offset }] });
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
  /** `close`: known metric names that look like a typo away from `metric`, closest first. */
  constructor(metric: string, close: readonly string[] = []) {
    const hint = close.length > 0 ? ` (did you mean ${close.slice(0, -1).join(', ')}${close.length > 1 ? ' or ' : ''}${close[close.length - 1]}?)` : '';
    super('UNKNOWN_METRIC', 400, `unknown metric "${metric}"${hint}`, {
      details: [{ path: '/metadata/metrics', message: `no metric named "${metric}" is defined${hint}` }],
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

/** A request refused for its parameters (`path` names one, or a list gives several) or for the state it asks about. */
export class InvalidRequestError extends BrokerError {
  /**
   * `path` names the one parameter at fault, or lists every problem (a request that breaks its
   * route's schema); `details`, when given, lists them instead.
   */
  constructor(message: string, path: string | ErrorDetail[] = '', details?: ErrorDetail[]) {
    super('INVALID_REQUEST', 400, message, { details: details ?? (Array.isArray(path) ? path : path ? [{ path, message }] : []) });
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
  /** `path`: where the metric is named (a payload's `/metadata/metrics`, by default). */
  constructor(user: string, metric: string, path = '/metadata/metrics') {
    super('METRIC_FORBIDDEN', 403, `user "${user}" may not write metric "${metric}"`, {
      details: [{ path, message: 'not in the metrics this user may write' }],
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

/**
 * The shared journal (PostgreSQL) cannot take or answer the request: no server reachable, none
 * accepting writes (a standby, a failover under way), or the connection broke mid-request. `where`
 * names the server(s) without credentials. The client retries; the broker reconnects on its own.
 */
export class JournalUnavailableError extends BrokerError {
  /** What went wrong, without the remedy. */
  readonly reason: string;
  constructor(where: string, reason: string, retryAfterSeconds = 5) {
    super('JOURNAL_UNAVAILABLE', 503, `the journal (PostgreSQL at ${where}) is unavailable: ${reason}; retry in ${retryAfterSeconds} s`, {
      headers: { 'Retry-After': String(retryAfterSeconds) },
    });
    this.reason = reason;
  }
}

/**
 * The data dir's disk is (nearly) full: refused before the journal commit, or the commit itself ran
 * out of space. Nothing was stored; the client retries, and the broker accepts again once space returns.
 */
export class StorageFullError extends BrokerError {
  constructor(detail: string, retryAfterSeconds = 30) {
    super('STORAGE_FULL', 507, `the broker's disk is full (${detail}); nothing was stored, retry later`, {
      headers: { 'Retry-After': String(retryAfterSeconds) },
    });
  }
}

export class DatabaseRejectedError extends BrokerError {
  constructor(message: string) {
    super('DATABASE_REJECTED', 409, `the database refused the points: ${message}`);
  }
}

/**
 * A field of the payload has another type than the store holds (or will hold, once the payloads
 * already accepted are delivered) for it in that shard: the store would drop those points.
 */
export class FieldTypeConflictError extends BrokerError {
  constructor(details: ErrorDetail[]) {
    const first = details[0];
    const more = details.length > 1 ? ` (and ${details.length - 1} more)` : '';
    super('FIELD_TYPE_CONFLICT', 409, `field type conflict: ${first ? first.message : 'a field has another type in the store'}${more}`, { details });
  }
}

/** The payload would take a tag past the store's limit of distinct values per tag (max-values-per-tag). */
export class TagValuesLimitError extends BrokerError {
  constructor(details: ErrorDetail[]) {
    const first = details[0];
    const more = details.length > 1 ? ` (and ${details.length - 1} more)` : '';
    super('TAG_VALUES_LIMIT', 400, `too many values of a tag: ${first ? first.message : 'over the limit'}${more}`, { details });
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

/** The broker's folder has no single-file CLI: only `tsc` ran, not the whole build. */
export class CliNotBuiltError extends BrokerError {
  constructor() {
    super('CLI_NOT_BUILT', 503, "this broker has no single-file CLI (dist/cli/qmb.mjs is missing): build it in the broker's folder with `npm run build` (or `node scripts/build-cli.mjs`)");
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

/**
 * A file of the data dir (journal, embedded store, users file, key file) or the data dir itself
 * cannot be used at start: the message names it and says what to do. Never answered over HTTP.
 */
export class StartupError extends Error {
  readonly code = 'STARTUP_FAILED';
  /** The file or folder at fault. */
  readonly file: string;
  constructor(file: string, message: string) {
    super(message);
    this.name = 'StartupError';
    this.file = file;
  }
}

/**
 * The journal's content cannot be trusted (missing, emptied, damaged, another journal, older than
 * its marker): `qmb serve --new-journal` may set it aside, unlike a problem of access or space.
 */
export class JournalRefusedError extends StartupError {
  /** What is wrong, without the remedy: for the notice of `--new-journal`. */
  readonly problem: string;
  constructor(file: string, message: string, problem = message) {
    super(file, message);
    this.name = 'JournalRefusedError';
    this.problem = problem;
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
