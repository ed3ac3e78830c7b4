"""Headless Chromium for the report test, and a small DOM reader for what it dumps."""

from __future__ import annotations

import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run", "--disable-quic", "--hide-scrollbars", "--enable-logging=stderr", "--v=0"]


def chromium() -> str:
    for name in BROWSERS:
        path = shutil.which(name)
        if path:
            return path
    pytest.skip("no Chromium installed (Debian: apt-get install chromium); .ci/run installs it")


def run(page: Path, profile: Path, *args: str) -> subprocess.CompletedProcess:
    """Chromium on PAGE with a fresh profile; returns the finished process (stdout: --dump-dom)."""
    cmd = [chromium(), *FLAGS, f"--user-data-dir={profile}", *args, page.resolve().as_uri()]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-3000:]
    return done


def console_messages(stderr: str) -> list[str]:
    """What the page wrote to the console: uncaught script errors, blocked inline scripts or
    loads (Content-Security-Policy), and any log line (the report's own script logs nothing)."""
    return [line for line in stderr.splitlines() if ":CONSOLE" in line]


class Node:
    def __init__(self, tag: str, attrs: dict[str, str], parent: "Node | None") -> None:
        self.tag, self.attrs, self.parent, self.children, self.parts = tag, attrs, parent, [], []

    @property
    def text(self) -> str:
        return "".join(p if isinstance(p, str) else p.text for p in self.parts)

    def iter(self):
        yield self
        for c in self.children:
            yield from c.iter()

    def find_all(self, tag: str | None = None, **attrs: str) -> list["Node"]:
        want = {k.rstrip("_").replace("_", "-"): v for k, v in attrs.items()}

        def has(n: Node, k: str, v: str) -> bool:
            if k == "class":  # every class given is among the node's classes
                return set(v.split()) <= set(n.classes())
            return n.attrs.get(k) == v

        return [n for n in self.iter() if (tag is None or n.tag == tag) and all(has(n, k, v) for k, v in want.items())]

    def classes(self) -> list[str]:
        return (self.attrs.get("class") or "").split()


VOID = {"meta", "link", "br", "img", "input", "hr", "area", "base", "col", "embed", "source", "track", "wbr"}


class _Builder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#root", {}, None)
        self.cur = self.root

    def handle_starttag(self, tag, attrs):
        node = Node(tag, {k: (v if v is not None else "") for k, v in attrs}, self.cur)
        self.cur.children.append(node)
        self.cur.parts.append(node)
        if tag not in VOID:
            self.cur = node

    def handle_startendtag(self, tag, attrs):
        node = Node(tag, {k: (v if v is not None else "") for k, v in attrs}, self.cur)
        self.cur.children.append(node)
        self.cur.parts.append(node)

    def handle_endtag(self, tag):
        n = self.cur
        while n is not self.root and n.tag != tag:
            n = n.parent
        if n is not self.root:
            self.cur = n.parent

    def handle_data(self, data):
        self.cur.parts.append(data)


def parse(html: str) -> Node:
    b = _Builder()
    b.feed(html)
    return b.root


def table_rows(table: Node) -> list[list[str]]:
    return [[c.text.strip() for c in tr.children if c.tag in ("td", "th")] for tr in table.find_all("tr")]
