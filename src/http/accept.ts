// Acceptance, shared by the legacy and the new ingest route: validate, convert, check room, journal.
import type { User } from '../auth/users.js';
import type { BrokerDeps } from '../broker.js';
import { BrokerError, ForbiddenMetricError, JournalFullError } from '../errors.js';
import type { LosslessValue } from '../ingest/json.js';
import { type PreparedPayload, preparePayload } from '../ingest/prepare.js';
import type { AcceptStamp } from '../ingest/stamp.js';

export interface Accepted {
  id: number;
  prepared: PreparedPayload;
}

function metricNameOf(body: LosslessValue): string {
  if (body && typeof body === 'object' && !Array.isArray(body)) {
    const meta = (body as Record<string, LosslessValue>)['metadata'];
    if (meta && typeof meta === 'object' && !Array.isArray(meta)) {
      const m = (meta as Record<string, LosslessValue>)['metrics'];
      if (typeof m === 'string') return m.slice(0, 64);
    }
  }
  return 'unknown';
}

/** Validates and converts a payload for a user; throws a BrokerError naming every problem. */
export function prepareFor(deps: BrokerDeps, stamp: AcceptStamp, user: User, body: LosslessValue): PreparedPayload {
  try {
    const items = body && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, LosslessValue>)['data'] : undefined;
    const now = stamp.reserve(Array.isArray(items) ? items.length : 1);
    return preparePayload(body, deps.registry, now, (metric) => {
      if (!deps.users.mayWrite(user, metric.name)) throw new ForbiddenMetricError(user.name, metric.name);
    });
  } catch (err) {
    if (err instanceof BrokerError) deps.telemetry.validationFailures.inc({ metric: metricNameOf(body), code: err.code });
    throw err;
  }
}

/** Commits a prepared payload to the journal, unless the journal is over its limit. */
export async function journalPayload(deps: BrokerDeps, user: User, prepared: PreparedPayload): Promise<number> {
  const { journal, config } = deps;
  const points = prepared.points.length;
  if (journal.pendingPoints + points > config.journalMaxPoints) {
    throw new JournalFullError(journal.pendingPoints, config.journalMaxPoints, 5);
  }
  const id = await journal.append({
    metric: prepared.metric.name,
    apiVersion: prepared.version,
    database: prepared.database,
    userId: user.id,
    points,
    lines: prepared.lines,
  });
  deps.telemetry.accepted.inc({ metric: prepared.metric.name });
  deps.telemetry.acceptedPoints.inc(points);
  return id;
}
