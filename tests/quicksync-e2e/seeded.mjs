// Testing mode's seed file with the reference wallet client (ethers.js): a session made on one
// gateway, taken out with GET /admin/v1/testing/snapshot and written to `[testing] seed_file`,
// already works on a gateway started from that file.
//
//   QS_MODE=seed   QS_BASE_URL=... QS_API_KEY=...   prints {"sessionId", "hostToken"}
//   QS_MODE=resume QS_BASE_URL=... QS_SESSION_ID=... QS_HOST_TOKEN=...
//
// Exits non-zero on the first surprise.

import assert from "node:assert/strict";
import { Wallet } from "ethers";

const base = (process.env.QS_BASE_URL ?? "http://127.0.0.1:8080").replace(/\/$/, "");

async function call(method, path, { bearer, body, apiKey } = {}) {
  const headers = {};
  if (bearer) headers.Authorization = `Bearer ${bearer}`;
  if (apiKey) headers["X-API-KEY"] = apiKey;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const res = await fetch(`${base}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : null };
}

// Nonce, EIP-191 signature, verification: the gateway's wallet bearer.
async function walletBearer(wallet) {
  const { json } = await call("GET", "/v1/wallet-proof/nonce");
  const signature = await wallet.signMessage(json.message);
  const ok = await call("POST", "/v1/wallet-proof/verify?chain=Ethereum", {
    body: { walletAddress: wallet.address, message: json.message, signature },
  });
  assert.equal(ok.status, 200, JSON.stringify(ok.json));
  return ok.json.token;
}

const mode = process.env.QS_MODE;
if (mode === "seed") {
  const host = Wallet.createRandom();
  const created = await call("POST", "/v1/session", {
    bearer: await walletBearer(host),
    apiKey: process.env.QS_API_KEY,
    body: { identity: { name: "Host" }, rules: { userCapacity: 3, expiryDurationInSeconds: 3600 } },
  });
  assert.equal(created.status, 200, JSON.stringify(created.json));
  console.log(JSON.stringify({ sessionId: created.json.sessionId, hostToken: created.json.credentials.token }));
} else if (mode === "resume") {
  const sessionId = process.env.QS_SESSION_ID;
  const hostToken = process.env.QS_HOST_TOKEN;
  const now = await call("GET", "/v1/session/current", { bearer: hostToken });
  assert.equal(now.status, 200, JSON.stringify(now.json));
  assert.equal(now.json.id, sessionId);
  assert.deepEqual(now.json.users.map((u) => u.role), ["Host"]);
  // The seeded group takes members as if it had been made here.
  const guest = Wallet.createRandom();
  const joined = await call("POST", "/v1/session/join", { bearer: await walletBearer(guest), body: { sessionId } });
  assert.equal(joined.status, 200, JSON.stringify(joined.json));
  const after = await call("GET", "/v1/session/current", { bearer: hostToken });
  assert.deepEqual(after.json.users.map((u) => u.role), ["Host", "Client"]);
  assert.equal((await call("DELETE", "/v1/session/current", { bearer: hostToken })).status, 200);
  assert.equal((await call("GET", "/v1/session/current", { bearer: joined.json.credentials.token })).status, 401);
  console.log("quicksync seeded session: ok");
} else {
  console.error("set QS_MODE=seed or QS_MODE=resume");
  process.exit(2);
}
