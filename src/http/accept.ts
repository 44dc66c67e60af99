// Acceptance, shared by the legacy and the new ingest route: validate, convert, check room, journal.
import type { User } from '../auth/users.js';
import type { BrokerDeps } from '../broker.js';
import type { FastifyRequest } from 'fastify';
import { BrokerError, ForbiddenMetricError, JournalFullError, StorageFullError, UnsupportedMediaTypeError } from '../errors.js';
import type { JsonBody } from '../ingest/json.js';
import { type PreparedPayload, preparePayload } from '../metrics/prepare.js';
import type { AcceptStamp } from '../ingest/stamp.js';
import { formatBytes, isDiskFull } from '../journal/free-space.js';
import type { NewSubmission, Submission } from '../journal/submission.js';
import type { IngestSlots } from './ingest-slots.js';
import { journalChecked } from './store-check.js';

/** The metric label for /metrics: only names the registry knows, so senders cannot add series. */
function metricLabel(deps: BrokerDeps, body: unknown): string {
  const name = metricNameOf(body);
  return name !== undefined && deps.registry.get(name) ? name : 'unknown';
}

function metricNameOf(body: unknown): string | undefined {
  if (body && typeof body === 'object' && !Array.isArray(body)) {
    const meta = (body as Record<string, unknown>)['metadata'];
    if (meta && typeof meta === 'object' && !Array.isArray(meta)) {
      const m = (meta as Record<string, unknown>)['metrics'];
      if (typeof m === 'string') return m;
    }
  }
  return undefined;
}

/** Validates and converts a payload for a user; throws a BrokerError naming every problem. */
export function prepareFor(deps: BrokerDeps, stamp: AcceptStamp, user: User, body: JsonBody): PreparedPayload {
  const plain = body.plain;
  try {
    const items = plain && typeof plain === 'object' && !Array.isArray(plain) ? (plain as Record<string, unknown>)['data'] : undefined;
    const now = stamp.reserve(Array.isArray(items) ? items.length : 1);
    return preparePayload(body, deps.registry, now, (metric) => {
      if (!deps.users.mayWrite(user, metric.name)) throw new ForbiddenMetricError(user.name, metric.name);
    });
  } catch (err) {
    if (err instanceof BrokerError) deps.telemetry.validationFailures.inc({ metric: metricLabel(deps, plain), code: err.code });
    throw err;
  }
}

/** The journal entry of a prepared payload: only its line protocol travels on, not the parsed tree. */
export function journalEntry(user: User, prepared: PreparedPayload): NewSubmission {
  return {
    metric: prepared.metric.name,
    apiVersion: prepared.version,
    database: prepared.database,
    userId: user.id,
    points: prepared.points.length,
    duplicates: prepared.duplicates,
    duplicateItems: prepared.duplicateItems,
    lines: prepared.lines,
  };
}

/**
 * Commits an entry to the journal, unless the journal is over its limit or the data dir's disk
 * nearly full; a commit that runs out of space is answered the same way (507), never 500.
 */
export async function journalPayload(deps: BrokerDeps, entry: NewSubmission): Promise<Submission> {
  const { journal, config, storage } = deps;
  if (journal.pendingPoints + entry.points > config.journalMaxPoints) {
    throw new JournalFullError(journal.pendingPoints, config.journalMaxPoints, 5);
  }
  if (!storage.admit(entry.lines)) throw new StorageFullError(`less than ${formatBytes(storage.minFreeBytes)} would be left free`);
  let submission: Submission;
  try {
    submission = await journal.append(entry);
  } catch (err) {
    if (!isDiskFull(err)) throw err;
    storage.noteFull();
    throw new StorageFullError('the journal commit ran out of space');
  }
  storage.noteCommitted();
  deps.telemetry.accepted.inc({ metric: entry.metric });
  deps.telemetry.acceptedPoints.inc(entry.points);
  return submission;
}

/** The parsed JSON body; other content types were left unparsed and get 415. */
export function jsonBodyOf(request: FastifyRequest): JsonBody {
  if (request.body === undefined) throw new UnsupportedMediaTypeError(request.headers['content-type']);
  return request.body as JsonBody;
}

/**
 * The whole acceptance of a request's body: it must be JSON, is validated and converted for the
 * caller, checked against what the store holds, then journaled. The parsed tree is dropped before
 * the commit, which may take a while. The request's ingest slot is given back once only its
 * lines are left to commit (the group commit takes many at once), or when it is refused.
 */
export async function acceptRequest(deps: BrokerDeps, stamp: AcceptStamp, slots: IngestSlots, request: FastifyRequest): Promise<Submission> {
  try {
    return await journalRequest(deps, stamp, request, () => slots.release(request));
  } finally {
    slots.release(request);
  }
}

/** Not async: the prepared payload must not stay in a frame that waits for the commit. */
function journalRequest(deps: BrokerDeps, stamp: AcceptStamp, request: FastifyRequest, admitted: () => void): Promise<Submission> {
  const user = request.user!;
  const prepared = prepareFor(deps, stamp, user, jsonBodyOf(request));
  const entry = journalEntry(user, prepared);
  request.body = null;
  return journalChecked(deps, prepared, () => journalPayload(deps, entry), admitted);
}
