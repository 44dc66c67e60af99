// The head of a check: payloads not yet stored (converted by the ingest pipeline), or a revision the store holds.
import { BrokerError } from '../errors.js';
import type { JsonBody } from '../ingest/json.js';
import { preparePayload } from '../metrics/prepare.js';
import type { MetricDefinition, MetricRegistry } from '../metrics/registry.js';
import type { CheckSource } from './check-source.js';
import { type CheckPoint, fromPoint } from './series.js';

/** The head's points of one metric. */
export interface HeadMetric {
  metric: MetricDefinition;
  points: CheckPoint[];
}

/** Adds the points of one metric to the list, merging with earlier points of the same metric. */
function add(out: HeadMetric[], metric: MetricDefinition, points: CheckPoint[]): void {
  const known = out.find((h) => h.metric.name === metric.name);
  if (known) known.points.push(...points);
  else out.push({ metric, points });
}

/**
 * Validates and converts payloads exactly as `POST /api/v1/metrics` would (same schemas, same
 * conversion), without storing them. Points without a time are stamped from `nowNs` on, each
 * payload after the previous one's stamps. A bad payload throws its BrokerError with every JSON
 * Pointer prefixed by `pointer(index)` (default `/head/payloads/<index>`).
 */
export function headFromPayloads(
  bodies: readonly JsonBody[],
  registry: MetricRegistry,
  nowNs: bigint,
  options: { pointer?: (index: number) => string; authorize?: (metric: MetricDefinition) => void } = {},
): HeadMetric[] {
  const pointer = options.pointer ?? ((i: number) => `/head/payloads/${i}`);
  const out: HeadMetric[] = [];
  let stamp = nowNs;
  bodies.forEach((body, i) => {
    let prepared;
    try {
      prepared = preparePayload(body, registry, stamp, options.authorize);
    } catch (err) {
      if (!(err instanceof BrokerError) || err.status >= 500) throw err;
      const details = err.details.map((d) => ({ path: `${pointer(i)}${d.path}`, message: d.message }));
      throw new BrokerError(err.code, err.status, `${pointer(i)}: ${err.message}`, { details: details.length > 0 ? details : [{ path: pointer(i), message: err.message }] });
    }
    stamp += BigInt(Math.max(1, prepared.points.length));
    add(out, prepared.metric, prepared.points.map(fromPoint));
  });
  return out;
}

/**
 * What the store holds for `revision`: the points of every metric with a revision tag (or of the
 * named ones) whose tag has that value. Metrics without a revision tag cannot be found by revision.
 */
export async function headFromRevision(source: CheckSource, registry: MetricRegistry, revision: string, metrics?: readonly string[]): Promise<HeadMetric[]> {
  const wanted = registry.all().filter((m) => m.gate.revisionTag !== undefined && m.gate.kind !== 'none' && (!metrics || metrics.includes(m.name)));
  const found = await Promise.all(wanted.map(async (metric) => ({ metric, points: await source.pointsAt(metric, [revision], await source.measurements(metric)) })));
  return found.filter((h) => h.points.length > 0);
}
