// How many ingest requests are read, parsed and journaled at once; the others wait, first come first served, with their bodies unread.
import type { FastifyReply, FastifyRequest } from 'fastify';

const RELEASE = Symbol('ingest slot release');

type WithSlot = FastifyRequest & { [RELEASE]?: () => void };

/**
 * A counting semaphore for the ingest routes. A request takes a slot before its body is read (a
 * `preParsing` hook) and gives it back once its payload passed the checks and only its lines wait
 * for the group commit, or once it was refused; not when it is answered (`?wait=` may wait
 * minutes for the store). A request waiting for a slot holds no parsed payload and most of its
 * body is still in the socket, so memory stays bounded however many clients send at once, and
 * requests are served in the order they came instead of all being parsed side by side, each
 * living long enough to be promoted to the old generation.
 */
export class IngestSlots {
  readonly #max: number;
  #busy = 0;
  readonly #waiting: (() => void)[] = [];

  constructor(max: number) {
    if (!(max >= 1)) throw new RangeError('at least one ingest slot is needed');
    this.#max = max;
  }

  /** Requests holding a slot now. */
  get busy(): number {
    return this.#busy;
  }

  /** Requests waiting for a slot now. */
  get waiting(): number {
    return this.#waiting.length;
  }

  /** The `preParsing` hook of an ingest route: resolves once the request holds a slot. */
  readonly hook = async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    await this.#acquire();
    let held = true;
    const release = (): void => {
      if (!held) return;
      held = false;
      this.#release();
    };
    (request as WithSlot)[RELEASE] = release;
    // Whatever ends the request first (an error before the handler, a closed connection) frees the slot.
    reply.raw.once('close', release);
  };

  /** Gives the request's slot back (the payload is journaled or refused); later calls do nothing. */
  release(request: FastifyRequest): void {
    (request as WithSlot)[RELEASE]?.();
  }

  #acquire(): Promise<void> {
    if (this.#busy < this.#max) {
      this.#busy++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  #release(): void {
    const next = this.#waiting.shift();
    // The slot passes straight to the next request: #busy stays the same.
    if (next) next();
    else this.#busy--;
  }
}
