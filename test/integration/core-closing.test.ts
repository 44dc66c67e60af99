// A request that arrives while the broker closes gets the broker's own 503 body, with Retry-After.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startBrokerInProcess } from '../helpers/broker.js';
import { isErrorBody } from './core-support.js';

describe('closing', () => {
  it('answers 503 SHUTTING_DOWN with Retry-After and the JSON error body', async () => {
    const broker = await startBrokerInProcess({});
    await broker.app.ready();
    const closing = broker.app.close();
    const res = await broker.app.inject({ method: 'GET', url: '/healthz' });
    await closing;
    await broker.close();
    assert.equal(res.statusCode, 503, res.body);
    assert.equal(res.headers['retry-after'], '5');
    assert.ok(isErrorBody(res.json(), 503), res.body);
    assert.equal(res.json().code, 'SHUTTING_DOWN');
  });
});
