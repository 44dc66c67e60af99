// GET /cli/qmb.mjs: the single-file producer CLI, for CI jobs that fetch it instead of cloning and building the broker.
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { Type } from '@sinclair/typebox';
import { errors } from '../contract/common.js';
import type { FastifyInstance } from 'fastify';
import { CliNotBuiltError } from '../errors.js';
import { qmbVersion } from '../version.js';

/** dist/cli/qmb.mjs, which scripts/build-cli.mjs writes beside the compiled tree (dist/src/http -> dist/cli). */
export const CLI_BUNDLE_FILE = fileURLToPath(new URL('../../cli/qmb.mjs', import.meta.url));

/** The file as last read, and what identifies that version of it. */
interface Loaded {
  mtimeMs: number;
  size: number;
  body: Buffer;
  etag: string;
}

/** True when If-None-Match names this entity tag (or `*`); weak tags compare by their value. */
function notModified(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  return header.split(',').some((t) => {
    const tag = t.trim().replace(/^W\//, '');
    return tag === '*' || tag === etag;
  });
}

/**
 * Registers GET (and HEAD) /cli/qmb.mjs. No token: it is the package's public code. The file is
 * read again when it changes (a rebuild while the broker runs), and answered with an ETag so that a
 * client holding the same bytes gets 304; without the file, 503 CLI_NOT_BUILT says how to build it.
 */
export function registerCliRoutes(app: FastifyInstance, file: string = CLI_BUNDLE_FILE): void {
  const version = qmbVersion();
  let cached: Loaded | undefined;
  const load = async (): Promise<Loaded> => {
    let st;
    try {
      st = await stat(file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new CliNotBuiltError();
      throw err;
    }
    if (cached !== undefined && cached.mtimeMs === st.mtimeMs && cached.size === st.size) return cached;
    const body = await readFile(file);
    const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 32)}"`;
    cached = { mtimeMs: st.mtimeMs, size: st.size, body, etag };
    return cached;
  };

  app.get(
    '/cli/qmb.mjs',
    {
      schema: {
        tags: ['cli'],
        summary: 'The qmb CLI for CI jobs in one file: validate, push, convert, collect, check',
        description:
          'An ES module for Node 20 or later with no dependency to install: `curl -fsSO $QMB_URL/cli/qmb.mjs && node qmb.mjs check ...`. Built from the same sources as this broker (`X-QMB-Version`, `node qmb.mjs --version`). No token needed; `If-None-Match` with the `ETag` answers 304. 503 `CLI_NOT_BUILT` when the broker was compiled without it (`npm run build` builds it).',
        response: {
          200: { description: 'the CLI; headers ETag, Cache-Control: no-cache, X-QMB-Version', content: { 'text/javascript': { schema: Type.String() } } },
          304: { description: 'the client holds these bytes already (If-None-Match)' },
          ...errors([503], { 503: 'CLI_NOT_BUILT: the broker has no built CLI (npm run build builds it)' }),
        },
      },
    },
    async (request, reply) => {
      const cli = await load();
      // Revalidated on every fetch: after a broker upgrade, jobs get the new CLI at once.
      void reply.header('ETag', cli.etag).header('Cache-Control', 'no-cache').header('X-QMB-Version', version);
      if (notModified(request.headers['if-none-match'], cli.etag)) return reply.code(304).send();
      return reply.type('text/javascript; charset=utf-8').send(cli.body);
    },
  );
}
