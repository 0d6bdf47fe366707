"""Every error answer has one shape, `{"error": {"code", "message", "details"?}}`: the engine's QiError tree,
FastAPI's validation errors, Starlette's HTTP errors and anything unexpected (a logged 500) all render here,
their messages from the one catalogue (engine/messages.py)."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from engine.config import ROOT
from engine.errors import QiError
from engine.messages import for_people, validation_message
from engine.messages import text as msg

log = logging.getLogger("qi.api")
HTTP_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
              405: "method_not_allowed", 406: "not_acceptable", 413: "payload_too_large",
              415: "unsupported_media_type", 429: "rate_limited"}


def error_response(status: int, code: str, message: str, details: list[str] | None = None,
                   headers: dict[str, str] | None = None) -> JSONResponse:
    """The one error shape of every 4xx and 5xx answer."""
    body = {"code": code, "message": message.replace(f"{ROOT}/", "")}  # no server path in any answer
    if details:
        body["details"] = details
    return JSONResponse({"error": body}, status_code=status, headers=headers)


def qi_error_response(exc: QiError, headers: dict[str, str] | None = None) -> JSONResponse:
    """An engine error as people read it (a message that names a server path is replaced, see for_people)."""
    message = for_people(exc.code, exc.message)
    if message != exc.message:
        log.warning("%s: %s", exc.code, exc.message)
    details = [for_people(exc.code, d) for d in exc.details] or None
    return error_response(exc.status, exc.code, message, details, {**exc.headers(), **(headers or {})})


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(QiError)
    async def qi_error(request: Request, exc: QiError) -> JSONResponse:
        return qi_error_response(exc)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        message, details = validation_message(exc.errors())
        return error_response(422, "invalid_input", message, details)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 400:  # FastAPI's "error parsing the body" (not UTF-8, not decodable)
            return error_response(422, "invalid_input", msg("http.body_unreadable"))
        code = HTTP_CODES.get(exc.status_code, "http_error")
        key = "http.error" if code == "http_error" else f"http.{code}"
        message = msg(key, method=request.method, path=request.url.path[:200], status=exc.status_code)
        return error_response(exc.status_code, code, message, headers=getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def crash(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return error_response(500, "internal_error", msg("http.internal"))
