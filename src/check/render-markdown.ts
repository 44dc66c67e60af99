// The check as GitHub-flavoured Markdown for a job summary: verdict, table, unchanged rows folded, under 1 MiB.
import type { CheckResult, CheckRow } from './result.js';
import { COLUMNS, rowCells, verdictLine } from './render-text.js';

/** GitHub refuses a step summary of 1 MiB or more. */
export const SUMMARY_MAX_BYTES = 1024 * 1024;

const ICON: Record<CheckResult['verdict'], string> = { pass: '✅', warn: '⚠️', fail: '❌', 'no-baseline': 'ℹ️' };

/** A table cell: pipes and line breaks would end the cell, angle brackets and ampersands start HTML. */
function cell(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

function line(cells: string[]): string {
  return `| ${cells.map(cell).join(' | ')} |\n`;
}

const HEADER = line(COLUMNS) + `|${COLUMNS.map((_, i) => (i >= 2 && i <= 5 ? ' ---: ' : ' --- ')).join('|')}|\n`;

/** Adds table lines while they fit in `room` bytes; returns the text and how many rows it left out. */
function fill(rows: readonly CheckRow[], room: number): { text: string; left: number } {
  let text = '';
  let used = 0;
  for (let i = 0; i < rows.length; i++) {
    const l = line(rowCells(rows[i] as CheckRow));
    const size = Buffer.byteLength(l);
    if (used + size > room) return { text, left: rows.length - i };
    text += l;
    used += size;
  }
  return { text, left: 0 };
}

/**
 * The summary: a verdict line, the table of rows that are not pass, and the unchanged rows in a
 * `<details>`. Stays under `maxBytes`: the unchanged rows are cut first, then the others, and the
 * text says how many rows it left out.
 */
export function renderMarkdown(r: CheckResult, options: { link?: string | undefined; maxBytes?: number } = {}): string {
  const max = options.maxBytes ?? SUMMARY_MAX_BYTES;
  const head = `### ${ICON[r.verdict]} ${cell(verdictLine(r))}\n\n`;
  const link = options.link ? `\n[The recorded check](${options.link})\n` : '';
  const unused = r.waivers.filter((w) => !w.used);
  const waivers = unused.length > 0 ? `\nUnused waivers:\n${unused.map((w) => `- \`${w.text.replace(/`/g, "'")}\`\n`).join('')}` : '';
  const shown = r.rows.filter((row) => row.outcome !== 'pass');
  const unchanged = r.rows.filter((row) => row.outcome === 'pass');
  // Room for the notes about cut rows, whatever their numbers.
  const reserve = 400;
  let room = max - 1 - reserve - Buffer.byteLength(head + link + waivers);
  let out = head;
  if (shown.length > 0) {
    const t = fill(shown, room - Buffer.byteLength(HEADER));
    out += HEADER + t.text;
    room -= Buffer.byteLength(HEADER + t.text);
    if (t.left > 0) out += `\n_${t.left} more rows that are not pass are not shown: the summary is limited to ${max} bytes._\n`;
  }
  if (unchanged.length > 0) {
    const open = `\n<details><summary>${unchanged.length} unchanged rows</summary>\n\n`;
    const close = '\n</details>\n';
    const t = fill(unchanged, room - Buffer.byteLength(open + close + HEADER));
    if (t.left < unchanged.length) out += open + HEADER + t.text;
    else out += open;
    if (t.left > 0) out += `\n_${t.left} unchanged rows are not shown: the summary is limited to ${max} bytes._\n`;
    out += close;
  }
  return out + waivers + link;
}
