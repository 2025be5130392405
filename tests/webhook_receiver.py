"""A real HTTP receiver on a local port for the webhook tests: it checks each delivery's
signature as the README tells a receiver to, keeps what it accepted, ignores a repeated
Idempotency-Key, and can be taken down and brought back on the same port."""

from __future__ import annotations

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from app.services import webhooks


class Receiver:
    def __init__(self, secret: str):
        self.secret = secret
        self.received: list[dict] = []  # accepted bodies, in arrival order
        self.keys: set[str] = set()
        self.repeats = 0
        self.bad_signatures = 0
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def start(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - the http.server name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if not webhooks.verify(receiver.secret,
                                       self.headers.get(webhooks.TIMESTAMP_HEADER),
                                       body, self.headers.get(webhooks.SIGNATURE_HEADER)):
                    receiver.bad_signatures += 1
                    self.send_response(401)
                    self.end_headers()
                    return
                key = self.headers[webhooks.IDEMPOTENCY_HEADER]
                if key in receiver.keys:
                    receiver.repeats += 1
                else:
                    receiver.keys.add(key)
                    receiver.received.append(json.loads(body))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        ThreadingHTTPServer.allow_reuse_address = True
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None
