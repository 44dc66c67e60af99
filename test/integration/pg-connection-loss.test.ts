// A PostgreSQL connection ended by the server while the broker holds it (checked out of the pool,
// between statements) fails that connection's next statement as unavailable; the process goes on.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { JournalUnavailableError } from '../../src/errors.js';
import { createPgPool } from '../../src/pg/pool.js';
import { parsePgUrl } from '../../src/pg/url.js';
import { waitFor } from '../helpers/ports.js';
import { type Postgres, startPostgres } from '../helpers/postgres.js';

let server: Postgres;
before(async () => {
  server = await startPostgres();
});
after(async () => {
  await server?.destroy();
});

it('survives the server ending a checked-out connection, and the pool goes on with a new one', async () => {
  const pool = createPgPool(parsePgUrl(server.url));
  try {
    const client = await pool.connect();
    const pid = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
    await server.query('SELECT pg_terminate_backend($1)', [pid]);
    await waitFor(async () => (await server.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [pid])).length === 0, 10_000, 'the backend to exit');
    // Its end reached the client (an 'error' event) without ending this process.
    await new Promise((r) => setTimeout(r, 200));
    await assert.rejects(client.query('SELECT 1'), (err: unknown) => pool.classify(err) instanceof JournalUnavailableError);
    client.release(true);
    assert.deepEqual((await pool.query('SELECT 1 AS one')).rows, [{ one: 1 }]);
  } finally {
    await pool.end();
  }
});
