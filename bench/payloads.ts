// Realistic benchmark payloads, each request with its own `time` so the points it carries can be counted.

/** Microseconds are enough to keep every request's time unique and stay exact in JSON numbers. */
export const NS_PER_US = 1000n;

/** RFC 3339 with microseconds for `baseMs` plus `us` microseconds (what producers send, parsed by the broker). */
export function rfc3339Micro(baseMs: number, us: number): string {
  const ms = baseMs + Math.floor(us / 1000);
  const iso = new Date(ms).toISOString(); // 2021-01-04T00:00:00.123Z
  return `${iso.slice(0, -1)}${String(us % 1000).padStart(3, '0')}Z`;
}

/** The nanosecond time the broker stores for `rfc3339Micro(baseMs, us)`. */
export function nsOf(baseMs: number, us: number): bigint {
  return BigInt(baseMs) * 1_000_000n + BigInt(us) * NS_PER_US;
}

/** One-point `tfa_code_churn` payload, as the TF-A code churn job sends it. */
export function churnBody(baseMs: number, seq: number): string {
  const lines = 1000 + ((seq * 7919) % 20000);
  return (
    '{"api_version":"1.0","metadata":{"metrics":"tfa_code_churn"},"data":[{"measurement":"TFA_CodeChurn_Tracking",' +
    `"fields":{"Lines_of_Change":${lines}},"tags":{"Git_Tag_Date":20201117,"Base_Tag":"v2.3","Target_Tag":"v2.4"},` +
    `"time":"${rfc3339Micro(baseMs, seq)}"}]}`
  );
}

// TF-A source folders and file stems: 20 × 10 = 200 distinct files, so each function's point has
// its own series (Location is a tag) and no two points of one payload overwrite each other.
const DIRS = [
  'bl1', 'bl2', 'bl31', 'bl32/tsp', 'common', 'drivers/arm/gic/v3', 'drivers/arm/tzc', 'drivers/io',
  'lib/psci', 'lib/xlat_tables_v2', 'lib/el3_runtime/aarch64', 'lib/cpus/aarch64', 'lib/extensions/amu',
  'plat/arm/common', 'plat/arm/board/fvp', 'plat/st/stm32mp1', 'services/std_svc/spmd',
  'services/std_svc/sdei', 'services/spd/opteed', 'tools/fiptool',
];
const STEMS = ['main', 'common', 'setup', 'helpers', 'utils', 'ops', 'private', 'init', 'core', 'context'];
const VERBS = ['validate', 'handle', 'init', 'populate', 'map', 'copy', 'parse', 'setup', 'dispatch', 'restore'];
const NOUNS = ['region', 'image', 'state', 'entrypoint', 'context', 'descriptor', 'table', 'event', 'request', 'config'];

interface Fn {
  id: string;
  location: string;
  score: number;
  whitelisted: string;
}

const FUNCTIONS: Fn[] = Array.from({ length: 200 }, (_, i) => {
  const dir = DIRS[i % DIRS.length] as string;
  const stem = STEMS[Math.floor(i / DIRS.length)] as string;
  const prefix = (dir.split('/').pop() as string).replace(/[^a-z0-9]/gi, '_');
  return {
    id: `${prefix}_${VERBS[(i * 3) % VERBS.length]}_${NOUNS[(i * 7) % NOUNS.length]}`,
    location: `${dir}/${prefix}_${stem}.c`,
    score: 11 + ((i * 37) % 30),
    whitelisted: i % 9 === 0 ? 'yes' : 'no',
  };
});

const TIME_MARK = '"@@TIME@@"';

// Serialised once; each request only splices its time in.
const COMPLEXITY_PARTS = JSON.stringify({
  api_version: '1.0',
  metadata: { metrics: 'tfa_complexity_stats' },
  data: FUNCTIONS.map((f) => ({
    measurement: 'TFA_Complexity_Statistics',
    fields: { Function_ID: f.id, Score: f.score, Whitelisted: f.whitelisted, Threshold: 10 },
    tags: { Git_Tag_Date: 20201117, Base_Tag: 'v2.3', Target_Tag: 'v2.4', Location: f.location },
    time: '@@TIME@@',
  })),
}).split(TIME_MARK);

export const COMPLEXITY_FUNCTIONS = FUNCTIONS.length;

/** 200-function `tfa_complexity_stats` payload: one release's complexity report. */
export function complexityBody(baseMs: number, seq: number): string {
  return COMPLEXITY_PARTS.join(`"${rfc3339Micro(baseMs, seq)}"`);
}
