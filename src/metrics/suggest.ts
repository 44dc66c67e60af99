// "Did you mean": the known names a typo away from an unknown one (edit distance, case ignored).
import { distance } from 'fastest-levenshtein';

/**
 * Edits a name may be away from a known one to count as its typo: more for longer names.
 * Levenshtein counts a swap of two letters ("chrun") as two edits.
 */
function allowedEdits(name: string): number {
  if (name.length <= 3) return 1;
  if (name.length <= 8) return 2;
  return 3;
}

/**
 * The candidates that `name` is probably a typo of, closest first (at most `max`). Case is
 * ignored, so `lines_of_change` finds `Lines_of_Change`; the name itself is never suggested.
 */
export function closeNames(name: string, candidates: Iterable<string>, max = 3): string[] {
  const lower = name.toLowerCase();
  const limit = allowedEdits(name);
  const scored: [string, number][] = [];
  for (const c of candidates) {
    if (c === name) continue;
    const d = distance(lower, c.toLowerCase());
    if (d <= limit) scored.push([c, d]);
  }
  scored.sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return scored.slice(0, max).map(([c]) => c);
}
