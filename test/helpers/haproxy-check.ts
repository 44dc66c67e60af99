// The readiness check of deploy/haproxy/haproxy.cfg, as a pattern to try on /readyz bodies.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT as root } from './repo.js';

/** The `http-check expect rstring` of the shipped HAProxy configuration; throws when there is none. */
export function haproxyReadyPattern(): RegExp {
  const cfg = readFileSync(path.join(root, 'deploy', 'haproxy', 'haproxy.cfg'), 'utf8');
  const expect = /http-check expect rstring "(.*)"/.exec(cfg)?.[1]?.replace(/\\"/g, '"');
  if (!expect) throw new Error('deploy/haproxy/haproxy.cfg has no http-check expect rstring');
  return new RegExp(expect);
}
