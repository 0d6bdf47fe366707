"""Headers every answer carries: a Content-Security-Policy per surface, framing rules, nosniff, a referrer policy,
the cross-origin headers the embeddable widget script needs, and `X-QI-Index: previous` while a worker answers
from its last good index because `current` cannot be read (engine/index/live.py).

The pages load only their own scripts and styles (`script-src 'self'`, no inline script); inline `style`
attributes are allowed (the pages use a few, and they cannot run code). The console may not be framed at all; the
public search page only by itself. /docs (Swagger UI) starts from one inline script, so it alone allows that.
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

_PAGE = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
         "font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; ")
CSP = {
    "console": _PAGE + "frame-ancestors 'none'",
    "page": _PAGE + "frame-ancestors 'self'",
    "docs": _PAGE.replace("script-src 'self'", "script-src 'self' 'unsafe-inline'") + "frame-ancestors 'none'",
    "api": "default-src 'none'; frame-ancestors 'none'",
}
WIDGET_SCRIPT = "/widget/qi-recommend.js"


def surface(path: str) -> str:
    if path.startswith("/console"):
        return "console"
    if path.startswith("/docs"):
        return "docs"
    if path.startswith("/v1/") or path == "/openapi.json":
        return "api"
    return "page"


class SecurityHeaders:
    def __init__(self, app: ASGIApp, index_source: Callable[[], str | None]) -> None:
        self.app = app
        self.index_source = index_source

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        kind = surface(path)
        extra = [
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"same-origin"),
            (b"content-security-policy", CSP[kind].encode()),
            (b"x-frame-options", b"SAMEORIGIN" if kind == "page" else b"DENY"),
        ]
        if path == WIDGET_SCRIPT:  # loaded by <script src> on other origins' pages
            extra += [(b"cross-origin-resource-policy", b"cross-origin"), (b"access-control-allow-origin", b"*")]
        if kind == "api" and self.index_source() == "previous":
            extra.append((b"x-qi-index", b"previous"))

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", [])}
                message["headers"] = [*message.get("headers", []), *(h for h in extra if h[0] not in present)]
            await send(message)

        await self.app(scope, receive, with_headers)
