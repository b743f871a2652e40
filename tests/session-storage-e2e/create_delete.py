"""Creates and deletes a session through the official `palabra-ai` client against a gateway.

Usage: create_delete.py BASE_URL   (credentials in SS_CLIENT_ID / SS_CLIENT_SECRET)

Prints one JSON line with what it saw; exits non-zero on any mismatch.
"""

import asyncio
import json
import os
import re
import sys

import httpx
from palabra_ai import AuthError, Palabra

ID_SHAPE = re.compile(r"^[A-Za-z0-9_-]+\.[0-9a-f]{8}\.[0-9a-f]{8}$")


def check(cond, what):
    if not cond:
        raise AssertionError(what)


async def main(base_url: str) -> None:
    client_id = os.environ["SS_CLIENT_ID"]
    client_secret = os.environ["SS_CLIENT_SECRET"]
    headers = {"ClientID": client_id, "ClientSecret": client_secret}
    palabra = Palabra(client_id=client_id, client_secret=client_secret, api_url=base_url)

    session = await palabra.create_session()
    check(ID_SHAPE.match(session.id), f"id shape: {session.id!r}")
    check(len(session.publisher) > 43, "publisher token")
    check(session.ws_url == os.environ["SS_WS_URL"], f"ws_url: {session.ws_url!r}")
    check(session.webrtc_url == os.environ["SS_WEBRTC_URL"], f"webrtc_url: {session.webrtc_url!r}")
    check(session.webrtc_room_name != "", "webrtc_room_name")
    check(session.subscriber == (), f"subscriber: {session.subscriber!r}")

    async with httpx.AsyncClient(timeout=30) as http:
        url = f"{base_url}/session-storage/sessions/{session.id}"
        seen = await http.get(url, headers=headers)
        check(seen.status_code == 200, f"GET after create: {seen.status_code}")
        check(seen.json()["data"]["id"] == session.id, "GET id")

        # delete_session() swallows errors, so the GET below is what proves the delete.
        await palabra.delete_session(session.id)
        gone = await http.get(url, headers=headers)
        check(gone.status_code == 404, f"GET after delete: {gone.status_code}")
        check(gone.json()["ok"] is False, "error body")

    wrong = Palabra(client_id=client_id, client_secret="not-the-secret", api_url=base_url)
    try:
        await wrong.create_session()
        raise AssertionError("wrong secret accepted")
    except AuthError:
        pass

    print(json.dumps({"created": session.id, "deleted": True, "bad_credentials": "AuthError"}))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: create_delete.py BASE_URL")
    asyncio.run(main(sys.argv[1].rstrip("/")))
