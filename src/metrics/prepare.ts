// The one path from a parsed body to storable points: envelope, metric, schema, conversion, line protocol.
import {
  BodyNotObjectError,
  EnvelopeError,
  type ErrorDetail,
  InvalidPointError,
  SchemaViolationError,
  UnknownMetricError,
  UnsupportedVersionError,
} from '../errors.js';
import type { Payload } from '../contract/payload.js';
import { mergeDuplicates } from '../ingest/duplicates.js';
import { JsonBody, type LosslessValue, JsonNumber, describeKind } from '../ingest/json.js';
import { formatPoint } from '../ingest/line-protocol.js';
import { type Point, Problems } from '../ingest/points.js';
import { CONVERTER_FUNCTIONS } from './converters.js';
import type { MetricDefinition, MetricRegistry } from './registry.js';
import { closeNames } from './suggest.js';

/** A payload ready for the journal. */
export interface PreparedPayload {
  metric: MetricDefinition;
  version: string;
  database: string;
  /** The points as stored: one per series and time (see `duplicates`). */
  points: Point[];
  /** Items that repeated an earlier item's series and time; merged into it, as the store would. */
  duplicates: number;
  /** The first few of those items' indexes in `data`. */
  duplicateItems: number[];
  /** The points in line protocol, one per line. */
  lines: string;
}

/** Reads `metadata.metrics` and `api_version` (the envelope of PayloadSchema), reporting every missing part at once. */
export function readEnvelope(plain: unknown): { metric: Payload['metadata']['metrics']; version: Payload['api_version'] } {
  if (plain === null || typeof plain !== 'object' || Array.isArray(plain) || plain instanceof JsonNumber) {
    throw new BodyNotObjectError(describeKind(plain));
  }
  const body = plain as Record<string, LosslessValue>;
  const details: ErrorDetail[] = [];
  const version = body['api_version'];
  const metadata = body['metadata'];
  let metric: LosslessValue | undefined;
  if (version === undefined) details.push({ path: '/api_version', message: 'required property "api_version" is missing' });
  else if (typeof version !== 'string') details.push({ path: '/api_version', message: `must be a string, got ${describeKind(version)}` });
  if (metadata === undefined) details.push({ path: '/metadata', message: 'required property "metadata" is missing' });
  else if (metadata === null || typeof metadata !== 'object' || Array.isArray(metadata) || metadata instanceof JsonNumber) {
    details.push({ path: '/metadata', message: `must be an object, got ${describeKind(metadata)}` });
  } else {
    metric = metadata['metrics'];
    if (metric === undefined) details.push({ path: '/metadata/metrics', message: 'required property "metrics" is missing' });
    else if (typeof metric !== 'string') details.push({ path: '/metadata/metrics', message: `must be a string, got ${describeKind(metric)}` });
  }
  if (details.length > 0) {
    throw new EnvelopeError(`envelope incomplete: ${details.map((d) => `${d.path} ${d.message}`).join('; ')}`, details);
  }
  return { metric: metric as string, version: version as string };
}

/** Finds the metric and checks its API version. */
export function resolveMetric(registry: MetricRegistry, metric: string, version: string): MetricDefinition {
  const def = registry.get(metric);
  if (!def) throw new UnknownMetricError(metric, closeNames(metric, registry.names()));
  if (!def.versions.includes(version)) throw new UnsupportedVersionError(metric, version, def.versions);
  return def;
}

/**
 * Validates a payload against its metric's schema and converts it to points.
 * `authorize` runs once the metric is known, before the schema check.
 * Throws a BrokerError naming every problem; returns the points and their line protocol.
 */
export function preparePayload(
  body: JsonBody,
  registry: MetricRegistry,
  now: bigint,
  authorize: (metric: MetricDefinition) => void = () => {},
): PreparedPayload {
  const envelope = readEnvelope(body.plain);
  const metric = resolveMetric(registry, envelope.metric, envelope.version);
  authorize(metric);
  const violations = metric.validate(envelope.version, body.plain);
  if (violations.length > 0) throw new SchemaViolationError(metric.name, violations);
  const problems = new Problems();
  const converted = CONVERTER_FUNCTIONS[metric.converter](body.lossless() as { [key: string]: LosslessValue }, {
    fieldTypes: metric.fieldTypes,
    now,
    problems,
  });
  if (!problems.empty) throw new InvalidPointError(problems.list);
  const { points, series, duplicates, duplicateItems } = mergeDuplicates(converted);
  return {
    metric,
    version: envelope.version,
    database: metric.database,
    points,
    duplicates,
    duplicateItems,
    lines: points.map((p, i) => formatPoint(p, series[i])).join('\n'),
  };
}
