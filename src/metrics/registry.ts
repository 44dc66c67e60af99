// The metrics this broker knows: one folder per metric with its target database and a schema per API version.
import { readFileSync, readdirSync, existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';
import Ajv2020Module from 'ajv/dist/2020.js';
import AjvDraft04Module from 'ajv-draft-04';
import { BUNDLED, type Bundled } from '../bundled.js';
import { ConfigError, type ErrorDetail } from '../errors.js';
import type { FieldType } from '../ingest/points.js';
import { type MetricGate, readMetricGate } from './gate-config.js';
import { toDetails } from './schema-errors.js';

export const CONVERTERS = ['points', 'tfm_image_size'] as const;
export type ConverterName = (typeof CONVERTERS)[number];

/** One metric: where it goes and what its payloads must look like. */
export interface MetricDefinition {
  readonly name: string;
  readonly database: string;
  readonly description: string;
  readonly converter: ConverterName;
  /** Fields whose type is fixed whatever the literal says. */
  readonly fieldTypes: Readonly<Record<string, FieldType>>;
  readonly versions: string[];
  /** Regression gate settings: revision tag, series identity, comparison kind (docs/metrics.md). */
  readonly gate: MetricGate;
  schema(version: string): object | undefined;
  /** All violations of the schema of that version; [] when the payload is valid. */
  validate(version: string, payload: unknown): ErrorDetail[];
}

export interface MetricRegistry {
  names(): string[];
  get(name: string): MetricDefinition | undefined;
  all(): MetricDefinition[];
  databases(): string[];
}

/** The metric folder shipped with the package. */
export const BUILTIN_METRICS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../metrics');

const NAME = /^[A-Za-z0-9_.-]+$/;
const FIELD_TYPES: readonly string[] = ['integer', 'float', 'string', 'boolean'];

// ESM interop: these packages export their class as `default` under CommonJS.
const Ajv2020 = (Ajv2020Module as unknown as { default: typeof Ajv }).default;
const AjvDraft04 = (AjvDraft04Module as unknown as { default: typeof Ajv }).default;

function makeValidators(): { compile(schema: object, where: string): ValidateFunction } {
  // verbose: errors carry their parentSchema, from which messages name the allowed and close properties.
  const opts = { allErrors: true, strict: false, allowUnionTypes: true, verbose: true } as const;
  const draft07 = new Ajv(opts);
  const draft2020 = new Ajv2020(opts);
  const draft04 = new AjvDraft04(opts);
  return {
    compile(schema, where) {
      const { $schema } = schema as { $schema?: unknown };
      const declared = typeof $schema === 'string' ? $schema : '';
      const ajv = declared.includes('draft-04') ? draft04 : declared.includes('2020-12') ? draft2020 : draft07;
      try {
        return ajv.compile(schema);
      } catch (err) {
        throw new ConfigError(`${where}: invalid JSON Schema: ${(err as Error).message}`);
      }
    },
  };
}

/** One metric's folder: on disk, or carried inside the single-file CLI. Names are for messages. */
interface MetricFolder {
  readonly dir: string;
  /** The file names in the folder. */
  files(): string[];
  read(file: string): string;
}

function diskFolder(dir: string): MetricFolder {
  return { dir, files: () => readdirSync(dir), read: (file) => readFileSync(path.join(dir, file), 'utf8') };
}

/** The folders the single-file CLI carries; their names say where they came from. */
function bundledFolders(metrics: Bundled['metrics']): MetricFolder[] {
  return Object.keys(metrics)
    .sort()
    .map((name) => {
      const files = metrics[name] ?? {};
      return { dir: `qmb.mjs:metrics/${name}`, files: () => Object.keys(files), read: (file) => files[file] ?? '' };
    });
}

function readJson(folder: MetricFolder, file: string): unknown {
  const where = path.join(folder.dir, file);
  try {
    return JSON.parse(folder.read(file));
  } catch (err) {
    throw new ConfigError(`${where}: ${(err as Error).message}`);
  }
}

function loadMetric(folder: MetricFolder, compiler: ReturnType<typeof makeValidators>): MetricDefinition {
  const dir = folder.dir;
  const metaFile = path.join(dir, 'metric.json');
  const meta = readJson(folder, 'metric.json') as Record<string, unknown>;
  const name = meta['name'];
  const database = meta['database'];
  if (typeof name !== 'string' || !NAME.test(name)) throw new ConfigError(`${metaFile}: "name" must be a metric name (letters, digits, _ . -)`);
  if (typeof database !== 'string' || !NAME.test(database)) throw new ConfigError(`${metaFile}: "database" must be a database name (letters, digits, _ . -)`);
  const converter = (meta['converter'] ?? 'points') as ConverterName;
  if (!CONVERTERS.includes(converter)) throw new ConfigError(`${metaFile}: "converter" must be one of ${CONVERTERS.join(', ')}`);
  const fieldTypes = (meta['fieldTypes'] ?? {}) as Record<string, FieldType>;
  for (const [field, type] of Object.entries(fieldTypes)) {
    if (!FIELD_TYPES.includes(type)) throw new ConfigError(`${metaFile}: fieldTypes.${field} must be one of ${FIELD_TYPES.join(', ')}`);
  }
  const gate = readMetricGate(meta, metaFile);
  const schemas = new Map<string, object>();
  const validators = new Map<string, ValidateFunction>();
  for (const file of folder.files().sort()) {
    const m = /^schema-(.+)\.json$/.exec(file);
    if (!m) continue;
    const version = m[1] as string;
    const schema = readJson(folder, file) as object;
    schemas.set(version, schema);
    validators.set(version, compiler.compile(schema, path.join(dir, file)));
  }
  if (schemas.size === 0) throw new ConfigError(`${dir}: no schema-<version>.json file`);
  return Object.freeze({
    name,
    database,
    description: typeof meta['description'] === 'string' ? meta['description'] : '',
    converter,
    fieldTypes: Object.freeze({ ...fieldTypes }),
    versions: [...schemas.keys()],
    gate,
    schema: (version: string) => schemas.get(version),
    validate(version: string, payload: unknown): ErrorDetail[] {
      const validate = validators.get(version);
      if (!validate) return [{ path: '/api_version', message: `unsupported version ${version}` }];
      return validate(payload) ? [] : toDetails(validate.errors, payload);
    },
  });
}

function metricDirs(root: string): MetricFolder[] {
  if (!existsSync(root) || !statSync(root).isDirectory()) throw new ConfigError(`QMB_METRICS_DIR: ${root} is not a folder`);
  return readdirSync(root)
    .sort()
    .map((d) => path.join(root, d))
    .filter((d) => existsSync(path.join(d, 'metric.json')))
    .map(diskFolder);
}

/**
 * Loads and compiles every metric definition once. Metrics in `extraDir` are added to the built-in
 * ones; one with a built-in's name replaces it. The built-in ones are the package's metrics/
 * folder, or in the single-file CLI the copies it carries.
 */
export function loadRegistry(options: { builtinDir?: string; extraDir?: string | undefined } = {}): MetricRegistry {
  const compiler = makeValidators();
  const byName = new Map<string, MetricDefinition>();
  // The bundle's copies unless a folder is named (tests name one); QMB_METRICS_DIR's folders on top.
  const builtin =
    options.builtinDir === undefined && BUNDLED !== undefined
      ? { root: 'the metrics built into qmb.mjs', folders: bundledFolders(BUNDLED.metrics) }
      : { root: options.builtinDir ?? BUILTIN_METRICS_DIR, folders: metricDirs(options.builtinDir ?? BUILTIN_METRICS_DIR) };
  const extra = options.extraDir ? [{ root: options.extraDir, folders: metricDirs(options.extraDir) }] : [];
  for (const { root, folders } of [builtin, ...extra]) {
    const seenHere = new Set<string>();
    for (const folder of folders) {
      const def = loadMetric(folder, compiler);
      if (seenHere.has(def.name)) throw new ConfigError(`${folder.dir}: metric "${def.name}" is defined twice in ${root}`);
      seenHere.add(def.name);
      byName.set(def.name, def);
    }
  }
  // The default order (code units), not localeCompare: the names are ASCII, and the collator's ICU data alone is 2 MB of RSS.
  const sorted = [...byName.keys()].sort().map((name) => byName.get(name) as MetricDefinition);
  return Object.freeze({
    names: () => sorted.map((d) => d.name),
    get: (name: string) => byName.get(name),
    all: () => sorted,
    databases: () => [...new Set(sorted.map((d) => d.database))].sort(),
  });
}
