// The older broker's routes, kept for existing CI scripts: GET /, POST /auth, POST /.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { verifyPassword } from '../auth/password.js';
import type { BrokerDeps } from '../broker.js';
import { AuthErrorSchema, ErrorSchema, WRITE_SECURITY, described, errors, ref } from '../contract/common.js';
import { InfoAnswer, LoginBody, TokenAnswer } from '../contract/legacy.js';
import { PayloadSchema } from '../contract/payload.js';
import { InvalidCredentialsError, RateLimitedError, UnsupportedMediaTypeError } from '../errors.js';
import type { AcceptStamp } from '../ingest/stamp.js';
import type { IngestSlots } from './ingest-slots.js';
import { acceptRequest } from './accept.js';
import { documentedBody } from './api-doc.js';
import { authenticate } from './auth-hook.js';

// Verified against when the user does not exist, so both cases take the same time.
const DUMMY_HASH = 'scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';

export function registerLegacyRoutes(app: FastifyInstance, deps: BrokerDeps, stamp: AcceptStamp, slots: IngestSlots): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();

  r.get('/', { schema: { tags: ['legacy'], summary: 'Broker identification', response: { 200: InfoAnswer, ...errors([]) } } }, () => ({
    type: 'INFO' as const,
    data: 'Quality Metrics' as const,
  }));

  r.post(
    '/auth',
    {
      config: {
        rateLimit: {
          max: deps.config.authRateLimit,
          timeWindow: 60_000,
          errorResponseBuilder: (_req, ctx) => new RateLimitedError(Math.max(1, Math.ceil(ctx.ttl / 1000)), 'login attempts'),
        },
      },
      schema: {
        tags: ['legacy'],
        summary: 'Log in: a JWT for a username and password',
        body: documentedBody(LoginBody),
        response: {
          200: TokenAnswer,
          401: described(ref(AuthErrorSchema), 'Invalid credentials (also for a missing or malformed body, as the older broker answered)'),
          ...errors([415, 429]),
        },
      },
    },
    async (request) => {
      if (request.body === undefined && request.headers['content-type'] && !request.headers['content-type'].includes('json')) {
        throw new UnsupportedMediaTypeError(request.headers['content-type']);
      }
      const plain = request.body?.plain;
      const body = plain && typeof plain === 'object' ? (plain as Record<string, unknown>) : undefined;
      const username = body?.['username'];
      const password = body?.['password'];
      if (typeof username !== 'string' || typeof password !== 'string') throw new InvalidCredentialsError();
      const user = deps.users.byName(username);
      const ok = await verifyPassword(password, user?.password ?? DUMMY_HASH);
      if (!user || !ok) throw new InvalidCredentialsError();
      return { access_token: await deps.tokens.issue(user.id) };
    },
  );

  r.post(
    '/',
    {
      config: { legacy: true },
      onRequest: authenticate(deps.tokens, deps.users),
      preParsing: slots.hook,
      schema: {
        tags: ['legacy'],
        summary: "Ingest one payload (the older broker's status codes)",
        security: WRITE_SECURITY,
        body: documentedBody(ref(PayloadSchema)),
        response: {
          204: Type.Null({ description: 'accepted (durably journaled); header X-Submission-Id' }),
          ...errors([400, 403, 413, 415, 429, 503, 507], { 400: "the payload breaks its metric's schema, or is not JSON" }),
          401: Type.Union([ref(AuthErrorSchema), ref(ErrorSchema)], {
            description: "no valid token, or the envelope is incomplete, the metric unknown or the version unsupported (the older broker's codes)",
          }),
        },
      },
    },
    async (request, reply) => {
      const submission = await acceptRequest(deps, stamp, slots, request);
      return reply.code(204).header('X-Submission-Id', String(submission.id)).send(null);
    },
  );
}
