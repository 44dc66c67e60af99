// Include/exclude globs (picomatch) for repository paths, applied in command-line order (last match wins).
import picomatch from 'picomatch';

/** One `--include` or `--exclude` rule. */
export interface PathRule {
  include: boolean;
  glob: string;
}

/**
 * TF-A's scope for churn and complexity: everything except platform ports, but keeping
 * the Arm platforms and the common platform code.
 */
export const TFA_DEFAULT_RULES: readonly PathRule[] = Object.freeze([
  { include: false, glob: 'plat' },
  { include: true, glob: 'plat/arm' },
  { include: true, glob: 'plat/common' },
]);

/** A glob as picomatch reads it (`./` and trailing slashes dropped), matching dot files like any other. */
function globMatcher(glob: string): (path: string) => boolean {
  return picomatch(glob.replace(/^\.?\/+/, '').replace(/\/+$/, ''), { dot: true });
}

/**
 * Builds a predicate from rules. A glob matches a path or any of its parent directories
 * (`plat` covers `plat/x/y.c`); `*` stays inside one directory, `**` crosses them. When the
 * first rule is an include, paths start out excluded, otherwise included; each matching rule
 * then flips the verdict, the last one winning.
 */
export function compilePathRules(rules: readonly PathRule[]): (path: string) => boolean {
  const compiled = rules.map((r) => ({ include: r.include, matches: globMatcher(r.glob) }));
  const initial = compiled.length === 0 || !compiled[0]?.include;
  return (path: string) => {
    const parts = path.split('/');
    const prefixes: string[] = [];
    for (let i = 1; i <= parts.length; i++) prefixes.push(parts.slice(0, i).join('/'));
    let verdict = initial;
    for (const r of compiled) {
      if (prefixes.some((p) => r.matches(p))) verdict = r.include;
    }
    return verdict;
  };
}

/** The rules as the command line gives them, for messages: `--exclude plat --include plat/arm`. */
export function describePathRules(rules: readonly PathRule[]): string {
  if (rules.length === 0) return 'no --include or --exclude';
  const flags = rules.map((r) => `--${r.include ? 'include' : 'exclude'} ${r.glob}`).join(' ');
  return rules === TFA_DEFAULT_RULES ? `default: ${flags}` : flags;
}

/** `3 files dropped by the path filter (--include src)`: what the filter left out, and why. */
export function droppedByFilter(count: number, rules: readonly PathRule[]): string {
  return `${count} ${count === 1 ? 'file' : 'files'} dropped by the path filter (${describePathRules(rules)})`;
}
