"""Prometheus on the head node, asked from the controller over the cluster's network as a person with an SSH tunnel
would: its HTTP API, and a wait until a query says what a test expects."""
from __future__ import annotations

import json
import time
import urllib.parse
import urllib.request

from clustertest import ADDRESSES, HEAD

PORT = 9090
BASE = f"http://{ADDRESSES[HEAD]}:{PORT}"


def get(path: str, **params) -> dict:
    url = f"{BASE}{path}" + (f"?{urllib.parse.urlencode(params)}" if params else "")
    # The cluster's own Prometheus, on its Docker network.
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.load(response)


def page(path: str) -> str:
    with urllib.request.urlopen(f"{BASE}{path}", timeout=10) as response:
        return response.read().decode()


def query(expression: str) -> dict:
    """An instant query's result by node: {node: value} (series without a node label under '')."""
    result = get("/api/v1/query", query=expression)["data"]["result"]
    return {series["metric"].get("node", ""): float(series["value"][1]) for series in result}


def wait_for(expression: str, wanted, timeout: float = 120, step: float = 3) -> dict:
    """query(expression) once wanted(result) holds, or its last result after timeout seconds."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            found = query(expression)
        except OSError:
            found = {}
        if wanted(found) or time.monotonic() > deadline:
            return found
        time.sleep(step)
