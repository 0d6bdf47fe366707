"""Bodies are bounded before they are read: a size limit per route, enforced on the declared length and again on
every chunk as it arrives, and the upload route's caller checked before a byte of the file is accepted.

Without this a stranger could send a 300 MiB JSON body (read whole into a worker before validation) or a 2 GiB
multipart upload (spooled to disk before the staff check). Now the first gets 413 `payload_too_large` from its
Content-Length alone, a chunked one at the limit, and an upload from anyone but staff 401/403 unread.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from fastapi import Request
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.security import principal_of
from engine.errors import Forbidden, QiError

UPLOAD_PATH = "/v1/admin/upload"
MULTIPART_SLACK = 64 * 1024  # the multipart envelope around the file: boundaries, part headers, the form fields
WITHOUT_BODY = ("GET", "HEAD", "OPTIONS")


class BodyLimit:
    def __init__(self, app: ASGIApp, state_of: Callable[[], object]) -> None:
        self.app = app
        self.state_of = state_of

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in WITHOUT_BODY:
            await self.app(scope, receive, send)
            return
        settings = self.state_of().settings
        upload = scope["path"] == UPLOAD_PATH
        limit = settings.upload_max_bytes + MULTIPART_SLACK if upload else settings.body_max_bytes
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await _refuse(send, 413, "payload_too_large", _too_large(limit))
            return
        if upload:
            try:
                principal = principal_of(Request(scope))  # cached in the request state for the route
                if not principal.can("admin"):
                    raise Forbidden("只有工作人员密钥可以上传文件")
            except QiError as exc:
                headers = {"Retry-After": str(exc.retry_after)} if hasattr(exc, "retry_after") else {}
                await _refuse(send, exc.status, exc.code, exc.message, headers)
                return
        received = 0

        async def bounded() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    # FastAPI re-raises an HTTPException met while reading the body; the app's handler shapes it.
                    raise HTTPException(413, _too_large(limit))
            return message

        await self.app(scope, bounded, send)


def _too_large(limit: int) -> str:
    return f"请求体超过了此接口允许的 {limit} 字节"


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _refuse(send: Send, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
    """Answer without reading the body; the server closes the connection rather than drain what is left."""
    body = json.dumps({"error": {"code": code, "message": message}}, ensure_ascii=False).encode()
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
           (b"connection", b"close")]
    raw += [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})
