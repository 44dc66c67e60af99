// The acceptance checks against what the store holds (field types per shard, tag values), for the ingest and validate routes.
import type { BrokerDeps } from '../broker.js';
import { BrokerError } from '../errors.js';
import { itemKeyPath } from '../metrics/converters.js';
import type { PreparedPayload } from '../metrics/prepare.js';
import type { Submission } from '../journal/submission.js';
import type { PathOf } from '../stored/field-types.js';
import type { Admission } from '../stored/guard.js';

/**
 * JSON Pointers of a point's fields and tags: with the `points` converter point i is `/data/i`
 * (a payload only gets here without problems, so every item became a point); TF-M image size's
 * fields come from `/data` and its tags from `/metadata`.
 */
export function pathsOf(prepared: PreparedPayload): PathOf {
  if (prepared.metric.converter === 'points') return itemKeyPath;
  return (_i, part) => (part === 'fields' ? '/data' : '/metadata');
}

async function admitted(deps: Pick<BrokerDeps, 'guard' | 'telemetry'>, prepared: PreparedPayload): Promise<Admission> {
  try {
    return await deps.guard.admit(prepared.database, prepared.points, pathsOf(prepared), prepared.lines);
  } catch (err) {
    throw counted(deps, prepared, err);
  }
}

function counted(deps: Pick<BrokerDeps, 'telemetry'>, prepared: PreparedPayload, err: unknown): unknown {
  if (err instanceof BrokerError) deps.telemetry.validationFailures.inc({ metric: prepared.metric.name, code: err.code });
  return err;
}

/** Throws FIELD_TYPE_CONFLICT (409) or TAG_VALUES_LIMIT (400) when the store would drop any of the points. */
export async function checkWithStore(deps: Pick<BrokerDeps, 'guard' | 'telemetry'>, prepared: PreparedPayload): Promise<void> {
  try {
    await deps.guard.check(prepared.database, prepared.points, pathsOf(prepared));
  } catch (err) {
    throw counted(deps, prepared, err);
  }
}

/**
 * Checks a payload against the store and journals it with `journal`: the guard counts it as the
 * store's before the commit, so a payload arriving meanwhile already sees its types and values,
 * and forgets it again when the commit does not happen. Nothing of the prepared payload but its
 * lines is held while the commit is awaited: at high concurrency many payloads wait for the same
 * group commit, and their points would outlive the young generation and fill the old one.
 * `onAdmitted` runs once the store check passed, before the commit.
 */
export function journalChecked(
  deps: Pick<BrokerDeps, 'guard' | 'telemetry'>,
  prepared: PreparedPayload,
  journal: () => Promise<Submission>,
  onAdmitted: () => void = () => {},
): Promise<Submission> {
  // Chained, not awaited in one async frame: that frame would keep `prepared` until the commit.
  return admitted(deps, prepared).then(async (admission) => {
    onAdmitted();
    try {
      const submission = await journal();
      admission.commit();
      return submission;
    } catch (err) {
      admission.cancel();
      throw err;
    }
  });
}
