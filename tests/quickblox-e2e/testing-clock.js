'use strict';
// Testing mode with the official QuickBlox JS SDK (npm `quickblox` 2.x), as a user's test would
// use it: a session opened by the SDK stops working once the gateway's clock moves past two
// hours of inactivity (POST /admin/v1/testing/clock), without waiting two hours.
//
// Environment: QB_API (host:port, https), QB_APP_ID, QB_AUTH_KEY, QB_AUTH_SECRET, QB_ADMIN_TOKEN
// (the gateway's admin bearer). Node must trust the gateway's certificate (NODE_EXTRA_CA_CERTS).
// Exits 0 when every step behaves as expected, 1 otherwise.

const assert = require('node:assert/strict');

function env(name) {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} is not set`);
  }
  return value;
}

const api = env('QB_API');
const adminToken = env('QB_ADMIN_TOKEN');

// The SDK logs its platform and a missing-accountKey warning on init; keep the output to ours.
const quiet = { log: console.log };
console.log = () => {};
console.warn = () => {};
const QB = require('quickblox');

function say(...args) {
  quiet.log('[testing-clock]', ...args);
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

// The gateway's testing API, with the admin bearer.
async function moveClock(change) {
  const res = await fetch(`https://${api}/admin/v1/testing/clock`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${adminToken}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(change),
  });
  const text = await res.text();
  assert.equal(res.status, 200, `moving the clock: ${text}`);
  return JSON.parse(text);
}

async function main() {
  QB.init(Number(env('QB_APP_ID')), env('QB_AUTH_KEY'), env('QB_AUTH_SECRET'), {
    endpoints: { api, chat: api },
    debug: false,
  });
  const session = await call(QB.createSession, {});
  assert.match(session.token, /^[0-9a-f]{40}$/);
  const got = await call(QB.getSession);
  assert.equal(got.session.token, session.token);
  say('createSession and getSession ok');

  // One second short of two hours of inactivity: still there (and used again, so it slides).
  const clock = await moveClock({ advance_seconds: 7199 });
  assert.equal(clock.offset_seconds, 7199);
  const still = await call(QB.getSession);
  assert.equal(still.session.token, session.token);
  say('alive after 1 h 59 min 59 s ok');

  // Two hours and a second of inactivity: the token no longer opens the session.
  await moveClock({ advance_seconds: 7201 });
  const gone = await refused(call(QB.getSession));
  assert.equal(gone.code, 401);
  assert.ok(JSON.stringify(gone.message).toLowerCase().includes('session does not exist'));
  say('expired after 2 h + 1 s ok');

  await moveClock({ reset: true });
}

main().then(
  () => {
    say('all checks passed');
    process.exit(0);
  },
  (err) => {
    quiet.log('[testing-clock] FAILED:', err && err.stack ? err.stack : JSON.stringify(err));
    process.exit(1);
  },
);
