// Grafana's time expressions as its time picker reads them (`now`, `now-10y`, an ISO date), in milliseconds.

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };

/** The instant a Grafana time expression stands for: `now`, `now-<n><unit>` (s m h d w M y), or an absolute date. */
export function grafanaTime(text: string, now = Date.now()): number {
  if (text === 'now') return now;
  const rel = /^now-(\d+)([smhdwMy])$/.exec(text);
  if (rel) {
    const n = Number(rel[1]);
    const unit = rel[2] ?? 's';
    const at = new Date(now);
    if (unit === 'y') at.setUTCFullYear(at.getUTCFullYear() - n);
    else if (unit === 'M') at.setUTCMonth(at.getUTCMonth() - n);
    else return now - n * (UNIT_MS[unit] ?? 1000);
    return at.getTime();
  }
  const abs = Date.parse(text);
  if (Number.isNaN(abs)) throw new Error(`not a Grafana time: ${text}`);
  return abs;
}

/** The default time range of a dashboard JSON model. */
export function defaultRange(dashboard: Record<string, unknown>, now = Date.now()): { from: number; to: number } {
  const time = dashboard['time'] as { from: string; to: string };
  return { from: grafanaTime(time.from, now), to: grafanaTime(time.to, now) };
}

/** What Grafana's InfluxDB data source puts for `$timeFilter` over that range. */
export function influxTimeFilter(range: { from: number; to: number }): string {
  return `time >= ${range.from}ms AND time <= ${range.to}ms`;
}
