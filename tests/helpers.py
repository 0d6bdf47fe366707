"""What tests share besides fixtures: corpus paths, the widget test origin, a live `qi serve` in a subprocess.

Test files import from here, never from conftest.py (pytest owns that module).
"""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from contextlib import closing
from pathlib import Path

import httpx

from engine.config import ROOT, Settings

CORPUS = ROOT / "corpora" / "tangshan-demo"
DEV = ROOT / "corpora" / "eval" / "dev.jsonl"
PORTAL = "http://portal.example.gov.cn"


def copy_database(url: str, path: Path) -> str:
    """A consistent copy of a SQLite database (the backup API, so a WAL database copies whole); its URL."""
    with closing(sqlite3.connect(url.removeprefix("sqlite:///"))) as source, closing(sqlite3.connect(path)) as copy:
        source.backup(copy)
    return f"sqlite:///{path}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """`qi serve` in a subprocess on a free port, on the test database and index."""

    def __init__(self, settings: Settings, workers: int = 1, demo_host: bool = False,
                 env: dict[str, str] | None = None, ready: tuple[int, ...] = (200,)) -> None:
        """`env` adds QI_* variables; `ready` are the health statuses that count as started (503: degraded)."""
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.demo_port = free_port() if demo_host else None
        args = [sys.executable, "-m", "api.cli", "--db", settings.database_url, "--index-dir",
                str(settings.index_dir), "serve", "--port", str(self.port), "--workers", str(workers)]
        if demo_host:
            args += ["--demo-host-port", str(self.demo_port)]
        self.proc = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                     env={**os.environ, **(env or {})})
        self.lines: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()
        deadline = time.time() + 90
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("qi serve exited:\n" + "".join(self.lines))
            try:
                if httpx.get(f"{self.url}/v1/health", timeout=2).status_code in ready:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        self.stop()
        raise RuntimeError("qi serve did not become healthy:\n" + "".join(self.lines))

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.lines.append(line)

    def printed(self, label: str) -> str:
        """A value `qi serve` printed, e.g. printed('widget key')."""
        for line in self.lines:
            if line.strip().startswith(label):
                return line.split()[len(label.split())]
        raise KeyError(label)

    def kill(self) -> None:
        """kill -9 the whole server (uvicorn's workers too)."""
        for pid in _children(self.proc.pid) + [self.proc.pid]:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()


def _children(pid: int) -> list[int]:
    out = []
    for path in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = path.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            child = int(path.parent.name)
            out += [child, *_children(child)]
    return out
