"""`qi loadtest`: N keep-alive connections posting demands to /v1/recommend for a fixed time.

Each connection is a thread with its own `http.client` connection, sending the next query as soon as the last
answer arrived (a closed loop), so requests/s is what the server sustains at that concurrency.
"""

from __future__ import annotations

import http.client
import json
import threading
import time
from urllib.parse import urlsplit

from engine.evaluation.metrics import percentile


def run_load(url: str, key: str | None, texts: list[str], connections: int, duration: float) -> dict:
    parts = urlsplit(url)
    headers = {"Content-Type": "application/json"}
    if key:
        headers["X-API-Key"] = key
    latencies: list[float] = []
    statuses: dict[str, int] = {}
    lock = threading.Lock()
    stop_at = time.perf_counter() + duration

    def worker(n: int) -> None:
        conn = http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=60)
        i = n
        mine, codes = [], {}
        while time.perf_counter() < stop_at:
            body = json.dumps({"text": texts[i % len(texts)], "limit": 10}, ensure_ascii=False).encode()
            i += connections
            started = time.perf_counter()
            try:
                conn.request("POST", "/v1/recommend", body, headers)
                resp = conn.getresponse()
                resp.read()
                status = str(resp.status)
            except (OSError, http.client.HTTPException) as exc:
                status = type(exc).__name__
                conn.close()
                conn = http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=60)
            mine.append((time.perf_counter() - started) * 1000)
            codes[status] = codes.get(status, 0) + 1
        conn.close()
        with lock:
            latencies.extend(mine)
            for k, v in codes.items():
                statuses[k] = statuses.get(k, 0) + v

    started = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(n,)) for n in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    total = len(latencies)
    return {
        "connections": connections, "seconds": round(elapsed, 1), "requests": total,
        "requests_per_s": round(total / elapsed, 1),
        "p50_ms": round(percentile(latencies, 50), 1) if latencies else None,
        "p99_ms": round(percentile(latencies, 99), 1) if latencies else None,
        "statuses": statuses, "errors": sum(v for k, v in statuses.items() if k != "200"),
    }


def in_process_rate(searcher, texts: list[str], seconds: float) -> float:
    """Recommends per second in this process, one thread, over the same demands (limit 10, as the load sends),
    after one pass that warms the same caches the server's workers have warmed."""
    for text in texts:
        searcher.recommend(text, limit=10)
    done, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        searcher.recommend(texts[done % len(texts)], limit=10)
        done += 1
    return round(done / (time.perf_counter() - started), 1)
