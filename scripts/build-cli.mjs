// Builds the single-file producer CLI, dist/cli/qmb.mjs: push, check, collect, convert and validate for
// CI jobs that have Node but no checkout of the broker (the broker serves it at GET /cli/qmb.mjs).
// Usage: node scripts/build-cli.mjs [--outfile FILE]
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ENTRY = path.join(ROOT, 'src', 'cli', 'producer-main.ts');
const argv = process.argv.slice(2);
const outArg = argv.indexOf('--outfile');
const OUTFILE = path.resolve(outArg >= 0 && argv[outArg + 1] ? argv[outArg + 1] : path.join(ROOT, 'dist', 'cli', 'qmb.mjs'));

// eslint-disable-next-line @typescript-eslint/no-unsafe-assignment -- typed by the JSDoc cast, which the rule does not see in plain JS
const { version } = /** @type {{ version: string }} */ (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')));

/** metrics/<name>/metric.json and schema-*.json: what the registry reads, carried as text. */
function builtinMetrics() {
  const root = path.join(ROOT, 'metrics');
  const metrics = {};
  for (const name of readdirSync(root).sort()) {
    const dir = path.join(root, name);
    if (!existsSync(path.join(dir, 'metric.json'))) continue;
    const files = {};
    for (const file of readdirSync(dir).sort()) {
      if (file === 'metric.json' || /^schema-.+\.json$/.test(file)) files[file] = readFileSync(path.join(dir, file), 'utf8');
    }
    metrics[name] = files;
  }
  return metrics;
}

/**
 * Replaces src/bundled.ts (empty in the compiled package) with the version and the metric definitions.
 * @type {import('esbuild').Plugin}
 */
const embed = {
  name: 'qmb-bundled',
  setup(b) {
    b.onLoad({ filter: /[\\/]src[\\/]bundled\.ts$/ }, () => ({
      contents: `export const BUNDLED = ${JSON.stringify({ version, metrics: builtinMetrics() })};\n`,
      loader: 'js',
    }));
  },
};

/** A native addon, or a package that loads one: the bundle must run where none was ever built. */
const NATIVE = /(\.node$|[\\/]node_modules[\\/](better-sqlite3|bindings|node-gyp-build|prebuild-install)[\\/])/;

/**
 * The license texts of the bundled packages, which their licenses ask copies to carry.
 * @param {string[]} inputs
 */
function licenses(inputs) {
  /** @type {Map<string, { name: string; version: string; license: string; text: string }>} */
  const packages = new Map();
  for (const input of inputs) {
    const m = /^(.*node_modules[\\/](?:@[^\\/]+[\\/])?[^\\/]+)[\\/]/.exec(path.resolve(ROOT, input));
    if (!m || packages.has(m[1])) continue;
    const dir = m[1];
    // eslint-disable-next-line @typescript-eslint/no-unsafe-assignment -- typed by the JSDoc cast, which the rule does not see in plain JS
    const pkg = /** @type {{ name: string; version: string; license: string }} */ (JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')));
    const file = readdirSync(dir).find((f) => /^licen[cs]e/i.test(f));
    packages.set(dir, { name: pkg.name, version: pkg.version, license: pkg.license, text: file ? readFileSync(path.join(dir, file), 'utf8') : '' });
  }
  const parts = [...packages.values()]
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((p) => `${p.name} ${p.version} (${p.license})\n\n${p.text.trim()}`.replaceAll('*/', '* /'));
  return `\n/*\nqmb.mjs bundles these packages:\n\n${parts.join('\n\n----\n\n')}\n*/\n`;
}

const started = Date.now();
const result = await build({
  entryPoints: [ENTRY],
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  minify: true,
  write: false,
  metafile: true,
  outfile: OUTFILE,
  logLevel: 'warning',
  plugins: [embed],
  banner: {
    // The packages written as CommonJS call require() for Node's own modules: give them one.
    js: [
      '#!/usr/bin/env node',
      `// qmb ${version}: the producer CLI of the Quality Metrics Broker (validate, push, convert, collect, check) in one file; node qmb.mjs --help`,
      "import { createRequire as __qmbCreateRequire } from 'node:module';",
      'const require = __qmbCreateRequire(import.meta.url);',
    ].join('\n'),
  },
});

const inputs = Object.keys(result.metafile.inputs);
const native = inputs.filter((i) => NATIVE.test(i));
if (native.length > 0) {
  console.error(`build-cli: the bundle would load native code, which CI machines may not have built:\n  ${native.join('\n  ')}`);
  process.exit(1);
}

const [out] = result.outputFiles;
mkdirSync(path.dirname(OUTFILE), { recursive: true });
// Through a temporary file: a broker serving the old bundle never sends half of the new one.
const tmp = `${OUTFILE}.${process.pid}.tmp`;
writeFileSync(tmp, out.text + licenses(inputs), { mode: 0o755 });
renameSync(tmp, OUTFILE);
console.log(`build-cli: ${path.relative(process.cwd(), OUTFILE) || OUTFILE} (${Math.round(out.contents.length / 1024)} KiB, ${Date.now() - started} ms)`);
