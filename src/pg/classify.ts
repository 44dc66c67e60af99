// Which failures of PostgreSQL mean "the journal is not there right now" (503, retry) rather than a bug or a bad request.
import { JournalUnavailableError } from '../errors.js';

/** Socket errors of a server that is down, unreachable or gone mid-request. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'EHOSTDOWN', 'ENETUNREACH', 'ENETDOWN', 'EPIPE', 'EAI_AGAIN', 'ENOTFOUND', 'ECONNABORTED']);

/**
 * SQLSTATEs of a server that is shutting down, restarting, in recovery or read-only (a standby, or
 * a primary demoted by a failover), or out of connection slots.
 */
const SQLSTATES = new Set([
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (starting up, in recovery)
  '57P04', // database_dropped
  '25006', // read_only_sql_transaction
  '53300', // too_many_connections
  '58030', // io_error (the server's disk)
]);

/** Messages node-postgres gives for a broken or timed-out connection (it sets no code on them). */
const MESSAGES = [
  /^Connection terminated/,
  /^timeout expired$/,
  /^Query read timeout$/,
  /^timeout exceeded when trying to connect$/,
  /^Client has encountered a connection error and is not queryable$/,
  /^Client was closed and is not queryable$/,
];

function codeOf(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

/** True when `err` says the server is unreachable, going away, or not writable: worth a retry elsewhere or later. */
export function isUnavailable(err: unknown): boolean {
  if (err instanceof JournalUnavailableError) return true;
  if (!(err instanceof Error)) return false;
  const code = codeOf(err);
  if (code !== undefined) {
    if (NETWORK_CODES.has(code) || SQLSTATES.has(code)) return true;
    // Class 08: connection exception.
    if (/^08[0-9A-Z]{3}$/.test(code)) return true;
  }
  if (MESSAGES.some((m) => m.test(err.message))) return true;
  // Connecting to several addresses of one name (localhost: ::1 and 127.0.0.1) fails with all of them.
  if (err instanceof AggregateError) return err.errors.length > 0 && err.errors.every((e) => isUnavailable(e));
  return false;
}

/** A short reason for a message: the SQLSTATE or socket code and the server's words. */
export function describePgError(err: unknown): string {
  if (err instanceof JournalUnavailableError) return err.reason;
  if (!(err instanceof Error)) return String(err);
  const code = codeOf(err);
  const message = err.message || (err instanceof AggregateError ? err.errors.map((e: unknown) => describePgError(e)).join('; ') : err.name);
  return code !== undefined && !message.includes(code) ? `${message} (${code})` : message;
}

/**
 * `err` as the broker reports it: a JournalUnavailableError naming `where` (hosts, no password)
 * when the journal is unavailable, else `err` itself (a bug, a constraint, a bad query: a 500).
 */
export function journalError(err: unknown, where: string, retryAfterSeconds = 5): unknown {
  if (err instanceof JournalUnavailableError) return err;
  if (isUnavailable(err)) return new JournalUnavailableError(where, describePgError(err), retryAfterSeconds);
  return err;
}
