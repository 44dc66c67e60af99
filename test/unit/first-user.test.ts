// The first start's user: created once, id 0 so an older broker's user ids (1, 2, ...) stay free.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { verifyPassword } from '../../src/auth/password.js';
import { UsersStore } from '../../src/auth/users.js';
import type { BrokerDeps } from '../../src/broker.js';
import { ensureFirstUser } from '../../src/main.js';

describe('ensureFirstUser', () => {
  it('creates admin with id 0 and a random password once, leaving id 1 for a migrated user', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'qmb-first-user-'));
    try {
      const users = new UsersStore(path.join(dir, 'users.json'));
      const deps = { users } as unknown as BrokerDeps;
      const password = await ensureFirstUser(deps);
      assert.ok(password && password.length >= 12);
      const admin = users.byName('admin');
      assert.equal(admin?.id, 0);
      assert.deepEqual(admin?.metrics, ['*']);
      assert.ok(await verifyPassword(password, admin.password));
      assert.equal(await ensureFirstUser(deps), undefined, 'only on a fresh users file');
      assert.equal(await users.nextId(), 1);
      await users.save({ id: 1, name: 'tfa_metrics', password: admin.password, metrics: ['tfa_*'] });
      assert.equal(users.byId(1)?.name, 'tfa_metrics');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
