// Verifies compact JWS tokens against a JWKS document with Node's own crypto (OpenSSL), an
// implementation independent of the gateway's. Takes `{"jwks": {...}, "tokens": [...]}` as JSON,
// its one argument; prints a JSON array with, for each token, whether the key of the document
// that its header's `kid` names (with the same `alg`) verifies its signature.
import { createPublicKey, verify } from 'node:crypto';

const { jwks, tokens } = JSON.parse(process.argv[2]);

const verified = tokens.map((token) => {
  const [head, payload, signature] = token.split('.');
  const header = JSON.parse(Buffer.from(head, 'base64url').toString('utf8'));
  const jwk = jwks.keys.find((k) => k.kid === header.kid);
  if (!jwk || jwk.alg !== header.alg) return false;
  const key = createPublicKey({ key: jwk, format: 'jwk' });
  const data = Buffer.from(`${head}.${payload}`);
  const sig = Buffer.from(signature, 'base64url');
  switch (header.alg) {
    case 'ES256':
      return verify('sha256', data, { key, dsaEncoding: 'ieee-p1363' }, sig);
    case 'EdDSA':
      return verify(null, data, key, sig);
    default:
      return false;
  }
});
console.log(JSON.stringify(verified));
