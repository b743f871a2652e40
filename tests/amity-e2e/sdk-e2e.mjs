// Drives the official @amityco/ts-sdk against the gateway's Amity flavor:
// createClient (custom http endpoint, real-time off) -> login -> a forced renewal ->
// secureLogout, then checks with plain fetch that the logged-out tokens are refused.
//
// Usage: node sdk-e2e.mjs <baseUrl> <apiKey>
// Exits 0 on success; prints the failing step and exits 1 otherwise.

import assert from 'node:assert/strict';
import { createRequire } from 'node:module';

const [baseUrl, apiKey] = process.argv.slice(2);
if (!baseUrl || !apiKey) {
  console.error('usage: node sdk-e2e.mjs <baseUrl> <apiKey>');
  process.exit(2);
}

// Under Node the SDK's axios response hook records `new Request(response.request.url, ...)`,
// and a Node ClientRequest has no `url`: give Request a base so that call does not throw.
const NativeRequest = globalThis.Request;
globalThis.Request = class extends NativeRequest {
  constructor(input, init) {
    super(input ?? baseUrl, init);
  }
};

// Under Node the SDK keeps its device id in a throw-away storage object per call, so every
// session request would come from a new device. A browser (or React Native) persists it: give
// the SDK a persistent localStorage, as a browser would, so that a renewal comes from the same
// device as the login.
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
  console.error(`amity sdk e2e FAILED: ${message}`);
  if (error) console.error(error);
  process.exit(1);
}

process.on('unhandledRejection', (e) => fail('unhandled rejection', e));

async function sessionStatus(token) {
  const r = await fetch(new URL('/api/v3/sessions', baseUrl), {
    headers: { Authorization: `Bearer ${token}` },
  });
  return { status: r.status, body: await r.json() };
}

async function waitFor(predicate, what, ms = 10_000) {
  const until = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > until) fail(`waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const step = (s) => console.log(`amity sdk e2e: ${s}`);

try {
  const userId = `sdk-user-${Date.now()}`;
  const client = Client.createClient(apiKey, 'sg', {
    apiEndpoint: { http: baseUrl },
    rteEnabled: false,
  });
  assert.equal(client.ws, undefined, 'real-time must stay off');

  let renewalsRequested = 0;
  const sessionHandler = {
    sessionWillRenewAccessToken(renewal) {
      renewalsRequested += 1;
      renewal.renew();
    },
  };

  step('login');
  const ok = await Client.login({ userId, displayName: 'SDK User' }, sessionHandler, {
    disableRTE: true,
  });
  assert.equal(ok, true, 'login resolves true');
  assert.equal(client.userId, userId);
  const first = client.token.accessToken;
  assert.ok(first.split('.').length === 3, 'the access token is a JWT');
  assert.ok(Date.parse(client.token.expiresAt) > Date.now(), 'expiresAt is in the future');
  const user = Client.getActiveUser();
  assert.equal(user.userId, userId);
  assert.ok(user._id && user.path, 'the active user has _id and path');
  assert.equal((await sessionStatus(first)).status, 200, 'the first token is accepted');

  step('renewal');
  // What the SDK's expiry watcher does at ~80 % of the token's life, without waiting for it.
  sessionHandler.sessionWillRenewAccessToken(Client.renewal());
  await waitFor(() => client.token && client.token.accessToken !== first, 'the renewed token');
  const second = client.token.accessToken;
  assert.equal(renewalsRequested, 1);
  assert.equal(client.userId, userId, 'still logged in as the same user');
  assert.equal((await sessionStatus(second)).status, 200, 'the renewed token is accepted');
  const replaced = await sessionStatus(first);
  assert.equal(replaced.status, 401, 'renewal replaced the first token (same device)');
  assert.equal(replaced.body.code, 400100);

  step('secureLogout');
  const loggedOut = await Client.secureLogout();
  assert.equal(loggedOut, true, 'secureLogout resolves true');
  assert.equal(client.token, undefined, 'the client dropped its token');

  for (const [name, token] of [['renewed', second], ['first', first]]) {
    const after = await sessionStatus(token);
    assert.equal(after.status, 401, `the ${name} token is refused after secureLogout`);
    assert.equal(after.body.status, 'error');
    assert.equal(after.body.code, 400100);
  }

  step('a wrong API key surfaces as ASCApiError 400100');
  Client.createClient(`${apiKey}-wrong`, 'sg', { apiEndpoint: { http: baseUrl }, rteEnabled: false });
  await assert.rejects(
    Client.login({ userId }, sessionHandler, { disableRTE: true }),
    (e) => e.code === 400100 && e.type === 'ASC',
  );

  clearTimeout(deadline);
  step('OK');
  process.exit(0);
} catch (e) {
  fail(e?.message ?? String(e), e);
}
