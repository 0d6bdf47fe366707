"""`python -m engine.evaluation.abuse_bench`: the figures of issue 12 (abuse and faults), measured on a real server.

It copies the database and the current index into a scratch folder, starts `qi serve` on them (loopback only),
and prints, each bounded in count and time:
  long input      recommend latency of a 2,000-character demand vs a one-line one (in one process)
  long flood      p50 of a short recommend, idle and while four anonymous clients send 2,000-character demands
  300 MiB body    status, time to answer, worker memory growth; 2 GiB anonymous upload: status, bytes kept
  zip bombs       the issue's sizes (2 GB cell, 1.5 GB of empty rows, ...): status and seconds each, memory
  upload+filings  a 50 MB staff upload while 50 demands are filed: errors, filing p50/max
  rebuild         200 recommends during a full rebuild: errors, p50, max, against idle
Timings on a shared machine are noisy; run it when the machine is quiet.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from engine.config import ROOT, Settings
from engine.evaluation.metrics import percentile

MIB = 1024 * 1024
SHORT = "锅炉房的压力表到期了要送检"
LONG = ("我们公司在丰南区，是一家做出口瓷砖的陶瓷企业，这几年订单多了，车间里的设备也越来越多。"
        "锅炉房的压力表到期了要送检，地磅也要年检。" * 40)[:2000]


def rss_kib(pid: int) -> int:
    """Resident memory of a process, KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def stream_body(url: str, path: str, headers: dict[str, str], total: int, seconds: float = 30,
                chunk: int = 64 * 1024) -> tuple[int, int]:
    """POST a body produced chunk by chunk (never held in memory), stopping as soon as the server answers;
    (status, body bytes sent by then). `Transfer-Encoding: chunked` in `headers` frames the chunks."""
    host, port = url.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=seconds)
    head = f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    sock.sendall((head + "\r\n").encode("latin-1"))
    block = b"x" * chunk
    framed = f"{len(block):x}\r\n".encode() + block + b"\r\n" if headers.get("Transfer-Encoding") == "chunked" \
        else block
    sock.setblocking(False)
    answer, sent = b"", 0
    deadline = time.monotonic() + seconds
    try:
        while time.monotonic() < deadline and b"\r\n" not in answer:
            try:
                answer += sock.recv(65536)
                continue
            except BlockingIOError:
                pass
            except ConnectionResetError:
                break
            if sent >= total:
                time.sleep(0.01)
                continue
            try:
                sent += sock.send(framed)
            except (BlockingIOError, InterruptedError):
                time.sleep(0.005)
            except (BrokenPipeError, ConnectionResetError):
                sock.setblocking(True)
                try:
                    answer += sock.recv(65536)
                except OSError:
                    pass
                break
    finally:
        sock.close()
    if not answer.startswith(b"HTTP/1.1 "):
        return 0, sent
    return int(answer.split()[1]), sent


class Server:
    """`qi serve` (api.cli, run as a program, never imported) on a free loopback port for these settings."""

    def __init__(self, settings: Settings, workers: int = 1, env: dict[str, str] | None = None) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        args = [sys.executable, "-m", "api.cli", "--db", settings.database_url, "--index-dir",
                str(settings.index_dir), "serve", "--port", str(self.port), "--workers", str(workers)]
        self.proc = subprocess.Popen(args, cwd=ROOT, env={**os.environ, **(env or {})},
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/v1/health", timeout=2).status_code in (200, 503):
                    return
            except httpx.HTTPError:
                time.sleep(0.3)
        self.stop()
        raise RuntimeError("qi serve did not start")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def scratch_copy(settings: Settings, folder: Path) -> Settings:
    """The database and the current index copied into `folder` (the bench loads and rebuilds freely there)."""
    shutil.copytree(settings.index_dir / "current", folder / "indexes" / "current")
    with sqlite3.connect(settings.database_url.removeprefix("sqlite:///")) as src, \
            sqlite3.connect(folder / "qi.db") as dst:
        src.backup(dst)
    return settings.model_copy(update={"database_url": f"sqlite:///{folder / 'qi.db'}",
                                       "index_dir": folder / "indexes", "upload_dir": folder / "uploads"})


def _timed(call) -> tuple[float, int]:
    started = time.perf_counter()
    status = call()
    return (time.perf_counter() - started) * 1000, status


def _p50(client: httpx.Client, n: int, text: str = SHORT) -> tuple[float, float, list[int]]:
    times, codes = [], []
    for _ in range(n):
        ms, code = _timed(lambda: client.post("/v1/recommend", json={"text": text}).status_code)
        times.append(ms)
        codes.append(code)
    return percentile(times, 50), max(times), codes


def long_input(settings: Settings) -> None:
    from engine.search import Searcher
    from engine.storage.db import Database

    searcher = Searcher(settings, Database(settings.database_url))
    out = {}
    for name, text in (("short", SHORT), ("long", LONG)):
        searcher.recommend(text)
        times = [_timed(lambda t=text: searcher.recommend(t) and 0)[0] for _ in range(10)]
        out[name] = percentile(times, 50)
    print(f"long input      one process: short demand p50 {out['short']:.0f} ms, 2,000 characters p50 "
          f"{out['long']:.0f} ms ({out['long'] / out['short']:.1f}x; bound 3x)")


def long_flood(settings: Settings, key: str) -> None:
    server = Server(settings, workers=2, env={"QI_TRUSTED_PROXIES": "127.0.0.1"})
    try:
        with httpx.Client(base_url=server.url, timeout=60, headers={"X-API-Key": key}) as c:
            _p50(c, 5)
            idle, _, _ = _p50(c, 40)
            stop = time.monotonic() + 20
            floods: list[int] = []

            def flood(i: int) -> None:
                with httpx.Client(base_url=server.url, timeout=60, headers={"X-Forwarded-For": f"198.51.100.{i}"}) \
                        as a:
                    while time.monotonic() < stop:
                        floods.append(a.post("/v1/recommend", json={"text": LONG}).status_code)

            threads = [threading.Thread(target=flood, args=(i,)) for i in range(4)]
            for t in threads:
                t.start()
            time.sleep(1)
            busy, worst, codes = _p50(c, 40)
            for t in threads:
                t.join()
        print(f"long flood      short recommend p50 idle {idle:.0f} ms, with 4 anonymous 2,000-character "
              f"senders {busy:.0f} ms ({busy / idle:.1f}x; bound 3x), max {worst:.0f} ms, short errors "
              f"{sum(c != 200 for c in codes)}; flood answers {dict(sorted(_count(floods).items()))}")
    finally:
        server.stop()


def bodies(settings: Settings) -> None:
    server = Server(settings, workers=1)
    try:
        before = rss_kib(server.proc.pid)
        started = time.perf_counter()
        status, sent = stream_body(server.url, "/v1/recommend", {"Content-Type": "application/json",
                                                                "Content-Length": str(300 * MIB)}, 300 * MIB)
        took = (time.perf_counter() - started) * 1000
        chunked, sent_chunked = stream_body(server.url, "/v1/recommend", {"Content-Type": "application/json",
                                                                         "Transfer-Encoding": "chunked"}, 300 * MIB)
        grown = (rss_kib(server.proc.pid) - before) / 1024
        print(f"300 MiB body    declared: {status} in {took:.0f} ms after {sent / MIB:.1f} MiB sent; chunked: "
              f"{chunked} after {sent_chunked / MIB:.1f} MiB; worker memory +{grown:.1f} MB (bound 50)")
        for label, headers in (("declared", {"Content-Length": str(2048 * MIB)}),
                               ("chunked", {"Transfer-Encoding": "chunked"})):
            status, sent = stream_body(server.url, "/v1/admin/upload",
                                       {"Content-Type": "multipart/form-data; boundary=x", **headers}, 2048 * MIB)
            kept = sum(p.stat().st_size for p in settings.upload_dir.rglob("*") if p.is_file()) \
                if settings.upload_dir.exists() else 0
            print(f"2 GiB upload    anonymous, {label}: {status} after {sent / MIB:.1f} MiB sent; "
                  f"{kept} bytes kept (bound 1 MiB)")
    finally:
        server.stop()


def bombs(settings: Settings, key: str, folder: Path, full: bool) -> None:
    from engine.evaluation import xlsx_bombs  # the same generators the tests use

    def size(issue: int, small: int) -> int:
        return issue if full else small

    made = [("2 GB cell" if full else "256 MiB cell", xlsx_bombs.huge_cell(folder / "a.xlsx", size(2048, 256) * MIB)),
            ("1.5 GB empty rows" if full else "256 MiB empty rows",
             xlsx_bombs.empty_rows(folder / "b.xlsx", size(1536, 256) * MIB)),
            ("300 MiB shared string", xlsx_bombs.huge_shared_string(folder / "c.xlsx", 300 * MIB)),
            ("150 MiB at 1000:1", xlsx_bombs.huge_cell(folder / "d.xlsx", 150 * MIB)),
            ("250,000 rows", xlsx_bombs.many_rows(folder / "e.xlsx", 250_000))]
    server = Server(settings, workers=1)
    try:
        before = rss_kib(server.proc.pid)
        with httpx.Client(base_url=server.url, timeout=120, headers={"X-API-Key": key}) as c:
            for label, path in made:
                with path.open("rb") as fh:
                    ms, status = _timed(lambda fh=fh: c.post("/v1/admin/upload", files={"file": ("agencies.xlsx", fh)},
                                                             data={"reindex": "false"}).status_code)
                print(f"zip bomb        {label} ({path.stat().st_size / MIB:.1f} MiB file): {status} in {ms:.0f} ms")
            alive = c.get("/v1/health").status_code
        grown = (rss_kib(server.proc.pid) - before) / 1024
        print(f"zip bombs       worker alive: health {alive}; memory +{grown:.1f} MB")
    finally:
        server.stop()


def upload_and_filings(settings: Settings, key: str, folder: Path, megabytes: int) -> None:
    path = folder / "enterprises.jsonl"
    rows = 0
    with path.open("w", encoding="utf-8") as out:
        while out.tell() < megabytes * MIB - 4096:  # just under the upload limit
            rows += 1
            out.write(f'{{"id": "EX{rows:07d}", "name": "批量导入测试企业{rows}有限公司", "industry": "陶瓷", '
                      f'"region": "丰南区", "size": "小型", "note": "{"测" * 200}"}}\n')
    server = Server(settings, workers=2)
    try:
        def upload() -> tuple[float, int]:
            with path.open("rb") as fh, httpx.Client(timeout=900) as c:
                return _timed(lambda: c.post(f"{server.url}/v1/admin/upload", headers={"X-API-Key": key},
                                             files={"file": ("enterprises.jsonl", fh)},
                                             data={"reindex": "false"}).status_code)

        def file(n: int) -> tuple[float, int]:
            time.sleep(n * 0.2)
            with httpx.Client(timeout=120) as c:
                body = {"text": f"导入期间的需求{n}：地磅检定", "channel": "电话"}
                return _timed(lambda: c.post(f"{server.url}/v1/demands", headers={"X-API-Key": key},
                                             json=body).status_code)

        with ThreadPoolExecutor(51) as pool:
            loading = pool.submit(upload)
            time.sleep(2)
            filings = list(pool.map(file, range(50)))
            upload_ms, upload_status = loading.result()
        times = [ms for ms, _ in filings]
        errors = sum(status != 201 for _, status in filings)
        print(f"upload+filings  {megabytes} MB upload ({rows} rows): {upload_status} in {upload_ms / 1000:.1f} s; "
              f"50 filings meanwhile: {errors} errors, p50 {percentile(times, 50):.0f} ms, max {max(times):.0f} ms")
    finally:
        server.stop()


def rebuild(settings: Settings, key: str) -> None:
    # The recommends come from one anonymous address: lift its rate budget, or 429s would count as build errors.
    server = Server(settings, workers=2, env={"QI_INDEX_CHECK_SECONDS": "0.5",
                                              "QI_ANONYMOUS_RATE_PER_MINUTE": "100000"})
    try:
        with httpx.Client(base_url=server.url, timeout=60) as c:
            _p50(c, 5)
            idle, idle_max, _ = _p50(c, 40)
            job = c.post("/v1/admin/reindex", headers={"X-API-Key": key}).json()["id"]
            times, codes, status = [], [], "queued"
            started = time.perf_counter()
            while len(codes) < 200 or status in ("queued", "running"):
                ms, code = _timed(lambda: c.post("/v1/recommend", json={"text": SHORT}).status_code)
                times.append(ms)
                codes.append(code)
                if len(codes) % 10 == 0:
                    status = c.get(f"/v1/admin/jobs/{job}", headers={"X-API-Key": key}).json()["status"]
                if len(codes) >= 3000:
                    break
            during = times[:max(200, len(times))]
        print(f"rebuild         idle p50 {idle:.0f} ms (max {idle_max:.0f}); {len(during)} recommends during a full "
              f"rebuild ({time.perf_counter() - started:.0f} s, job {status}): {sum(c != 200 for c in codes)} errors "
              f"{_count(codes)}, "
              f"p50 {percentile(during, 50):.0f} ms ({percentile(during, 50) / idle:.1f}x; bound 2x), "
              f"max {max(during):.0f} ms (bound 2000)")
    finally:
        server.stop()


def _count(codes: list[int]) -> dict[int, int]:
    out: dict[int, int] = {}
    for c in codes:
        out[c] = out.get(c, 0) + 1
    return out


PARTS = ("long-input", "long-flood", "bodies", "bombs", "upload", "rebuild")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("parts", nargs="*", choices=[*PARTS, []], help="what to measure (default: everything)")
    p.add_argument("--full-bombs", action="store_true", help="the issue's sizes (2 GB, 1.5 GB; slow to make)")
    p.add_argument("--upload-mb", type=int, default=50)
    args = p.parse_args(argv)
    parts = args.parts or PARTS
    settings = Settings()
    with tempfile.TemporaryDirectory(prefix="qi-abuse-") as tmp:
        folder = Path(tmp)
        scratch = scratch_copy(settings, folder)
        from engine.keys import KeyStore
        from engine.storage.db import Database

        keys = KeyStore(Database(scratch.database_url))
        staff, public = keys.create("staff", "abuse bench", rate=10**6), keys.create("public", "abuse bench",
                                                                                     rate=10**6)
        steps = {"long-input": lambda: long_input(scratch), "long-flood": lambda: long_flood(scratch, public),
                 "bodies": lambda: bodies(scratch), "bombs": lambda: bombs(scratch, staff, folder, args.full_bombs),
                 "upload": lambda: upload_and_filings(scratch, staff, folder, args.upload_mb),
                 "rebuild": lambda: rebuild(scratch, staff)}
        for part in parts:
            steps[part]()
    return 0


if __name__ == "__main__":
    sys.exit(main())
