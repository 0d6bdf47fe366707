"""The installed `qi` command: the engine's subcommands plus `qi serve`, which runs this package's server."""

from __future__ import annotations

import argparse
import sys

from engine.cli import Command
from engine.cli import main as engine_main
from engine.config import Settings


def _serve_arguments(s: argparse.ArgumentParser) -> None:
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=8000)
    s.add_argument("--workers", type=int, default=1, help="worker processes, each loading the same index")
    s.add_argument("--demo-host-port", type=int,
                   help="also serve a demo portal page on this port (a different origin) embedding the widget")


def _serve(settings: Settings, args: argparse.Namespace) -> int:
    from api.server import serve

    return serve(settings, args.host, args.port, args.workers, args.demo_host_port)


SERVE = Command("serve", "run the HTTP API, the public page, the staff console and the widget", _serve_arguments,
                _serve)


def main(argv: list[str] | None = None) -> int:
    return engine_main(argv, extra=[SERVE])


if __name__ == "__main__":
    sys.exit(main())
