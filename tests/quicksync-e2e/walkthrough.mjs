// The QuickSync walkthrough as a dapp runs it, with ethers.js as the wallet:
// nonce -> wallet.signMessage (EIP-191) -> verify -> create -> join -> current -> kick ->
// disconnect -> delete. Exits non-zero on the first surprise.
//
//   QS_BASE_URL=http://127.0.0.1:8080 QS_API_KEY=qs-key node walkthrough.mjs

import assert from "node:assert/strict";
import { Wallet, verifyMessage, getAddress } from "ethers";

const base = (process.env.QS_BASE_URL ?? "http://127.0.0.1:8080").replace(/\/$/, "");
const apiKey = process.env.QS_API_KEY ?? "qs-key";

async function call(method, path, { bearer, body, apiKey: key } = {}) {
  const headers = {};
  if (bearer) headers.Authorization = `Bearer ${bearer}`;
  if (key) headers["X-API-KEY"] = key;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const res = await fetch(`${base}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  const type = res.headers.get("content-type") ?? "";
  return { status: res.status, type, json: text ? JSON.parse(text) : null };
}

async function walletBearer(wallet) {
  const { status, json } = await call("GET", "/v1/wallet-proof/nonce");
  assert.equal(status, 200);
  assert.ok(Number.isSafeInteger(json.nonce), "nonce is a safe integer");
  assert.ok(json.message.includes(String(json.nonce)), "message carries the nonce");
  const signature = await wallet.signMessage(json.message);
  // The signature as any EIP-191 verifier sees it.
  assert.equal(verifyMessage(json.message, signature), wallet.address);
  const proof = { walletAddress: wallet.address, message: json.message, signature };
  const ok = await call("POST", "/v1/wallet-proof/verify?chain=Ethereum", { body: proof });
  assert.equal(ok.status, 200, JSON.stringify(ok.json));
  // The nonce is spent.
  const again = await call("POST", "/v1/wallet-proof/verify?chain=Ethereum", { body: proof });
  assert.equal(again.status, 400);
  assert.equal(again.type, "application/problem+json");
  return ok.json.token;
}

function claims(jwt) {
  return JSON.parse(Buffer.from(jwt.split(".")[1], "base64url").toString("utf8"));
}

const host = Wallet.createRandom();
const alice = Wallet.createRandom();
const bob = Wallet.createRandom();

const hostJwt = await walletBearer(host);
assert.equal(getAddress(claims(hostJwt).sub), host.address);

// A signature by another wallet is refused.
{
  const { json } = await call("GET", "/v1/wallet-proof/nonce");
  const forged = await alice.signMessage(json.message);
  const r = await call("POST", "/v1/wallet-proof/verify?chain=Ethereum", {
    body: { walletAddress: host.address, message: json.message, signature: forged },
  });
  assert.equal(r.status, 400);
  assert.equal(r.json.status, 400);
}

const created = await call("POST", "/v1/session", {
  bearer: hostJwt,
  apiKey,
  body: { identity: { name: "Host" }, rules: { userCapacity: 3, expiryDurationInSeconds: 600, password: "pw" } },
});
assert.equal(created.status, 200, JSON.stringify(created.json));
assert.equal(created.json.credentials.role, "Host");
assert.equal(created.json.rules.maxUsers, 3);
assert.equal(created.json.rules.passwordProtected, true);
const sessionId = created.json.sessionId;
const hostToken = created.json.credentials.token;

const strict = await call("POST", "/v1/session", { bearer: hostJwt, apiKey, body: { rules: { colour: "red" } } });
assert.equal(strict.status, 422);
assert.equal(strict.type, "application/problem+json");

const aliceJwt = await walletBearer(alice);
const bobJwt = await walletBearer(bob);
const wrong = await call("POST", "/v1/session/join", { bearer: aliceJwt, body: { sessionId, password: "nope" } });
assert.equal(wrong.status, 403);
const a = await call("POST", "/v1/session/join", { bearer: aliceJwt, body: { sessionId, password: "pw" } });
assert.equal(a.status, 200, JSON.stringify(a.json));
assert.equal(a.json.credentials.role, "Client");
const b = await call("POST", "/v1/session/join", { bearer: bobJwt, body: { sessionId, password: "pw" } });
assert.equal(b.status, 200);

const now = await call("GET", "/v1/session/current", { bearer: hostToken });
assert.equal(now.status, 200);
assert.equal(now.json.id, sessionId);
assert.deepEqual(now.json.users.map((u) => u.role), ["Host", "Client", "Client"]);
assert.equal(getAddress(now.json.users[1].address), alice.address);

const kicked = await call("POST", "/v1/session/current/kick", { bearer: hostToken, body: { userId: a.json.credentials.id } });
assert.equal(kicked.status, 200);
assert.equal((await call("GET", "/v1/session/current", { bearer: a.json.credentials.token })).status, 401);

assert.equal((await call("POST", "/v1/session/disconnect", { bearer: b.json.credentials.token })).status, 200);
assert.equal((await call("GET", "/v1/session/current", { bearer: b.json.credentials.token })).status, 401);

assert.equal((await call("DELETE", "/v1/session/current", { bearer: hostToken })).status, 200);
assert.equal((await call("GET", "/v1/session/current", { bearer: hostToken })).status, 401);

console.log("quicksync client walkthrough: ok");
