"""A real browser for the pages the cluster serves: Debian's Chromium, headless, run on the controller. It runs the
page's scripts, then gives the document as it stands, or a screenshot.

Flags keep it to the page asked for: no background networking, component updates, sync or pings, so it talks only to
the cluster's Docker network. --no-sandbox because the tests may run as root, where Chromium's sandbox refuses to
start."""
from __future__ import annotations

import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

CHROMIUM = shutil.which("chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--disable-default-apps", "--disable-domain-reliability", "--no-pings", "--no-first-run",
         # Virtual time runs the page's scripts and their requests to the end before the page is read.
         "--virtual-time-budget=10000"]


def dom(url: str) -> str:
    """The document after its scripts ran."""
    done = subprocess.run([CHROMIUM, *FLAGS, "--dump-dom", url], capture_output=True, text=True, timeout=120,
                          check=True)
    return done.stdout


def screenshot(url: str, path: Path, size: str = "1280,330") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([CHROMIUM, *FLAGS, f"--window-size={size}", f"--screenshot={path}", url], capture_output=True,
                   text=True, timeout=120, check=True)
    return path


class _Rows(HTMLParser):
    """The rows of a table whose <tr> carry data-node: each cell's text by its class, and the tags inside it."""

    def __init__(self):
        super().__init__()
        self.rows: dict = {}
        self._row = self._cell = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "tr" and "data-node" in attrs:
            self._row = self.rows.setdefault(attrs["data-node"], {})
        elif tag == "td" and self._row is not None:
            self._cell = attrs.get("class") or str(len(self._row))
            self._row[self._cell] = {"text": "", "tags": []}
        elif self._cell is not None:
            self._row[self._cell]["tags"].append(tag)

    def handle_endtag(self, tag):
        if tag == "td":
            self._cell = None
        elif tag == "tr":
            self._row = None

    def handle_data(self, data):
        if self._row is not None and self._cell is not None:
            self._row[self._cell]["text"] += data


def node_rows(document: str) -> dict:
    """{node: {cell class: {"text": its text, stripped, "tags": the tags inside it}}}."""
    parser = _Rows()
    parser.feed(document)
    return {node: {name: {"text": " ".join(cell["text"].split()), "tags": cell["tags"]} for name, cell in row.items()}
            for node, row in parser.rows.items()}
