// Readers for the text files TF-A CI jobs write today (image sizes, MISRA counts, runtime
// instrumentation); every malformed line is reported with its number and what was expected.
import { parseCount } from './payload.js';

/** A malformed CI text file: names the file, the line and what was expected there. */
export class CiTextError extends Error {
  readonly file: string;
  readonly line: number;
  constructor(file: string, line: number, message: string) {
    super(`${file}:${line}: ${message}`);
    this.name = 'CiTextError';
    this.file = file;
    this.line = line;
  }
}

/** The commit a CI text file describes. */
export interface CommitInfo {
  id: string;
  title: string;
  /** As written in the file; the broker accepts RFC 3339, git's `%ai`, date only and epoch ns. */
  date: string;
}

/** The classes image-size files list: `nm -S` symbol classes, case folded, sizes summed per ELF file. */
export const SECTION_LETTERS = ['B', 'D', 'R', 'T', 'V', 'W'] as const;
/** One of {@link SECTION_LETTERS}. */
export type SectionLetter = (typeof SECTION_LETTERS)[number];

/** The sizes of one ELF file listed in an image-size file. */
export interface ImageSizes {
  /** Path as the CI machine wrote it. */
  path: string;
  /** File name without its `.elf` extension, e.g. `bl31`. */
  name: string;
  /** Line of the `<path>.elf:` header, for later error messages. */
  line: number;
  sections: Partial<Record<SectionLetter, number>>;
}

/** Contents of an `image_size.txt`. */
export interface ImageSizeText {
  buildConfig: string;
  binMode: string;
  commit: CommitInfo;
  images: ImageSizes[];
}

/** The four counts of a `misra_defects.txt`, in the order the file lists them. */
export const MISRA_COUNTS = ['TotalDefects', 'MandatoryDefects', 'RequiredDefects', 'AdvisoryDefects'] as const;

/** Contents of a `misra_defects.txt`. */
export interface MisraText {
  buildConfig: string;
  binMode: string;
  commit: CommitInfo;
  counts: Record<(typeof MISRA_COUNTS)[number], number>;
}

/** One line of an `rt_instr.txt`. */
export interface RtInstrSample {
  line: number;
  testCase: string;
  clusterId: number;
  cpuCore: number;
  /** One latency (PSCI version test) or three (suspend/power-down tests). */
  latencies: [number] | [number, number, number];
}

/** Contents of an `rt_instr.txt`. */
export interface RtInstrText {
  target: string;
  commit: CommitInfo;
  samples: RtInstrSample[];
}

// Times the broker accepts (metrics.md, "Time values"); checked here so a typo fails in CI
// with a line number instead of as a 400 from the broker.
const DATE_RE = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?: ?(?:Z|[+-]\d{2}:?\d{2}))?)?$/;
const EPOCH_NS_RE = /^\d+$/;
const HEADER_RE = /^([A-Za-z][A-Za-z0-9_]*):[ \t]*(.*?)[ \t]*$/;

/** Splits text into lines, dropping CR of CRLF files and the empty piece after a final newline. */
function splitLines(text: string): string[] {
  const lines = text.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** Quotes a piece of input for an error message, shortened so the message stays one line. */
function quote(s: string): string {
  const short = s.length > 60 ? `${s.slice(0, 57)}...` : s;
  return JSON.stringify(short);
}

class LineReader {
  readonly file: string;
  readonly lines: string[];
  next = 0;
  constructor(file: string, text: string) {
    this.file = file;
    this.lines = splitLines(text);
  }
  fail(line: number, message: string): never {
    throw new CiTextError(this.file, line, message);
  }
  /** Reads `Key: value` at the next line; the value must not be empty. */
  header(key: string): string {
    const lineNo = this.next + 1;
    const raw = this.lines[this.next];
    if (raw === undefined) this.fail(lineNo, `expected "${key}: <value>", found the end of the file`);
    const m = HEADER_RE.exec(raw);
    if (!m || m[1] !== key) this.fail(lineNo, `expected "${key}: <value>", found ${quote(raw)}`);
    const value = m[2] ?? '';
    if (value === '') this.fail(lineNo, `expected a value after "${key}:"`);
    this.next++;
    return value;
  }
  commitHeaders(): CommitInfo {
    const id = this.header('CommitID');
    const title = this.header('CommitTitle');
    const dateLine = this.next + 1;
    const date = this.header('CommitDate');
    if (!DATE_RE.test(date) && !EPOCH_NS_RE.test(date)) {
      this.fail(dateLine, `expected a date such as 2020-09-08T14:22:45+00:00 after "CommitDate:", found ${quote(date)}`);
    }
    return { id, title, date };
  }
}

function isSectionLetter(s: string): s is SectionLetter {
  return (SECTION_LETTERS as readonly string[]).includes(s);
}

/** The image name of an ELF path: the base name without a trailing `.elf`. */
export function imageNameOf(path: string): string {
  const base = path.split(/[\\/]/).pop() ?? path;
  return base.toLowerCase().endsWith('.elf') ? base.slice(0, -4) : base;
}

/**
 * Parses an `image_size.txt`: five header lines, then per ELF file a `<path>.elf:` line
 * followed by `<SECTION> <bytes>` lines; blank lines between files are ignored.
 */
export function parseImageSizeText(text: string, file: string): ImageSizeText {
  const r: LineReader = new LineReader(file, text);
  const buildConfig = r.header('BuildConfig');
  const binMode = r.header('BinMode');
  const commit = r.commitHeaders();
  const images: ImageSizes[] = [];
  let current: ImageSizes | undefined;
  for (; r.next < r.lines.length; r.next++) {
    const lineNo = r.next + 1;
    const line = (r.lines[r.next] ?? '').trim();
    if (line === '') continue;
    // A file header ends with a colon, which no section line does (paths may hold spaces).
    if (line.endsWith(':')) {
      const path = line.slice(0, -1);
      current = { path, name: imageNameOf(path), line: lineNo, sections: {} };
      images.push(current);
      continue;
    }
    const section = /^(\S+)\s+(\S+)$/.exec(line);
    if (!section) {
      r.fail(lineNo, `expected "<path>.elf:" or "<SECTION> <bytes>", found ${quote(line)}`);
    }
    const letter = section[1] ?? '';
    const bytes = section[2] ?? '';
    if (!current) r.fail(lineNo, `expected a "<path>.elf:" line before the section sizes, found ${quote(line)}`);
    if (!isSectionLetter(letter)) {
      r.fail(lineNo, `unknown section ${quote(letter)} (expected one of ${SECTION_LETTERS.join(', ')})`);
    }
    const n = parseCount(bytes);
    if (n === undefined) r.fail(lineNo, `expected a byte count after section ${letter}, found ${quote(bytes)}`);
    if (current.sections[letter] !== undefined) {
      r.fail(lineNo, `section ${letter} of ${current.name} already given`);
    }
    current.sections[letter] = n;
  }
  return { buildConfig, binMode, commit, images };
}

/** Parses a `misra_defects.txt`: five header lines, then the four defect counts. */
export function parseMisraText(text: string, file: string): MisraText {
  const r: LineReader = new LineReader(file, text);
  const buildConfig = r.header('BuildConfig');
  const binMode = r.header('BinMode');
  const commit = r.commitHeaders();
  const counts: Partial<MisraText['counts']> = {};
  for (; r.next < r.lines.length; r.next++) {
    const lineNo = r.next + 1;
    const raw = r.lines[r.next] ?? '';
    if (raw.trim() === '') continue;
    const m = HEADER_RE.exec(raw.trim());
    const key = m?.[1] ?? '';
    const known = (MISRA_COUNTS as readonly string[]).includes(key);
    if (!m || !known) {
      r.fail(lineNo, `expected one of ${MISRA_COUNTS.map((k) => `"${k}: <count>"`).join(', ')}, found ${quote(raw)}`);
    }
    const k = key as keyof MisraText['counts'];
    if (counts[k] !== undefined) r.fail(lineNo, `${k} already given`);
    const n = parseCount(m[2] ?? '');
    if (n === undefined) r.fail(lineNo, `expected a count after "${k}:", found ${quote(m[2] ?? '')}`);
    counts[k] = n;
  }
  const missing = MISRA_COUNTS.filter((k) => counts[k] === undefined);
  if (missing.length > 0) {
    r.fail(r.lines.length + 1, `expected ${missing.map((k) => `"${k}: <count>"`).join(', ')}, found the end of the file`);
  }
  return { buildConfig, binMode, commit, counts: counts as MisraText['counts'] };
}

/**
 * Parses an `rt_instr.txt`: four header lines, then one tab-separated line per sample:
 * test case, cluster id, CPU core and one or three latencies.
 */
export function parseRtInstrText(text: string, file: string): RtInstrText {
  const r: LineReader = new LineReader(file, text);
  const target = r.header('InstrumentationTarget');
  const commit = r.commitHeaders();
  const samples: RtInstrSample[] = [];
  const expected = 'test case, cluster id, CPU core, then 1 latency (PSCI version test) or 3 (latencies and cache flush)';
  for (; r.next < r.lines.length; r.next++) {
    const lineNo = r.next + 1;
    const line = (r.lines[r.next] ?? '').trim();
    if (line === '') continue;
    const cols = line.split(/\s+/);
    if (cols.length !== 4 && cols.length !== 6) {
      r.fail(lineNo, `expected 4 or 6 columns (${expected}), found ${cols.length}`);
    }
    const nums: number[] = [];
    const names = ['cluster id', 'CPU core', 'latency', 'latency', 'latency'];
    for (let i = 1; i < cols.length; i++) {
      const n = parseCount(cols[i] ?? '');
      if (n === undefined) r.fail(lineNo, `expected a number as column ${i + 1} (${names[i - 1]}), found ${quote(cols[i] ?? '')}`);
      nums.push(n);
    }
    const [clusterId = 0, cpuCore = 0, a = 0, b = 0, c = 0] = nums;
    samples.push({
      line: lineNo,
      testCase: cols[0] ?? '',
      clusterId,
      cpuCore,
      latencies: cols.length === 4 ? [a] : [a, b, c],
    });
  }
  if (samples.length === 0) r.fail(r.lines.length + 1, `expected at least one sample line (${expected}), found the end of the file`);
  return { target, commit, samples };
}
