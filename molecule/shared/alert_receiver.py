"""A webhook for Alertmanager on the controller: an HTTP server on the controller's address on the cluster's Docker
network, which keeps every notification Alertmanager posts to it (its webhook JSON), for the tests to read."""
from __future__ import annotations

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def address_towards(peer: str) -> str:
    """The controller's own address on the network that reaches peer (no packet is sent)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.connect((peer, 9))
        return probe.getsockname()[0]


class Receiver:
    def __init__(self, peer: str):
        self.posts: list = []
        received = self.posts

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                received.append(json.loads(body))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *_args):
                pass

        self.server = ThreadingHTTPServer((address_towards(peer), 0), Handler)
        self.url = "http://{}:{}/".format(*self.server.server_address)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def alerts(self) -> list:
        """Every alert of every notification so far: its status and labels."""
        return [{"status": alert["status"], **alert["labels"]} for post in self.posts for alert in post["alerts"]]

    def wait_for(self, wanted, timeout: float = 120) -> list:
        """alerts() once wanted(alerts()) holds, or after timeout seconds."""
        deadline = time.monotonic() + timeout
        while not wanted(self.alerts()) and time.monotonic() < deadline:
            time.sleep(2)
        return self.alerts()
