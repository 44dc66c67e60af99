// Every package `npm ci` installs supports the Node 20 that package.json and the Dockerfile promise (no EBADENGINE).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import semver from 'semver';
import { REPO_ROOT as root } from '../helpers/repo.js';

const readJson = (file: string): Record<string, unknown> => JSON.parse(readFileSync(path.join(root, file), 'utf8')) as Record<string, unknown>;

const ours = (readJson('package.json')['engines'] as { node: string }).node;
const lowest = semver.minVersion(ours);
assert.ok(lowest, `package.json engines.node "${ours}" has no lowest version`);
/** The Node 20 releases package.json admits: what the Docker image and the CI machine run. */
const node20 = `>=${lowest.version} <21.0.0-0`;

test('package.json admits Node 20 and the Dockerfile runs Node 20', () => {
  assert.equal(lowest.major, 20, `engines.node "${ours}" should start at Node 20`);
  const image = /ARG NODE_IMAGE=node:(\d+\.\d+\.\d+)/.exec(readFileSync(path.join(root, 'deploy', 'Dockerfile'), 'utf8'));
  assert.ok(image, 'the Dockerfile pins a node image');
  assert.ok(semver.satisfies(image[1] ?? '', node20), `the Docker image's Node ${image[1]} is outside ${node20}`);
});

test('no locked package declares engines.node that excludes Node 20', () => {
  const packages = readJson('package-lock.json')['packages'] as Record<string, { version?: string; engines?: unknown }>;
  const excluding: string[] = [];
  for (const [where, pkg] of Object.entries(packages)) {
    // npm also accepts engines as an array of strings; only the object form can name node.
    const node = pkg.engines && typeof pkg.engines === 'object' && !Array.isArray(pkg.engines) ? (pkg.engines as Record<string, unknown>)['node'] : undefined;
    if (typeof node !== 'string') continue;
    if (!semver.validRange(node) || !semver.subset(node20, node)) excluding.push(`${where || '(root)'}@${pkg.version}: node ${node}`);
  }
  assert.deepEqual(excluding, [], `packages that npm ci would warn about (EBADENGINE) on Node ${node20}`);
});

test('the installed tree matches the lock for those packages', () => {
  // A stale node_modules could hide the lock's choice; check what is really installed.
  const packages = readJson('package-lock.json')['packages'] as Record<string, { version?: string; optional?: boolean }>;
  for (const [where, pkg] of Object.entries(packages)) {
    if (!where || pkg.optional) continue;
    let installed: { version?: string; engines?: { node?: string } };
    try {
      installed = readJson(path.join(where, 'package.json'));
    } catch {
      continue; // not installed here (e.g. a dev-only package pruned away)
    }
    const node = installed.engines?.node;
    if (typeof node === 'string' && semver.validRange(node)) {
      assert.ok(semver.subset(node20, node), `${where}@${installed.version} installed with engines.node ${node}`);
    }
  }
});
