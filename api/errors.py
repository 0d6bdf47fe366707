"""Every error answer has one shape, `{"error": {"code", "message", "details"?}}`: the engine's QiError tree,
FastAPI's validation errors, Starlette's HTTP errors and anything unexpected (a logged 500) all render here."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from engine.errors import QiError

log = logging.getLogger("qi.api")
HTTP_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
              405: "method_not_allowed", 406: "not_acceptable", 413: "payload_too_large",
              415: "unsupported_media_type", 429: "rate_limited"}


def error_response(status: int, code: str, message: str, details: list[str] | None = None,
                   headers: dict[str, str] | None = None) -> JSONResponse:
    """The one error shape of every 4xx and 5xx answer."""
    body = {"code": code, "message": message}
    if details:
        body["details"] = details
    return JSONResponse({"error": body}, status_code=status, headers=headers)


def _validation_message(exc: RequestValidationError) -> tuple[str, list[str]]:
    details = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err.get("loc", ()) if p != "body") or "request"
        details.append(f"{loc}: {err.get('msg', 'invalid')}")
    return (details[0] if len(details) == 1 else f"{len(details)} problems: " + "; ".join(details[:3])), details


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(QiError)
    async def qi_error(request: Request, exc: QiError) -> JSONResponse:
        return error_response(exc.status, exc.code, exc.message, exc.details, exc.headers())

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        message, details = _validation_message(exc)
        return error_response(422, "invalid_input", message, details)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 400:  # FastAPI's "error parsing the body" (not UTF-8, not decodable)
            return error_response(422, "invalid_input", "the request body could not be read as JSON (UTF-8)")
        code = HTTP_CODES.get(exc.status_code, "http_error")
        message = exc.detail if isinstance(exc.detail, str) else code.replace("_", " ")
        if exc.status_code == 404 and message == "Not Found":
            message = f"no such endpoint: {request.method} {request.url.path}"
        return error_response(exc.status_code, code, message, headers=getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def crash(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return error_response(500, "internal_error", "internal error; it has been logged")
