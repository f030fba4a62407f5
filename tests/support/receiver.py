"""A webhook receiver for browser tests: records every request, answers what the path asks.

Runs in a thread (the browser scenarios run in a Node process and ask it over HTTP):

- ``POST /<anything>``: recorded, answered 200; ``/status/<code>/...`` answers ``<code>``.
- ``GET /_received`` (optionally ``?path=<prefix>``): the requests recorded so far, oldest
  first, as JSON ``[{path, headers, body, at}]`` (headers lower-cased, body as text).
- ``DELETE /_received``: forget them.
"""

from __future__ import annotations

import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

STATUS_PATH = re.compile(r"^/status/(\d{3})(/|$)")


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:  # quiet: pytest shows the node output instead
        pass

    def _answer(self, status: int, body: bytes, content_type: str = "text/plain") -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        path = urlsplit(self.path).path
        with self.server.lock:
            self.server.received.append({
                "path": path, "headers": {k.lower(): v for k, v in self.headers.items()},
                "body": body.decode("utf-8", "replace"), "at": time.time()})
        match = STATUS_PATH.match(path)
        status = int(match.group(1)) if match else 200
        self._answer(status, b"ok" if status < 300 else f"answer {status}".encode())

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        if url.path != "/_received":
            self._answer(404, b"no such route")
            return
        prefix = parse_qs(url.query).get("path", [""])[0]
        with self.server.lock:
            items = [r for r in self.server.received if r["path"].startswith(prefix)]
        self._answer(200, json.dumps(items).encode(), "application/json")

    def do_DELETE(self) -> None:
        if urlsplit(self.path).path != "/_received":
            self._answer(404, b"no such route")
            return
        with self.server.lock:
            self.server.received.clear()
        self._answer(204, b"")


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.lock = threading.Lock()
        self.received: list[dict] = []


class WebhookReceiver:
    def __init__(self) -> None:
        self._server = _Server()
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, name="webhook-receiver", daemon=True)

    @property
    def received(self) -> list[dict]:
        with self._server.lock:
            return list(self._server.received)

    def start(self) -> WebhookReceiver:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
