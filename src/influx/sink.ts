// InfluxDB sink: the 1.x `/write` and `/query` HTTP API (also served by 2.x/3.x compatibility layers),
// each database at the InfluxDB its route names.
import { parseRetryAfter } from '../backoff.js';
import type { Health, Sink, SinkLogger, WriteResult } from '../sinks/sink.js';
import { type InfluxOptions, influxAuthHeaders, messageOf, networkErrorCode, unreachableMessage } from './connection.js';
import { type InfluxAnswer, type InfluxCall, type InfluxTransport, headerOf, httpTransport, queryCall } from './http.js';
import { ident } from './influxql.js';
import { InfluxTargets } from './routes.js';

/** Size of the pieces a write's body is sent in. */
const BLOCK_BYTES = 64 * 1024;
/** Blocks kept for the next writes: 4 MiB, a batch of 20,000 points of ~200 bytes. */
const POOLED_BLOCKS = 64;

/**
 * Blocks of sent writes, for the next writes. A write's blocks live until InfluxDB answers, long
 * enough for the engine to move them out of its young generation; fresh blocks for every write
 * then waited for a full collection, 10-20 MB of them under load.
 */
class BlockPool {
  readonly #free: Buffer[] = [];

  take(): Buffer {
    return this.#free.pop() ?? Buffer.allocUnsafeSlow(BLOCK_BYTES);
  }

  /** Blocks nothing reads any more: InfluxDB has answered the write that sent them. */
  give(blocks: readonly Buffer[]): void {
    for (const b of blocks) if (this.#free.length < POOLED_BLOCKS) this.#free.push(b);
  }
}

/**
 * The chunks as UTF-8, newline between them, in blocks of BLOCK_BYTES from `pool` (a larger chunk
 * alone): a batch is never one string nor one buffer. The blocks taken are added to `lent`.
 */
function encodeBlocks(chunks: readonly string[], pool: BlockPool, lent: Buffer[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  const next = (): Buffer => {
    const b = pool.take();
    lent.push(b);
    return b;
  };
  let block = next();
  let used = 0;
  for (let i = 0; i < chunks.length; i++) {
    const text = chunks[i]!;
    const bytes = Buffer.byteLength(text) + (i > 0 ? 1 : 0);
    if (used + bytes > BLOCK_BYTES && used > 0) {
      out.push(block.subarray(0, used));
      block = next();
      used = 0;
    }
    if (bytes > BLOCK_BYTES) {
      out.push(Buffer.from(i > 0 ? `\n${text}` : text));
      continue;
    }
    if (i > 0) block[used++] = 10;
    used += block.write(text, used);
  }
  if (used > 0) out.push(block.subarray(0, used));
  return out;
}

export class InfluxSink implements Sink {
  readonly kind = 'influxdb' as const;
  /** The default InfluxDB. */
  readonly url: string;
  /** Which InfluxDB holds which database. */
  readonly targets: InfluxTargets;
  readonly #headers: Record<string, string>;
  readonly #consistency: string;
  readonly #timeoutMs: number;
  readonly #transport: InfluxTransport;
  readonly #logger: SinkLogger | undefined;
  /** Network error code of each InfluxDB that cannot be reached, by URL. */
  readonly #unreachable = new Map<string, string>();
  readonly #blocks = new BlockPool();

  constructor(options: InfluxOptions) {
    this.targets = new InfluxTargets(options.url, options.routes);
    this.url = this.targets.defaultUrl;
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.#transport = options.transport ?? httpTransport;
    this.#headers = influxAuthHeaders(options);
    this.#consistency = options.consistency ? `&consistency=${encodeURIComponent(options.consistency)}` : '';
    this.#logger = options.logger;
  }

  /** While an InfluxDB cannot be reached: the network error code of its last attempt. */
  get unreachable(): string | undefined {
    return this.#unreachable.values().next().value;
  }

  async #request(base: string, call: Omit<InfluxCall, 'timeoutMs'>): Promise<InfluxAnswer> {
    let res: InfluxAnswer;
    try {
      res = await this.#transport(base, { ...call, headers: { ...this.#headers, ...call.headers }, timeoutMs: this.#timeoutMs });
    } catch (err) {
      const code = networkErrorCode(err);
      // Every lane, the start-up database creation and /readyz meet the same outage: say it once per InfluxDB.
      if (code !== undefined && this.#unreachable.get(base) !== code) {
        this.#unreachable.set(base, code);
        this.#logger?.warn({ influx_url: base, cause: code }, `${unreachableMessage(base, code)} Accepted points wait in the journal; retrying.`);
      }
      throw err;
    }
    if (this.#unreachable.delete(base)) this.#logger?.info({ influx_url: base }, `InfluxDB at ${base} is reachable again`);
    return res;
  }

  /** Encodes the lines before its first wait: the caller may let the strings go (see Sink.write). */
  write(database: string, chunks: readonly string[]): Promise<WriteResult> {
    const lent: Buffer[] = [];
    return this.#write(database, encodeBlocks(chunks, this.#blocks, lent), lent);
  }

  async #write(database: string, blocks: Uint8Array[], lent: Buffer[]): Promise<WriteResult> {
    let res: InfluxAnswer;
    try {
      res = await this.#request(this.targets.urlFor(database), {
        method: 'POST',
        path: `/write?db=${encodeURIComponent(database)}&precision=ns${this.#consistency}`,
        body: blocks,
        headers: { 'Content-Type': 'text/plain; charset=utf-8' },
      });
    } catch (err) {
      const code = networkErrorCode(err);
      return {
        ok: false,
        retry: true,
        message: `InfluxDB unreachable: ${code ?? (err as Error).message}`,
        ...(code !== undefined ? { unreachable: code } : {}),
      };
    }
    if (res.status >= 200 && res.status < 300) {
      // A success is answered once the whole body was read: its blocks are free. After anything
      // else a block might still be queued on the socket, so it is left to the collector.
      this.#blocks.give(lent);
      return { ok: true };
    }
    const message = messageOf(res.status, res.text);
    const retryAfterMs = parseRetryAfter(headerOf(res, 'retry-after'));
    if (res.status === 404 && /not found/i.test(message)) {
      return { ok: false, retry: true, databaseMissing: true, status: res.status, message };
    }
    const retry = res.status >= 500 || res.status === 429 || res.status === 408;
    return { ok: false, retry, status: res.status, message, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
  }

  /** Creates a database at its InfluxDB (a no-op when it exists); throws with InfluxDB's message on failure. */
  async createDatabase(database: string): Promise<void> {
    const base = this.targets.urlFor(database);
    const q = `CREATE DATABASE ${ident(database)}`;
    let res: InfluxAnswer;
    try {
      res = await this.#request(base, queryCall(new URLSearchParams({ q })));
    } catch (err) {
      const code = networkErrorCode(err);
      if (code !== undefined) throw new Error(unreachableMessage(base, code), { cause: err });
      throw err;
    }
    if (res.status < 200 || res.status >= 300) throw new Error(`InfluxDB ${res.status}: ${messageOf(res.status, res.text)}`);
    const error = (JSON.parse(res.text) as { results?: { error?: string }[] }).results?.find((r) => r.error)?.error;
    if (error) throw new Error(`InfluxDB: ${error}`);
  }

  async #ping(base: string): Promise<Health> {
    try {
      const res = await this.#request(base, { method: 'GET', path: '/ping' });
      const version = headerOf(res, 'x-influxdb-version');
      return res.status >= 200 && res.status < 300
        ? { ok: true, detail: `InfluxDB ${version ?? ''} at ${base}`.replace('  ', ' ') }
        : { ok: false, detail: `InfluxDB at ${base} answered ${res.status}` };
    } catch (err) {
      return { ok: false, detail: `InfluxDB at ${base} unreachable: ${networkErrorCode(err) ?? (err as Error).message}` };
    }
  }

  /** Every InfluxDB must answer: a family whose store is down cannot be delivered. */
  async ping(): Promise<Health> {
    const urls = this.targets.urls();
    const each = await Promise.all(urls.map((u) => this.#ping(u)));
    if (each.length === 1) return each[0]!;
    const down = each.filter((h) => !h.ok);
    return {
      ok: down.length === 0,
      detail: (down.length > 0 ? down : each).map((h) => h.detail).join('; '),
      targets: urls.map((url, i) => ({ url, ...each[i]! })),
    };
  }

  async close(): Promise<void> {}
}
