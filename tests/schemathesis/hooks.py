"""Schemathesis hooks for the gateway's contract run (scripts/schemathesis.sh).

- One auth provider that gives every generated request the credentials its operation's
  `security` asks for, fresh for each case (a case may revoke what it was given): a signed
  QuickBlox session, an Amity access token, a QuickSync wallet bearer or session token, the
  session-storage client's headers, the admin bearer. Session-storage `{id}` paths, admin
  `{handle}` paths and admin `{kind}/{id}` paths get a live session or a run-time tenant on
  every other case, so both the found and the unknown answers are exercised.
- A check that every error answer (4xx, 5xx) is in the format of the flavor that owns its path.
- A summary of the operations that were reached past authentication (some 2xx), printed at the
  end and written to $SG_REACHED when set.

The tenants are those of tests/schemathesis/gateway.toml; $SG_BASE is the gateway's base URL.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import os
import time

import requests
import schemathesis

BASE = os.environ.get("SG_BASE", "http://127.0.0.1:8080")
ADMIN_TOKEN = "schemathesis-admin-token-0123456789"
QB_APP, QB_KEY, QB_SECRET = 4242, "st-auth-key", "st-auth-secret"
QB_USER = ("alice", "alice-pass")
AMITY_KEY = "st-amity-key"
# The server-key operations (secure-mode auth tokens) need a network in secure mode.
AMITY_SECURE_KEY, AMITY_SECURE_SERVER_KEY = "st-amity-secure-key", "st-amity-secure-server-key"
SS_CLIENT = {"ClientID": "st-client", "ClientSecret": "st-client-secret"}
QS_KEY = "st-qs-key"
QS_WALLET_SECRET = b"st-quicksync-wallet-secret-0123456789"
QS_WALLET = "0x52908400098527886e0f7030069857d2e4169ee7"

_nonces = itertools.count(int(time.time()) % 1_000_000 * 1000)
_cases = itertools.count()
_http = requests.Session()


def _must(r: requests.Response) -> dict:
    if r.status_code >= 300:
        raise RuntimeError(f"setting up credentials: {r.request.method} {r.url} -> {r.status_code} {r.text}")
    return r.json()


def quickblox_token(user: bool) -> str:
    """A session token of application 4242, signed like the SDK signs it (HMAC-SHA1)."""
    p = {
        "application_id": str(QB_APP),
        "auth_key": QB_KEY,
        "timestamp": str(int(time.time())),
        "nonce": str(next(_nonces)),
    }
    if user:
        p["user[login]"], p["user[password]"] = QB_USER
    message = "&".join(sorted(f"{k}={v}" for k, v in p.items()))
    p["signature"] = hmac.new(QB_SECRET.encode(), message.encode(), hashlib.sha1).hexdigest()
    return _must(_http.post(f"{BASE}/session.json", data=p))["session"]["token"]


def amity_token() -> str:
    body = {"userId": f"st-user-{next(_cases)}", "deviceId": "st-device"}
    r = _http.post(f"{BASE}/api/v3/sessions", json=body, headers={"x-api-key": AMITY_KEY})
    return _must(r)["accessToken"]


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def wallet_bearer() -> str:
    """An HS256 wallet JWT as an operator's own verifier would mint it."""
    now = int(time.time())
    head = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    claims = _b64(json.dumps({"sub": QS_WALLET, "iat": now, "exp": now + 600}).encode())
    sig = hmac.new(QS_WALLET_SECRET, f"{head}.{claims}".encode(), hashlib.sha256).digest()
    return f"{head}.{claims}.{_b64(sig)}"


def quicksync_session_token() -> str:
    headers = {"X-API-KEY": QS_KEY, "Authorization": f"Bearer {wallet_bearer()}"}
    r = _http.post(f"{BASE}/v1/session", json={}, headers=headers)
    return _must(r)["credentials"]["token"]


def session_storage_id() -> str:
    r = _http.post(f"{BASE}/session-storage/session", json={"data": {}}, headers=SS_CLIENT)
    return _must(r)["data"]["id"]


ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def admin_session_handle(group: bool) -> str:
    """The admin handle of a live session: a new session-storage one, or a QuickSync group."""
    if group:
        # Wallet bearers carry real times: the clock other cases moved goes back first.
        _must(_http.post(f"{BASE}/admin/v1/testing/clock", json={"reset": True}, headers=ADMIN))
        quicksync_session_token()
        q = {"flavor": "quicksync", "page_size": "200"}
    else:
        q = {"flavor": "session-storage", "tenant": SS_CLIENT["ClientID"], "subject": session_storage_id()}
    items = _must(_http.get(f"{BASE}/admin/v1/sessions", params=q, headers=ADMIN))["data"]
    handles = [s["handle"] for s in items if not group or s["capacity"] is not None]
    if not handles:
        raise RuntimeError(f"setting up a session handle: none listed for {q}")
    return handles[-1]


def admin_runtime_client() -> dict[str, str]:
    """A new run-time session-storage client: the `kind` and `id` of its admin path."""
    client_id = f"st-runtime-{next(_cases)}"
    body = {"client_id": client_id, "client_secret": "st-runtime-secret-0123456789"}
    r = _http.put(f"{BASE}/admin/v1/tenants/session-storage-clients", json=body, headers=ADMIN)
    return {"kind": "session-storage-clients", "id": _must(r)["id"]}


def credentials(scheme: str, method: str, path: str) -> dict[str, str]:
    """The headers that satisfy one security scheme of the document."""
    if scheme == "QB-Token":
        # Logging out needs a user session; the rest take an application session.
        return {"QB-Token": quickblox_token(user=(method, path) == ("delete", "/login.json"))}
    if scheme == "AmityApiKey":
        return {"x-api-key": AMITY_SECURE_KEY if "/authentication/" in path else AMITY_KEY}
    if scheme == "AmityServerKey":
        return {"x-server-key": AMITY_SECURE_SERVER_KEY}
    if scheme == "AmityBearer":
        return {"Authorization": f"Bearer {amity_token()}"}
    if scheme in ("ClientID", "ClientSecret"):
        return SS_CLIENT
    if scheme == "QuicksyncApiKey":
        return {"X-API-KEY": QS_KEY}
    if scheme == "QuicksyncWalletBearer":
        return {"Authorization": f"Bearer {wallet_bearer()}"}
    if scheme == "QuicksyncSessionBearer":
        return {"Authorization": f"Bearer {quicksync_session_token()}"}
    if scheme == "AdminBearer":
        return {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    raise RuntimeError(f"no credentials for the security scheme {scheme}")


@schemathesis.auth(refresh_interval=None)
class GatewayAuth:
    """Fresh credentials for each case, for the first security requirement of its operation."""

    def get(self, case, context):
        requirements = context.operation.definition.raw.get("security")
        if requirements is None:
            requirements = context.operation.schema.raw_schema.get("security") or []
        headers: dict[str, str] = {}
        path, method = context.operation.path, context.operation.method.lower()
        if path.startswith("/admin/"):
            headers.update(credentials("AdminBearer", method, path))
        elif requirements:
            for scheme in requirements[0]:
                headers.update(credentials(scheme, method, path))
        extra = {}
        if path.startswith("/session-storage/sessions/{id}") and next(_cases) % 2 == 0:
            extra["id"] = session_storage_id()
        # Admin paths naming a session or a run-time tenant: a live one on every other case.
        if path.startswith("/admin/v1/sessions/{handle}") and next(_cases) % 2 == 0:
            extra["handle"] = admin_session_handle(group=path.endswith("/members"))
        if path == "/admin/v1/tenants/{kind}/{id}" and next(_cases) % 2 == 0:
            extra.update(admin_runtime_client())
        return {"headers": headers, "path": extra} if headers or extra else None

    def set(self, case, data, context):
        case.headers = {**(case.headers or {}), **data["headers"]}
        # A case made invalid in its path keeps its own (an invalid `{kind}` must stay invalid).
        if data["path"] and not _negative_in_path(case):
            case.path_parameters = {**(case.path_parameters or {}), **data["path"]}


def _negative_in_path(case) -> bool:
    meta = getattr(case, "meta", None)
    components = getattr(meta, "components", None) or {}
    return any(str(getattr(loc, "value", loc)) == "path" and info.mode.is_negative for loc, info in components.items())


def _flavor_format_problem(path: str, status: int, content_type: str, body: bytes) -> str | None:
    """Why an error answer is not in the format of the flavor owning `path`, or None."""
    if path in ("/", "/healthz", "/readyz", "/metrics", "/openapi.json"):
        return None  # the gateway's own paths: no flavor, no error format
    try:
        v = json.loads(body)
    except ValueError:
        return "the body is not JSON"
    if not isinstance(v, dict):
        return "the body is not a JSON object"
    if path.startswith("/admin/"):
        e = v.get("error")
        ok = isinstance(e, dict) and isinstance(e.get("code"), str) and isinstance(e.get("message"), str)
        return None if ok else 'not the admin format {"error":{"code","message"}}'
    if path.startswith("/v1/"):
        if not content_type.startswith("application/problem+json"):
            return f"QuickSync errors are application/problem+json, not {content_type!r}"
        ok = v.get("status") == status and isinstance(v.get("title"), str)
        return None if ok else "not a ProblemDetails with this status and a title"
    if path.startswith("/api/"):
        ok = v.get("status") == "error" and isinstance(v.get("code"), int) and isinstance(v.get("message"), str)
        return None if ok else 'not the Amity format {"status":"error","code","message"}'
    if path.startswith("/session-storage/"):
        errors = v.get("errors")
        ok = v.get("ok") is False and isinstance(errors, list) and errors and isinstance(errors[0].get("status"), int)
        return None if ok else 'not the session-storage format {"ok":false,"errors":[{"status"}]}'
    if path.endswith(".json"):
        ok = isinstance(v.get("errors"), (dict, list))
        return None if ok else 'not the QuickBlox format {"errors": ...}'
    return None


@schemathesis.check
def error_body_in_the_flavors_format(ctx, response, case):
    """Every 4xx and 5xx answer is in the error format of the flavor that owns the path."""
    if response.status_code < 400:
        return None
    content_type = response.headers.get("content-type", [""])[0]
    problem = _flavor_format_problem(case.operation.path, response.status_code, content_type, response.content)
    if problem:
        raise AssertionError(f"{response.status_code} from {case.operation.path}: {problem}")
    return None


@schemathesis.check
class ReachedPastAuthentication:
    """Records the operations that answered some 2xx, and lists the ones that never did."""

    def __init__(self):
        self.reached: set[str] = set()
        self.tested: set[str] = set()

    def after_response(self, ctx, response, case):
        label = f"{case.operation.method.upper()} {case.operation.path}"
        self.tested.add(label)
        if 200 <= response.status_code < 300:
            self.reached.add(label)

    def after_run(self, ctx):
        missing = sorted(self.tested - self.reached)
        lines = [f"reached (some 2xx): {len(self.reached)} of {len(self.tested)} operations"]
        lines += [f"  never 2xx: {label}" for label in missing]
        text = "\n".join(lines)
        print(text)
        out = os.environ.get("SG_REACHED")
        if out:
            with open(out, "a", encoding="utf-8") as f:
                f.write(text + "\n")
