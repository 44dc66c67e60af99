// The OpenAPI 3 description of the whole HTTP API (write and read side), served at /api/v1/openapi.json.

type Json = Record<string, unknown>;

const ref = (name: string): Json => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: Json, description: string): Json => ({ description, content: { 'application/json': { schema } } });
const errors = (...statuses: number[]): Json =>
  Object.fromEntries(statuses.map((s) => [String(s), { $ref: `#/components/responses/E${s}` }]));
const query = (name: string, description: string, schema: Json = { type: 'string' }, required = false): Json => ({
  name,
  in: 'query',
  required,
  description,
  schema,
});
const path = (name: string, description: string): Json => ({ name, in: 'path', required: true, description, schema: { type: 'string' } });
const readAuth = { security: [{ jwt: [] }, {}] };
const writeAuth = { security: [{ jwt: [] }] };
const dbParam = path('db', 'database name, e.g. TFA_ImageSize');
const measurementParam = (required: boolean): Json =>
  query('measurement', required ? 'measurement name' : 'limit the answer to one measurement', { type: 'string' }, required);
const tagParam: Json = {
  name: 'tag.{key}',
  in: 'query',
  description:
    'tag filter, e.g. tag.BinMode=Debug; repeat a key for alternatives (OR); different keys must all match (AND); an empty value matches points without the tag',
  schema: { type: 'string' },
};
const rangeParams = [
  query('from', 'inclusive start: RFC 3339, a date (YYYY-MM-DD) or integer nanoseconds (-9223372036854775806..9223372036854775806); default the epoch'),
  query('to', 'exclusive end, same forms; default 2100-01-01'),
];

const tags = (description: string, tag: string, extra: Json = {}): Json => ({ tags: [tag], summary: description, ...extra });

export const OPENAPI: Json = {
  openapi: '3.0.3',
  info: {
    title: 'Quality Metrics Broker',
    version: '1.0',
    description:
      'Receives quality metrics from CI jobs, validates them, stores them durably in InfluxDB or an embedded store, and reads them back for charts. Every error body is `{"data", "error_code", "code", "errors"}`; every response carries `X-Request-Id`.',
  },
  servers: [{ url: '/' }],
  tags: [
    { name: 'legacy', description: 'Routes of the older broker, kept for existing CI scripts' },
    { name: 'ingest', description: 'Sending payloads and following what became of them' },
    { name: 'catalog', description: 'The metrics this broker knows' },
    { name: 'read', description: 'Reading stored points (same answers on InfluxDB and the embedded store)' },
    { name: 'ops', description: 'Health, readiness and Prometheus metrics' },
  ],
  paths: {
    '/': {
      get: tags('Broker identification', 'legacy', {
        responses: { '200': json({ type: 'object', properties: { type: { type: 'string', example: 'INFO' }, data: { type: 'string', example: 'Quality Metrics' } } }, 'the broker answers') },
      }),
      post: tags('Ingest one payload (legacy status codes)', 'legacy', {
        ...writeAuth,
        requestBody: { required: true, content: { 'application/json': { schema: ref('Payload') } } },
        responses: {
          '204': { description: 'accepted (durably journaled); header X-Submission-Id' },
          '400': { $ref: '#/components/responses/E400' },
          '401': { description: 'no valid token, or envelope incomplete / metric unknown / version unsupported (older broker\'s codes)', content: { 'application/json': { schema: ref('Error') } } },
          ...errors(403, 413, 415, 429, 503, 507),
        },
      }),
    },
    '/auth': {
      post: tags('Log in: a JWT for a username and password', 'legacy', {
        requestBody: {
          required: true,
          content: { 'application/json': { schema: { type: 'object', required: ['username', 'password'], properties: { username: { type: 'string' }, password: { type: 'string' } } } } },
        },
        responses: {
          '200': json({ type: 'object', properties: { access_token: { type: 'string', description: 'HS256 JWT; send as `Authorization: JWT <token>` or `Bearer <token>`' } } }, 'a token'),
          '401': { description: 'Invalid credentials', content: { 'application/json': { schema: ref('AuthError') } } },
          ...errors(429),
        },
      }),
    },
    '/api/v1/metrics': {
      post: tags('Ingest one payload', 'ingest', {
        ...writeAuth,
        parameters: [query('wait', 'seconds (0..300) to wait for delivery to the database', { type: 'number', minimum: 0, maximum: 300 })],
        requestBody: { required: true, content: { 'application/json': { schema: ref('Payload') } } },
        responses: {
          '201': json(ref('Submission'), 'with ?wait: delivered within the wait'),
          '202': json(ref('Submission'), 'accepted, delivery pending; Location: /api/v1/submissions/{id}'),
          '409': json(ref('Error'), 'FIELD_TYPE_CONFLICT: a field has another type than the store holds in that shard (nothing stored); with ?wait, DATABASE_REJECTED: the database refused the points'),
          ...errors(400, 401, 403, 413, 415, 429, 503, 507),
        },
      }),
      get: tags('The metrics this broker knows', 'catalog', {
        responses: {
          '200': json(
            {
              type: 'object',
              properties: {
                metrics: {
                  type: 'array',
                  items: {
                    type: 'object',
                    properties: {
                      name: { type: 'string' },
                      api_versions: { type: 'array', items: { type: 'string' } },
                      database: { type: 'string' },
                      description: { type: 'string' },
                      field_types: { type: 'object', additionalProperties: { type: 'string' } },
                    },
                  },
                },
              },
            },
            'the metric catalogue',
          ),
        },
      }),
    },
    '/api/v1/validate': {
      post: tags('Dry run: validate and convert, store nothing', 'ingest', {
        ...writeAuth,
        requestBody: { required: true, content: { 'application/json': { schema: ref('Payload') } } },
        responses: {
          '200': json(
            {
              type: 'object',
              properties: {
                valid: { type: 'boolean' },
                metric: { type: 'string' },
                api_version: { type: 'string' },
                database: { type: 'string' },
                points: { type: 'array', items: { type: 'object' }, description: 'one per series and time: repeats are merged, as the store would' },
                duplicates: { type: 'integer', description: 'items that repeated an earlier item\'s series and time (merged into it)' },
                duplicate_items: { type: 'array', items: { type: 'integer' }, description: 'the first 10 of those items\' indexes in data' },
                line_protocol: { type: 'string' },
              },
            },
            'the points that would be written',
          ),
          '409': json(ref('Error'), 'FIELD_TYPE_CONFLICT, with `valid: false`: ingest would refuse it (a 400 TAG_VALUES_LIMIT has it too)'),
          ...errors(400, 401, 403, 413, 415),
        },
      }),
    },
    '/api/v1/submissions': {
      get: tags('Recent submissions, newest first', 'ingest', {
        ...writeAuth,
        parameters: [
          query('status', 'only this status', { type: 'string', enum: ['pending', 'delivered', 'rejected'] }),
          query('limit', 'at most this many (1..1000, default 100)', { type: 'integer', minimum: 1, maximum: 1000 }),
          query('before', 'only ids below this one (paging)', { type: 'integer' }),
        ],
        responses: {
          '200': json(
            { type: 'object', properties: { submissions: { type: 'array', items: ref('Submission') }, counts: { type: 'object', additionalProperties: { type: 'integer' } } } },
            'submissions and counts by status',
          ),
          ...errors(400, 401),
        },
      }),
    },
    '/api/v1/submissions/{id}': {
      get: tags('What became of an accepted payload', 'ingest', {
        ...writeAuth,
        parameters: [path('id', 'submission id')],
        responses: { '200': json(ref('Submission'), 'the submission'), ...errors(401, 404) },
      }),
    },
    '/api/v1/submissions/{id}/retry': {
      post: tags('Deliver a rejected submission again', 'ingest', {
        ...writeAuth,
        parameters: [path('id', 'submission id')],
        responses: { '200': json(ref('Submission'), 'pending again'), ...errors(400, 401, 404) },
      }),
    },
    '/api/v1/metrics/{name}/schema': {
      get: tags("A metric's JSON Schema", 'catalog', {
        parameters: [path('name', 'metric name, e.g. tfa_image_size'), query('version', 'API version; default the newest')],
        responses: { '200': { description: 'the JSON Schema', content: { 'application/schema+json': { schema: { type: 'object' } } } }, ...errors(404) },
      }),
    },
    '/api/v1/openapi.json': {
      get: tags('This description', 'read', { responses: { '200': json({ type: 'object' }, 'OpenAPI 3 document') } }),
    },
    '/api/v1/databases': {
      get: tags('Databases that hold points', 'read', {
        ...readAuth,
        responses: { '200': json({ type: 'object', properties: { databases: { type: 'array', items: { type: 'string' } } } }, 'database names, sorted'), ...errors(401) },
      }),
    },
    '/api/v1/databases/{db}/measurements': {
      get: tags('Measurements of a database', 'read', {
        ...readAuth,
        parameters: [dbParam],
        responses: {
          '200': json({ type: 'object', properties: { database: { type: 'string' }, measurements: { type: 'array', items: { type: 'string' } } } }, 'measurement names, sorted'),
          ...errors(401, 404),
        },
      }),
    },
    '/api/v1/databases/{db}/tags': {
      get: tags('Tag keys, optionally of one measurement', 'read', {
        ...readAuth,
        parameters: [dbParam, measurementParam(false)],
        responses: {
          '200': json(
            { type: 'object', properties: { database: { type: 'string' }, measurement: { type: 'string', nullable: true }, tag_keys: { type: 'array', items: { type: 'string' } } } },
            'tag keys, sorted',
          ),
          ...errors(401, 404),
        },
      }),
    },
    '/api/v1/databases/{db}/tags/{key}': {
      get: tags('Values of one tag, optionally within one measurement and other tag filters', 'read', {
        ...readAuth,
        parameters: [dbParam, path('key', 'tag key'), measurementParam(false), tagParam],
        responses: {
          '200': json(
            {
              type: 'object',
              properties: { database: { type: 'string' }, measurement: { type: 'string', nullable: true }, key: { type: 'string' }, values: { type: 'array', items: { type: 'string' } } },
            },
            'tag values, sorted',
          ),
          ...errors(401, 404),
        },
      }),
    },
    '/api/v1/databases/{db}/fields': {
      get: tags('Field keys with their types', 'read', {
        ...readAuth,
        parameters: [dbParam, measurementParam(false)],
        responses: {
          '200': json(
            { type: 'object', properties: { database: { type: 'string' }, measurement: { type: 'string', nullable: true }, fields: { type: 'array', items: ref('FieldKey') } } },
            'fields sorted by measurement and name',
          ),
          ...errors(401, 404),
        },
      }),
    },
    '/api/v1/databases/{db}/series': {
      get: tags('Fields of a measurement over time, raw or aggregated per bucket, grouped by a tag', 'read', {
        ...readAuth,
        parameters: [
          dbParam,
          measurementParam(true),
          { ...query('field', 'field to return; repeat for several', { type: 'array', items: { type: 'string' } }, true), style: 'form', explode: true },
          ...rangeParams,
          tagParam,
          query('group_by', 'one series per value of this tag'),
          query('aggregate', 'per-bucket aggregate; raw (default) returns every point', { type: 'string', enum: ['raw', 'last', 'max', 'mean', 'sum'] }),
          query('interval', 'bucket width with an aggregate: 1w, 1d, 6h, 30m, 60s or seconds; buckets are aligned to the epoch'),
          query('order', 'time order', { type: 'string', enum: ['asc', 'desc'] }),
          query('limit', 'at most this many rows per series (1..1000000, default 100000); a longer series is cut and the answer says truncated: true', {
            type: 'integer',
            minimum: 1,
            maximum: 1000000,
            default: 100000,
          }),
        ],
        responses: { '200': json(ref('SeriesAnswer'), 'one entry per group'), ...errors(400, 401, 404) },
      }),
    },
    '/api/v1/databases/{db}/rows': {
      get: tags('Points with all their tags, for tables', 'read', {
        ...readAuth,
        parameters: [
          dbParam,
          measurementParam(true),
          { ...query('field', 'fields to return (repeat); default all', { type: 'array', items: { type: 'string' } }), style: 'form', explode: true },
          ...rangeParams,
          tagParam,
          query('order', 'time order', { type: 'string', enum: ['asc', 'desc'] }),
          query('limit', 'at most this many rows (1..1000000, default 100000); a longer answer is cut and says truncated: true', {
            type: 'integer',
            minimum: 1,
            maximum: 1000000,
            default: 100000,
          }),
        ],
        responses: {
          '200': json(
            {
              type: 'object',
              properties: {
                database: { type: 'string' },
                measurement: { type: 'string' },
                rows: { type: 'array', items: ref('Row') },
                truncated: { type: 'boolean', description: 'more points matched than the limit (given or the default 100000); only the first ones are here' },
              },
            },
            'rows sorted by time',
          ),
          ...errors(400, 401, 404),
        },
      }),
    },
    '/healthz': { get: tags('Liveness', 'ops', { responses: { '200': json({ type: 'object', properties: { status: { type: 'string' } } }, 'the process answers') } }) },
    '/readyz': {
      get: tags('Readiness: journal writable, sink reachable', 'ops', {
        responses: {
          '200': json({ type: 'object', properties: { ready: { type: 'boolean' }, checks: { type: 'object' } } }, 'ready'),
          '503': json({ type: 'object', properties: { ready: { type: 'boolean' }, checks: { type: 'object' } } }, 'not ready, with detail'),
        },
      }),
    },
    '/metrics': {
      get: tags('Prometheus metrics', 'ops', { responses: { '200': { description: 'text exposition format', content: { 'text/plain': { schema: { type: 'string' } } } } } }),
    },
    '/dashboard/': {
      get: tags('The built-in dashboard (HTML)', 'read', { responses: { '200': { description: 'HTML page', content: { 'text/html': { schema: { type: 'string' } } } } } }),
    },
  },
  components: {
    securitySchemes: {
      jwt: { type: 'apiKey', in: 'header', name: 'Authorization', description: '`JWT <token>` or `Bearer <token>`, from POST /auth or `qmb token NAME`' },
    },
    schemas: {
      Payload: {
        type: 'object',
        required: ['api_version', 'metadata', 'data'],
        properties: {
          api_version: { type: 'string', example: '1.0' },
          metadata: { type: 'object', required: ['metrics'], properties: { metrics: { type: 'string', example: 'tfa_code_churn' } } },
          data: { type: 'array', minItems: 1, items: { type: 'object' } },
        },
        description: 'See GET /api/v1/metrics/{name}/schema for the schema of each metric',
      },
      Submission: {
        type: 'object',
        properties: {
          id: { type: 'integer' },
          status: { type: 'string', enum: ['pending', 'delivered', 'rejected'] },
          metric: { type: 'string' },
          api_version: { type: 'string' },
          database: { type: 'string' },
          points: { type: 'integer', description: 'points stored: one per series and time' },
          duplicates: { type: 'integer', description: 'items that repeated an earlier item\'s series and time (merged into it)' },
          duplicate_items: { type: 'array', items: { type: 'integer' }, description: 'the first 10 of those items\' indexes in data' },
          attempts: { type: 'integer' },
          last_error: { type: 'string', nullable: true },
          user_id: { type: 'integer' },
          received_at: { type: 'string', format: 'date-time' },
          delivered_at: { type: 'string', format: 'date-time', nullable: true },
          updated_at: { type: 'string', format: 'date-time' },
        },
      },
      Error: {
        type: 'object',
        required: ['data', 'error_code', 'code', 'errors'],
        properties: {
          data: { type: 'string', description: 'one-line message' },
          error_code: { type: 'integer', description: 'HTTP status' },
          code: { type: 'string', description: 'stable UPPER_SNAKE code' },
          errors: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                path: { type: 'string', description: 'JSON Pointer' },
                message: { type: 'string' },
                offset: { type: 'integer', description: 'byte offset into the body (INVALID_ENCODING, JSON_TOO_DEEP)' },
              },
            },
          },
        },
      },
      AuthError: {
        allOf: [ref('Error'), { type: 'object', properties: { description: { type: 'string' }, error: { type: 'string' }, status_code: { type: 'integer' } } }],
      },
      FieldKey: {
        type: 'object',
        properties: { measurement: { type: 'string' }, field: { type: 'string' }, type: { type: 'string', enum: ['integer', 'float', 'string', 'boolean'] } },
      },
      SeriesAnswer: {
        type: 'object',
        properties: {
          database: { type: 'string' },
          measurement: { type: 'string' },
          fields: { type: 'array', items: { type: 'string' } },
          aggregate: { type: 'string', nullable: true },
          interval_seconds: { type: 'integer', nullable: true },
          group_by: { type: 'string', nullable: true },
          series: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                tags: { type: 'object', additionalProperties: { type: 'string' }, description: 'the group_by tag and its value; {} when not grouped' },
                columns: { type: 'array', items: { type: 'string' }, description: '"time", then the fields' },
                values: {
                  type: 'array',
                  items: { type: 'array', items: {}, description: 'time in nanoseconds as a decimal string, then field values (null when absent)' },
                },
              },
            },
          },
          truncated: { type: 'boolean', description: 'some series had more rows than the limit (given or the default 100000); only its first ones are here' },
        },
      },
      Row: {
        type: 'object',
        properties: {
          time: { type: 'string', description: 'nanoseconds since the epoch, decimal' },
          tags: { type: 'object', additionalProperties: { type: 'string' } },
          fields: { type: 'object', additionalProperties: {} },
        },
      },
    },
    responses: Object.fromEntries(
      [
        [400, 'invalid request or payload (every violation listed with a JSON Pointer), or TAG_VALUES_LIMIT: a tag would pass QMB_MAX_VALUES_PER_TAG'],
        [401, 'no valid token'],
        [403, 'the user may not write this metric'],
        [404, 'not found'],
        [413, 'body larger than QMB_MAX_BODY_BYTES'],
        [415, 'content type is not JSON'],
        [429, 'too many requests; see Retry-After'],
        [503, 'journal full or shutting down; see Retry-After'],
        [507, "the broker's disk is full (STORAGE_FULL): nothing stored; see Retry-After"],
      ].map(([status, description]) => [`E${status}`, json(ref(status === 401 ? 'AuthError' : 'Error'), String(description))]),
    ),
  },
};
