// The built-in dashboard: static pages from public/dashboard and uPlot's files from its npm package (no CDN).
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import type { BrokerDeps } from '../broker.js';

/** public/dashboard in the package: dist/src/http -> ../../../public/dashboard. */
export const DASHBOARD_DIR = fileURLToPath(new URL('../../../public/dashboard/', import.meta.url));

/** node_modules/uplot/dist, found the way Node finds the package. */
export function uplotDistDir(): string {
  return path.dirname(createRequire(import.meta.url).resolve('uplot'));
}

/** Serves /dashboard/ (the page needs no token: it logs in through /auth, and reads with the token it gets). */
export function registerDashboardRoutes(app: FastifyInstance, _deps: BrokerDeps): void {
  // Pages, not API: left out of the OpenAPI document (the static routes hide themselves too).
  app.get('/dashboard', { schema: { hide: true } }, async (_request, reply) => reply.redirect('/dashboard/', 302));
  void app.register(fastifyStatic, { root: DASHBOARD_DIR, prefix: '/dashboard/', index: ['index.html'] });
  void app.register(fastifyStatic, {
    root: uplotDistDir(),
    prefix: '/dashboard/vendor/uplot/',
    decorateReply: false,
    allowedPath: (pathName) => /^\/uPlot\.(iife\.min\.js|iife\.js|esm\.js|min\.css)$/.test(pathName),
  });
}
