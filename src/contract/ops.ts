// Liveness and readiness answers.
import { type TProperties, Type } from '@sinclair/typebox';

/** Liveness: the process answers. */
export const HealthAnswer = Type.Object({ status: Type.Literal('ok') }, { additionalProperties: false, description: 'the process answers' });

const check = <P extends TProperties>(properties: P) =>
  Type.Object({ ok: Type.Boolean(), detail: Type.String(), ...properties }, { additionalProperties: false });

/** Readiness: journal writable, disk room, the store reachable and taking writes. */
export const ReadyAnswer = Type.Object(
  {
    ready: Type.Boolean(),
    checks: Type.Object(
      {
        journal: check({
          kind: Type.Union([Type.Literal('sqlite'), Type.Literal('postgres')], { description: 'QMB_JOURNAL_URL set: postgres' }),
          synchronous: Type.Optional(Type.Boolean({ description: 'postgres: a commit (and so a 2xx) waits for a synchronous standby' })),
          sync_standbys: Type.Optional(Type.Integer({ description: 'postgres: synchronous standbys streaming now' })),
          pending_submissions: Type.Integer(),
          pending_points: Type.Integer(),
          limit_points: Type.Integer(),
        }),
        storage: check({ free_bytes: Type.Integer(), min_free_bytes: Type.Integer() }),
        sink: check({
          failing_for_seconds: Type.Integer(),
          kind: Type.Union([Type.Literal('influxdb'), Type.Literal('embedded')]),
          targets: Type.Optional(
            Type.Array(Type.Object({ url: Type.String(), ok: Type.Boolean(), detail: Type.String() }, { additionalProperties: false }), {
              description: 'with QMB_INFLUX_ROUTES: each InfluxDB, the default first; the sink is ready when all are',
            }),
          ),
        }),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);
