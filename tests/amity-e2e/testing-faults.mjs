// Testing mode with the official @amityco/ts-sdk, as a user's test would use it: an injected 503
// (POST /admin/v1/testing/faults) makes the SDK's access-token renewal fail once; the next
// renewal succeeds and replaces the token.
//
// Usage: node testing-faults.mjs <baseUrl> <apiKey> <adminToken>
// Exits 0 on success; prints the failing step and exits 1 otherwise.

import assert from 'node:assert/strict';
import { createRequire } from 'node:module';

const [baseUrl, apiKey, adminToken] = process.argv.slice(2);
if (!baseUrl || !apiKey || !adminToken) {
  console.error('usage: node testing-faults.mjs <baseUrl> <apiKey> <adminToken>');
  process.exit(2);
}

// As in sdk-e2e.mjs: give Request a base under Node, and the SDK a persistent localStorage.
const NativeRequest = globalThis.Request;
globalThis.Request = class extends NativeRequest {
  constructor(input, init) {
    super(input ?? baseUrl, init);
  }
};
class MemoryStorage {
  #items = new Map();
  getItem(k) { return this.#items.has(k) ? this.#items.get(k) : null; }
  setItem(k, v) { this.#items.set(k, String(v)); }
  removeItem(k) { this.#items.delete(k); }
  clear() { this.#items.clear(); }
  key(i) { return [...this.#items.keys()][i] ?? null; }
  get length() { return this.#items.size; }
}
globalThis.window = { localStorage: new MemoryStorage() };

const require = createRequire(import.meta.url);
const { Client } = require('@amityco/ts-sdk');

const deadline = setTimeout(() => fail('timed out after 60 s'), 60_000);

function fail(message, error) {
  console.error(`amity testing faults FAILED: ${message}`);
  if (error) console.error(error);
  process.exit(1);
}

// The SDK's renew() does not hand its promise back: a failed renewal surfaces here.
const rejections = [];
process.on('unhandledRejection', (e) => rejections.push(e));

async function admin(method, path, body) {
  const r = await fetch(new URL(`/admin/v1/testing${path}`, baseUrl), {
    method,
    headers: { Authorization: `Bearer ${adminToken}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: r.status, body: await r.json() };
}

async function sessionStatus(token) {
  const r = await fetch(new URL('/api/v3/sessions', baseUrl), {
    headers: { Authorization: `Bearer ${token}` },
  });
  return r.status;
}

async function waitFor(predicate, what, ms = 10_000) {
  const until = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > until) fail(`waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const step = (s) => console.log(`amity testing faults: ${s}`);

try {
  const userId = `faults-user-${Date.now()}`;
  Client.createClient(apiKey, 'sg', { apiEndpoint: { http: baseUrl }, rteEnabled: false });
  const sessionHandler = { sessionWillRenewAccessToken(renewal) { renewal.renew(); } };
  const client = Client.getActiveClient();
  assert.equal(await Client.login({ userId }, sessionHandler, { disableRTE: true }), true);
  const first = client.token.accessToken;
  step('login');

  // The renewal endpoint answers 503 once, in Amity's format.
  const added = await admin('POST', '/faults', {
    flavor: 'amity', method: 'POST', path: '/api/v5/sessions', status: 503, times: 1,
  });
  assert.equal(added.status, 201, JSON.stringify(added.body));
  Client.renewal().renew();
  await waitFor(() => rejections.length > 0, 'the failed renewal');
  const failure = rejections[0];
  assert.equal(failure.code, 500000, `the SDK's error: ${failure}`);
  assert.equal(client.token.accessToken, first, 'the token was not replaced');
  assert.equal(await sessionStatus(first), 200, 'the first token still works');
  step('renewal refused under the injected 503');

  // The fault has run its course: the next renewal goes through.
  Client.renewal().renew();
  await waitFor(() => client.token && client.token.accessToken !== first, 'the renewed token');
  const second = client.token.accessToken;
  assert.equal(await sessionStatus(second), 200, 'the renewed token is accepted');
  assert.equal(rejections.length, 1, 'no other failure');
  step('renewal succeeded after');

  const rules = await admin('GET', '/faults');
  assert.equal(rules.body.data[0].hits, 1);
  const journal = await admin('GET', '/requests?flavor=amity&limit=20');
  const renewals = journal.body.data.filter((e) => e.method === 'POST' && e.path === '/api/v5/sessions');
  assert.deepEqual(renewals.map((e) => e.status), [200, 503, 200], 'newest first: renewal, fault, login');
  assert.equal(renewals[1].fault, added.body.id);
  assert.equal(renewals[0].subject, userId);

  clearTimeout(deadline);
  step('OK');
  process.exit(0);
} catch (e) {
  fail(e?.message ?? String(e), e);
}
