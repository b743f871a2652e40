"""A webhook receiver for the end-to-end tests: verifies every request with the
`standardwebhooks` package (PyPI) and keeps what it accepted.

Usage: receiver.py <secret>. Listens on a free loopback port and prints it as the first line.
  POST /hook          a delivery: 204 when its signature verifies (the event is kept), 401 when
                      not, 503 while down
  POST /down?secs=N   answers 503 to deliveries for the next N seconds
  POST /fail?tenant=T answers 503 to the next delivery (after any down time) that carries an
                      event of tenant T
  GET  /received      {"deliveries": [{"webhook_id", "events": [...]}...], "rejected": n}
It stops by itself after 10 minutes.
"""

import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

from standardwebhooks.webhooks import Webhook

LIFETIME_SECS = 600

lock = threading.Lock()
deliveries = []
rejected = 0
down_until = 0.0
fail_tenants = set()


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def answer(self, status, body=None):
        data = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if urlparse(self.path).path != "/received":
            return self.answer(404)
        with lock:
            self.answer(200, {"deliveries": deliveries, "rejected": rejected})

    def do_POST(self):
        global rejected, down_until
        url = urlparse(self.path)
        body = self.rfile.read(int(self.headers.get("content-length", "0")))
        if url.path == "/down":
            secs = float(parse_qs(url.query).get("secs", ["0"])[0])
            with lock:
                down_until = time.time() + secs
            return self.answer(204)
        if url.path == "/fail":
            with lock:
                fail_tenants.add(parse_qs(url.query).get("tenant", [""])[0])
            return self.answer(204)
        if url.path != "/hook":
            return self.answer(404)
        with lock:
            if time.time() < down_until:
                return self.answer(503)
        headers = {k.lower(): v for k, v in self.headers.items()}
        try:
            payload = WEBHOOK.verify(body, headers)
        except Exception:
            with lock:
                rejected += 1
            return self.answer(401)
        events = payload if isinstance(payload, list) else [payload]
        with lock:
            failing = fail_tenants.intersection(e.get("tenant") for e in events)
            if failing:
                fail_tenants.difference_update(failing)
                return self.answer(503)
            deliveries.append({"webhook_id": headers["webhook-id"], "events": events})
        self.answer(204)


WEBHOOK = Webhook(sys.argv[1])
server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
threading.Timer(LIFETIME_SECS, server.shutdown).start()
server.serve_forever()
