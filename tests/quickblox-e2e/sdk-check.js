'use strict';
// Drives the official QuickBlox JS SDK (npm `quickblox` 2.x) against a session-gateway.
// The SDK only speaks https: the gateway must serve TLS with a certificate that Node trusts
// (NODE_EXTRA_CA_CERTS). Exits 0 when every step behaves as the real service would, 1 otherwise.
//
// Environment: QB_API (host:port), QB_APP_ID, QB_AUTH_KEY, QB_AUTH_SECRET, QB_USER_LOGIN,
// QB_USER_PASSWORD, QB_USER_ID (the id the gateway reports for that user).

const assert = require('node:assert/strict');

function env(name) {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} is not set`);
  }
  return value;
}

const api = env('QB_API');
const appId = Number(env('QB_APP_ID'));
const authKey = env('QB_AUTH_KEY');
const authSecret = env('QB_AUTH_SECRET');
const login = env('QB_USER_LOGIN');
const password = env('QB_USER_PASSWORD');
const userId = Number(env('QB_USER_ID'));

// The SDK logs its platform and a missing-accountKey warning on init; keep the output to ours.
const quiet = { log: console.log, warn: console.warn };
console.log = () => {};
console.warn = () => {};
// Record every response's QB-Token-ExpirationDate header by wrapping the SDK's node-fetch.
const fetchPath = require.resolve('node-fetch', {
  paths: [require('node:path').dirname(require.resolve('quickblox'))],
});
const realFetch = require(fetchPath);
const responses = [];
function recordingFetch(url, options) {
  return realFetch(url, options).then((res) => {
    responses.push({
      method: (options && options.method) || 'GET',
      url: String(url),
      status: res.status,
      expiration: res.headers.get('qb-token-expirationdate'),
    });
    return res;
  });
}
Object.assign(recordingFetch, realFetch);
recordingFetch.default = recordingFetch;
require.cache[fetchPath].exports = recordingFetch;
const QB = require('quickblox');

function lastResponse() {
  return responses[responses.length - 1];
}

// `YYYY-MM-DD HH:MM:SS UTC`, about `seconds` from now.
function checkExpiration(seconds) {
  const { expiration } = lastResponse();
  assert.match(expiration || '', /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC$/, 'QB-Token-ExpirationDate');
  const at = Date.parse(expiration.replace(' UTC', 'Z').replace(' ', 'T'));
  assert.ok(Math.abs(at - Date.now() - seconds * 1000) < 60 * 1000, `expiration ${expiration}`);
}

function say(...args) {
  quiet.log('[sdk-check]', ...args);
}

function init(secret) {
  QB.init(appId, authKey, secret, { endpoints: { api, chat: api }, debug: false });
}

// Callback style to promises: resolve with the result, reject with the SDK's error object.
function call(fn, ...args) {
  return new Promise((resolve, reject) => {
    fn.call(QB, ...args, (err, res) => (err ? reject(err) : resolve(res)));
  });
}

async function refused(promise) {
  try {
    const res = await promise;
    throw new Error(`expected a refusal, got ${JSON.stringify(res)}`);
  } catch (err) {
    if (err instanceof Error) {
      throw err;
    }
    return err;
  }
}

// The SDK draws nonces from 0-9999 per second; waiting for the next second keeps two signed
// creations from ever sharing a (timestamp, nonce) pair, which the gateway rightly refuses.
async function nextSecond() {
  const ms = 1000 - (Date.now() % 1000) + 20;
  await new Promise((r) => setTimeout(r, ms));
}

function checkSession(s, expectedUser) {
  assert.match(s.token, /^[0-9a-f]{40}$/, 'token is 40 lowercase hex');
  assert.equal(s.application_id, appId);
  assert.equal(s.user_id, expectedUser);
  assert.equal(typeof s.id, 'number');
  assert.equal(typeof s._id, 'string');
  assert.equal(typeof s.nonce, 'number');
  assert.equal(typeof s.ts, 'number');
  assert.ok(Math.abs(s.ts - Date.now() / 1000) < 60, 'ts is the signed timestamp');
  assert.ok(!Number.isNaN(Date.parse(s.created_at)), 'created_at parses');
  assert.ok(!Number.isNaN(Date.parse(s.updated_at)), 'updated_at parses');
}

async function main() {
  init(authSecret);

  // An application session.
  const session = await call(QB.createSession, {});
  checkSession(session, 0);
  checkExpiration(7200);
  const expiry = QB.service.qbInst.config.qbTokenExpirationDate;
  assert.ok(expiry instanceof Date && !Number.isNaN(expiry.getTime()), 'the SDK parsed the expiration');
  say('createSession ok');

  const got = await call(QB.getSession);
  assert.equal(got.session.token, session.token);
  checkSession(got.session, 0);
  checkExpiration(7200);
  say('getSession ok');

  // Log in: the same token becomes a user session.
  const user = await call(QB.login, { login, password });
  assert.equal(user.id, userId);
  assert.equal(user.login, login);
  assert.equal(lastResponse().status, 202);
  checkExpiration(7200);
  const asUser = await call(QB.getSession);
  assert.equal(asUser.session.token, session.token);
  assert.equal(asUser.session.user_id, userId);
  say('login ok');

  const wrong = await refused(call(QB.login, { login, password: `${password}-wrong` }));
  assert.equal(wrong.code, 401);
  assert.deepEqual(wrong.message, { errors: ['Unauthorized'] });
  assert.equal(lastResponse().expiration, null, 'no expiration on an error');
  say('wrong password refused ok');

  await call(QB.logout);
  const asApp = await call(QB.getSession);
  assert.equal(asApp.session.user_id, 0);
  say('logout ok');

  // Destroy: the token stops working.
  await call(QB.destroySession);
  assert.equal(QB.service.getSession(), null);
  const gone = await refused(call(QB.startSessionWithToken, session.token));
  assert.equal(gone.code, 401);
  assert.ok(JSON.stringify(gone.message).toLowerCase().includes('session does not exist'));
  say('destroySession ok');

  // A user session in one step.
  await nextSecond();
  const userSession = await call(QB.createSession, { login, password });
  checkSession(userSession, userId);
  await call(QB.destroySession);
  say('createSession with user ok');

  // A wrong secret is refused.
  init(`${authSecret}-wrong`);
  const bad = await refused(call(QB.createSession, {}));
  assert.equal(bad.code, 422);
  assert.deepEqual(bad.message, { errors: { base: ['Unexpected signature'] } });
  say('wrong secret refused ok');
}

main().then(
  () => {
    say('all checks passed');
    process.exit(0);
  },
  (err) => {
    quiet.log('[sdk-check] FAILED:', err && err.stack ? err.stack : JSON.stringify(err));
    process.exit(1);
  },
);
