// The OpenAPI document, generated from the route schemas (@fastify/swagger) and served at /api/v1/openapi.json.
import swagger from '@fastify/swagger';
import { type TSchema, type TUnsafe, Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifySchema } from 'fastify';
import { AuthErrorSchema, ErrorSchema, errors } from '../contract/common.js';
import { PayloadSchema } from '../contract/payload.js';
import { PATTERN_PARAMETERS } from '../contract/read.js';
import { RejectedSubmissionSchema, SubmissionSchema } from '../contract/submission.js';
import type { JsonBody } from '../ingest/json.js';

/** Schemas the routes refer to by $id: the document names each once, under components. */
const SHARED = [ErrorSchema, AuthErrorSchema, PayloadSchema, SubmissionSchema, RejectedSubmissionSchema];

/**
 * A request body for the document only: no body is checked against its route schema (see
 * requestValidator), and the route gets what the content parser made of it: the lossless JsonBody,
 * or undefined for a content type that is not JSON. That is its type.
 */
export function documentedBody(schema: TSchema): TUnsafe<JsonBody | undefined> {
  return Type.Unsafe<JsonBody | undefined>(schema);
}

type Querystring = { properties?: Record<string, unknown>; patternProperties?: Record<string, unknown> };

/**
 * Query parameters matched by a pattern (`tag.<key>`) become one documented parameter each
 * (`tag.{key}`): OpenAPI lists parameters by name, and the plugin skips patternProperties.
 */
function documentPatternParameters({ schema, url }: { schema: FastifySchema; url: string }): { schema: FastifySchema; url: string } {
  const qs = schema?.querystring as Querystring | undefined;
  if (!qs?.patternProperties) return { schema, url };
  const { patternProperties, ...rest } = qs;
  const named = Object.fromEntries(Object.entries(patternProperties).map(([pattern, s]) => [PATTERN_PARAMETERS[pattern] ?? pattern, s]));
  return { schema: { ...schema, querystring: { ...rest, properties: { ...rest.properties, ...named } } }, url };
}

/** Registers the shared schemas and the generator; call before any route, which it must see. */
export async function registerApiDoc(app: FastifyInstance): Promise<void> {
  for (const s of SHARED) app.addSchema(s);
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Quality Metrics Broker',
        version: '1.0',
        description:
          'Receives quality metrics from CI jobs, validates them, stores them durably in InfluxDB or an embedded store, and reads them back for charts. Every error body is `{"data", "error_code", "code", "errors"}`; every response carries `X-Request-Id`. This document is generated from the schemas the routes validate their parameters with.',
      },
      servers: [{ url: '/' }],
      tags: [
        { name: 'legacy', description: 'Routes of the older broker, kept for existing CI scripts' },
        { name: 'ingest', description: 'Sending payloads and following what became of them' },
        { name: 'catalog', description: 'The metrics this broker knows' },
        { name: 'read', description: 'Reading stored points (same answers on InfluxDB and the embedded store)' },
        { name: 'ops', description: 'Health, readiness and Prometheus metrics' },
      ],
      components: {
        securitySchemes: {
          jwt: { type: 'apiKey', in: 'header', name: 'Authorization', description: '`JWT <token>` or `Bearer <token>`, from POST /auth or `qmb token NAME`' },
        },
      },
    },
    // Components keep the names of the shared schemas (Error, Submission, ...) instead of def-N.
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json['$id'] === 'string' ? json['$id'] : `def-${i}`) },
    transform: documentPatternParameters,
  });
}

/** `GET /api/v1/openapi.json`: the document of every route registered. */
export function registerApiDocRoute(app: FastifyInstance): void {
  app.get(
    '/api/v1/openapi.json',
    {
      schema: {
        tags: ['read'],
        summary: 'This description (OpenAPI 3, generated from the route schemas)',
        response: { 200: Type.Object({ openapi: Type.String(), info: Type.Object({}), paths: Type.Object({}) }, { description: 'OpenAPI 3 document' }), ...errors([]) },
      },
    },
    () => app.swagger(),
  );
}
