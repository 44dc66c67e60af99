// Durations as operators and API users write them: a number and one unit of s, m, h, d or w (seconds without one).

/** Seconds in each unit. */
export const SECONDS_PER_UNIT: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };

/**
 * `90`, `30s`, `15m`, `12h`, `365d`, `2w` in seconds, or undefined when the text is not such a
 * duration. `whole` refuses fractions (`1.5h`) and a space before the unit.
 */
export function durationSeconds(text: string, options: { whole?: boolean } = {}): number | undefined {
  const m = (options.whole ? /^(\d+)([smhdw]?)$/ : /^(\d+(?:\.\d+)?)\s*([smhdw]?)$/).exec(text.trim());
  if (!m) return undefined;
  return Number(m[1]) * (SECONDS_PER_UNIT[m[2] || 's'] ?? 1);
}
