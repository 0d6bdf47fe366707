"""`qi serve`: uvicorn with N workers, each building the app from QI_* settings; optionally a demo portal page on
a second port (a different origin) that embeds the widget, with a widget key issued for that origin."""

from __future__ import annotations

import os
import threading

import uvicorn

from engine.config import Settings


def _export(settings: Settings) -> None:
    """Workers are separate processes: hand them the settings through the environment."""
    for name in ("database_url", "index_dir", "encoder"):
        os.environ[f"QI_{name.upper()}"] = str(getattr(settings, name))


def _share_cores(workers: int) -> None:
    """The encoder's OpenMP threads default to every core in every worker; with N workers that oversubscribes the
    machine (measured on 2 cores, 2 workers, 32 connections: 35 -> 41 requests/s with one thread each)."""
    if workers > 1 and "OMP_NUM_THREADS" not in os.environ:
        os.environ["OMP_NUM_THREADS"] = str(max(1, (os.cpu_count() or 1) // workers))


def serve(settings: Settings, host: str, port: int, workers: int = 1, demo_host_port: int | None = None) -> int:
    _export(settings)
    _share_cores(workers)
    base = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}"
    if demo_host_port:
        _start_demo_host(settings, base, host, demo_host_port)
    print(f"qi-match on {base}\n  public search  {base}/\n  staff console  {base}/console\n"
          f"  API docs       {base}/docs\n  widget script  {base}/widget/qi-recommend.js", flush=True)
    # proxy_headers off: uvicorn would believe X-Forwarded-For from loopback; QI_TRUSTED_PROXIES decides instead.
    uvicorn.run("api.app:app_from_env", factory=True, host=host, port=port, workers=workers, log_level="warning",
                proxy_headers=False)
    return 0


def _start_demo_host(settings: Settings, api_base: str, host: str, port: int) -> None:
    from api.demo_host import create_host_app
    from engine.keys import KeyStore
    from engine.storage.db import Database

    origin_host = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    origin = f"http://{origin_host}:{port}"
    keys = KeyStore(Database(settings.database_url))
    widget_key = keys.create("widget", "demo portal", [origin, f"http://localhost:{port}"])
    staff_key = keys.create("staff", "demo staff")
    print(f"  demo portal    {origin}/   (embeds the widget from another origin)\n"
          f"  staff key      {staff_key}   (paste it into the console)\n"
          f"  widget key     {widget_key}   (allowed from {origin})", flush=True)
    config = uvicorn.Config(create_host_app(api_base, widget_key), host=host, port=port, log_level="warning")
    threading.Thread(target=uvicorn.Server(config).run, daemon=True).start()
