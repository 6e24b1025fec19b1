import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { createDb } from '@herald/db';
import { createLogger } from '@herald/logging';
import express from 'express';
import { errorHandler } from '../src/http/errors.ts';
import { call } from './support/http.ts';

// A request that meets a database which cannot take it is told to come back (503 with
// Retry-After), not that Herald failed (500): the error is the one the pool gives when nobody listens.
let server: ReturnType<express.Express['listen']>;
let base: string;
before(async () => {
  const app = express();
  const nowhere = createDb({ connectionString: 'postgres://postgres@127.0.0.1:1/none', max: 1 });
  app.get('/unreachable', async () => {
    await nowhere.selectFrom('workers').select('id').execute();
  });
  app.get('/bug', () => {
    throw new TypeError('a bug');
  });
  app.use(errorHandler(createLogger({ service: 'test', console: false, file: '' })));
  server = app.listen(0, '127.0.0.1');
  await new Promise((done) => server.once('listening', done));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => server.close());

test('an unreachable database answers 503 DATABASE_UNAVAILABLE with Retry-After', async () => {
  const res = await call('GET', `${base}/unreachable`);
  assert.equal(res.status, 503);
  assert.equal(res.body.error.code, 'DATABASE_UNAVAILABLE');
  assert.equal(res.headers.get('retry-after'), '5');
});

test('any other failure stays a 500 INTERNAL without details', async () => {
  const res = await call('GET', `${base}/bug`);
  assert.equal(res.status, 500);
  assert.deepEqual(res.body, { error: { code: 'INTERNAL', message: 'Internal server error' } });
});
