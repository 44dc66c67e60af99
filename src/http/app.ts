// The app factory: a Fastify server with every route, not yet listening.
import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import type { BrokerDeps } from '../broker.js';
import {
  BodyTooLargeError,
  BrokerError,
  InternalError,
  InvalidJsonError,
  InvalidRequestError,
  NotFoundError,
  RateLimitedError,
  RequestRefusedError,
  ShuttingDownError,
  UnsupportedMediaTypeError,
  errorBody,
} from '../errors.js';
import { JsonBody } from '../ingest/json.js';
import { AcceptStamp } from '../ingest/stamp.js';
import { toDetails } from '../metrics/schema-errors.js';
import { registerApiDoc, registerApiDocRoute } from './api-doc.js';
import { registerCatalogRoutes } from './catalog-routes.js';
import { registerCheckRoutes } from './check-routes.js';
import { registerCliRoutes } from './cli-routes.js';
import { registerDashboardRoutes } from './dashboard-routes.js';
import { registerIngestRoutes } from './ingest-routes.js';
import { IngestSlots } from './ingest-slots.js';
import { registerLegacyRoutes } from './legacy-routes.js';
import { registerOpsRoutes } from './ops-routes.js';
import { registerReadRoutes } from './read-routes.js';
import type { TlsFiles } from './tls.js';
import { invalidRequest, requestValidator } from './validation.js';

export interface AppOptions {
  /** A pino logger; none means silent. */
  logger?: FastifyBaseLogger;
  /** Certificate and key: the server speaks HTTPS only (see loadTls). */
  https?: TlsFiles;
}

/** The body size a request announced, when it did (a chunked body has no Content-Length). */
function contentLength(header: string | string[] | undefined): number | undefined {
  return typeof header === 'string' && /^\d+$/.test(header) ? Number(header) : undefined;
}

/**
 * A request that breaks its route's schema: INVALID_REQUEST with every problem, located by a JSON
 * Pointer into the body (routes that validate theirs), or by the parameter's name in the query
 * string and path.
 */
function validationError(err: FastifyError, request: FastifyRequest): InvalidRequestError {
  const errors = err.validation ?? [];
  if (err.validationContext !== 'body') return invalidRequest(errors);
  const details = toDetails(errors, request.body);
  const first = details[0];
  const more = details.length > 1 ? ` (and ${details.length - 1} more)` : '';
  return new InvalidRequestError(`request body is not valid: ${first ? `${first.path || '/'}: ${first.message}` : err.message}${more}`, details);
}

/** Maps any error to the broker's JSON error body and status. */
function toBrokerError(err: FastifyError | Error, maxBodyBytes: number, bodySize: number | undefined): BrokerError | undefined {
  if (err instanceof BrokerError) return err;
  const code = (err as FastifyError).code;
  const status = (err as FastifyError).statusCode;
  if (code === 'FST_ERR_CTP_BODY_TOO_LARGE' || status === 413) return new BodyTooLargeError(maxBodyBytes, bodySize);
  if (code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' || status === 415) return new UnsupportedMediaTypeError(undefined);
  if (code === 'FST_ERR_CTP_EMPTY_JSON_BODY') return new InvalidJsonError('the body is empty');
  if (code === 'FST_ERR_CTP_INVALID_CONTENT_LENGTH') return new InvalidJsonError('the body does not match Content-Length');
  if (status === 429) return new RateLimitedError(60, 'requests');
  if (status !== undefined && status >= 400 && status < 500) return new RequestRefusedError(status, err.message);
  return undefined;
}

/** Builds the HTTP app over the given collaborators. Only main.ts and the CLI listen. */
export async function buildApp(deps: BrokerDeps, options: AppOptions = {}): Promise<FastifyInstance> {
  const { config } = deps;
  // With `https` Fastify builds an https.Server; the routes and hooks are the same, so the app is
  // typed as the plain one.
  const app = Fastify({
    ...(options.https ? { https: options.https } : {}),
    ...(options.logger ? { loggerInstance: options.logger } : { logger: false }),
    bodyLimit: config.maxBodyBytes,
    genReqId: () => randomUUID(),
    requestIdHeader: false,
    forceCloseConnections: 'idle',
    // Errors Fastify meets before routing (a malformed URL, say) get the broker's error body too.
    frameworkErrors: (err, request, reply) => {
      const refused = new RequestRefusedError(err.statusCode ?? 400, err.message);
      void (reply as unknown as FastifyReply).code(refused.status).header('X-Request-Id', request.id).send(errorBody(refused));
    },
    // Requests arriving while the server closes get the broker's own 503 (hook below).
    return503OnClosing: false,
  });

  app.removeContentTypeParser(['application/json', 'text/plain']);
  // The bytes, not a decoded string: decoding would turn invalid UTF-8 into U+FFFD unnoticed.
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_req, body, done) => {
    try {
      done(null, JsonBody.parseBytes(body as Buffer));
    } catch (err) {
      done(err as Error, undefined);
    }
  });
  // Anything else is answered 415 by the routes that take a body.
  app.addContentTypeParser('*', (_req, _payload, done) => done(null, undefined));

  app.setValidatorCompiler(requestValidator());
  // Answers are written by JSON.stringify, as without schemas: a response schema documents the
  // answer (a test checks answers against it) but must not drop or coerce a property silently.
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  await registerApiDoc(app);

  await app.register(rateLimit, { global: false });

  // Once closing starts, answers end their connection: a kept-alive connection would hold the
  // server open until the client's keep-alive timeout.
  let closing = false;
  // Flagged when close() is called, not in a preClose hook: with an onReady hook in the app (the
  // OpenAPI generator has one) Fastify runs preClose a few ticks later, and a request dispatched
  // in between would be served as if nothing were closing.
  const fastifyClose = app.close.bind(app);
  app.close = ((listener?: () => void) => {
    closing = true;
    return listener ? fastifyClose(listener) : fastifyClose();
  }) as typeof app.close;
  app.addHook('onRequest', (_request, _reply, done) => {
    done(closing ? new ShuttingDownError() : undefined);
  });
  app.addHook('onSend', async (request, reply) => {
    reply.header('X-Request-Id', request.id);
    if (closing) reply.header('Connection', 'close');
  });
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    deps.telemetry.requests.inc({ route, method: request.method, status: String(reply.statusCode) });
    deps.telemetry.requestDuration.observe({ route }, reply.elapsedTime / 1000);
  });

  app.setErrorHandler((err, request, reply) => {
    const known = (err as FastifyError).validation
      ? validationError(err as FastifyError, request)
      : toBrokerError(err as Error, config.maxBodyBytes, contentLength(request.headers['content-length']));
    const brokerError = known ?? new InternalError();
    if (!known) request.log.error({ err }, 'unhandled error');
    const status = request.routeOptions.config?.legacy ? brokerError.legacyStatus : brokerError.status;
    void reply.code(status).headers(brokerError.headers).send(errorBody(brokerError, status));
  });
  app.setNotFoundHandler((request, reply) => {
    const err = new NotFoundError(`route ${request.method} ${request.url.split('?')[0]}`);
    void reply.code(404).send(errorBody(err));
  });

  const stamp = new AcceptStamp(deps.clock);
  const slots = new IngestSlots(config.ingestConcurrency);
  deps.telemetry.observeIngestSlots(slots);
  registerLegacyRoutes(app, deps, stamp, slots);
  registerIngestRoutes(app, deps, stamp, slots);
  registerCatalogRoutes(app, deps);
  registerOpsRoutes(app, deps);
  registerReadRoutes(app, deps);
  registerDashboardRoutes(app, deps);
  registerCheckRoutes(app, deps);
  registerApiDocRoute(app);
  registerCliRoutes(app);
  return app;
}
