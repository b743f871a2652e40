"""palabra-ai under an injected fault: with testing mode on, a 401 put on session creation
(POST /admin/v1/testing/faults) makes `Palabra.create_session()` raise AuthError once; then it
creates again.

Usage: testing_faults.py BASE_URL   (credentials in SS_CLIENT_ID / SS_CLIENT_SECRET, the admin
bearer in SS_ADMIN_TOKEN)

Prints one JSON line with what it saw; exits non-zero on any mismatch.
"""

import asyncio
import json
import os
import sys

import httpx
from palabra_ai import AuthError, Palabra


def check(cond, what):
    if not cond:
        raise AssertionError(what)


async def main(base_url: str) -> None:
    admin = {"Authorization": f"Bearer {os.environ['SS_ADMIN_TOKEN']}"}
    palabra = Palabra(
        client_id=os.environ["SS_CLIENT_ID"],
        client_secret=os.environ["SS_CLIENT_SECRET"],
        api_url=base_url,
    )
    async with httpx.AsyncClient(timeout=30) as http:
        rule = {
            "flavor": "session-storage",
            "method": "POST",
            "path": "/session-storage/session",
            "status": 401,
            "times": 1,
        }
        added = await http.post(f"{base_url}/admin/v1/testing/faults", json=rule, headers=admin)
        check(added.status_code == 201, f"adding the fault: {added.status_code} {added.text}")

        try:
            await palabra.create_session()
            raise AssertionError("the injected 401 did not reach the client")
        except AuthError:
            pass

        session = await palabra.create_session()
        check(session.id != "", "a session after the fault")
        await palabra.delete_session(session.id)

        rules = (await http.get(f"{base_url}/admin/v1/testing/faults", headers=admin)).json()
        check(rules["data"][0]["hits"] == 1, f"hits: {rules}")

    print(json.dumps({"refused": "AuthError", "created_after": session.id}))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: testing_faults.py BASE_URL")
    asyncio.run(main(sys.argv[1].rstrip("/")))
