"""A stand-in for the government portal: one page on its own origin that embeds `<qi-recommend>`."""

from __future__ import annotations

import html
from pathlib import Path

from starlette.applications import Starlette
from starlette.responses import HTMLResponse
from starlette.routing import Route

PAGE = Path(__file__).resolve().parent / "demo" / "host.html"


def render(api_base: str, widget_key: str, region: str = "乐亭县") -> str:
    return (PAGE.read_text(encoding="utf-8")
            .replace("{{API_BASE}}", html.escape(api_base, quote=True))
            .replace("{{WIDGET_KEY}}", html.escape(widget_key, quote=True))
            .replace("{{REGION}}", html.escape(region, quote=True)))


def create_host_app(api_base: str, widget_key: str) -> Starlette:
    async def home(request) -> HTMLResponse:
        return HTMLResponse(render(api_base, widget_key))

    return Starlette(routes=[Route("/", home)])
