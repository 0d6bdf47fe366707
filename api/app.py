"""The FastAPI application: `create_app()` builds one worker; `qi serve` runs it under uvicorn.

Every error, 4xx or 5xx, has one shape: `{"error": {"code": "...", "message": "..."}}` (plus `details` where a
list helps, e.g. the rejected rows of an upload). Pages (`/`, `/console`, `/widget/qi-recommend.js`) are served
by the same app.
"""

from __future__ import annotations

import logging
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.routes import admin, demands, enterprise, exports, lookups, proactive, search, stats, tracking
from api.security import WidgetCors
from api.state import AppState
from engine.config import Settings
from engine.errors import IngestRejected, QiError, RateLimited
from engine.messages import for_people, validation_message
from engine.messages import text as msg
from engine.search import Searcher

log = logging.getLogger("qi.api")
STATIC = Path(__file__).resolve().parent / "static"
HTTP_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
              405: "method_not_allowed", 406: "not_acceptable", 413: "payload_too_large",
              415: "unsupported_media_type", 429: "rate_limited"}


def error_response(status: int, code: str, message: str, details: list[str] | None = None,
                   headers: dict[str, str] | None = None) -> JSONResponse:
    body = {"code": code, "message": message}
    if details:
        body["details"] = details
    return JSONResponse({"error": body}, status_code=status, headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(QiError)
    async def qi_error(request: Request, exc: QiError) -> JSONResponse:
        headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, RateLimited) else None
        details = exc.rejected if isinstance(exc, IngestRejected) else None
        message = for_people(exc.code, exc.message)
        if message != exc.message:
            log.warning("%s on %s %s: %s", exc.code, request.method, request.url.path, exc.message)
        details = [for_people(exc.code, d) for d in details] if details else None
        return error_response(exc.status, exc.code, message, details, headers)

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


def create_app(settings: Settings | None = None, searcher: Searcher | None = None) -> FastAPI:
    settings = settings or Settings()
    state = AppState(settings, searcher)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        if searcher is None:
            state.load()
        yield

    app = FastAPI(
        title="qi-match",
        version="1.0",
        summary="质量基础设施“一站式”服务站 demand matching (DB1302/T 574-2023 §6.1)",
        description="Keys go in the `X-API-Key` header. Roles: staff (everything), public (search, lookups, "
                    "recommend), widget (recommend and suggest from its allowed origins). Without a key a caller "
                    "acts as public, rate-limited per address. Errors: `{\"error\": {\"code\", \"message\"}}`.",
        lifespan=lifespan,
        docs_url=None,  # served below from local files: the machines have no internet for a CDN
        redoc_url=None,
    )
    app.state.qi = state
    install_error_handlers(app)
    app.add_middleware(WidgetCors, keys_of=lambda: state.keys)
    for router in (search.router, lookups.router, demands.router, exports.router, admin.router, stats.router,
                   enterprise.router, tracking.router, proactive.router):
        app.include_router(router)
    _docs(app)
    _pages(app)
    return app


def _docs(app: FastAPI) -> None:
    """Swagger UI 5 (it reads OpenAPI 3.1) from the swagger-ui-py package's files, not FastAPI's CDN links."""
    from importlib.util import find_spec

    from fastapi.openapi.docs import get_swagger_ui_html

    assets = Path(find_spec("swagger_ui").submodule_search_locations[0]) / "static"
    app.mount("/docs-assets", StaticFiles(directory=assets), name="docs-assets")

    async def docs() -> Response:
        return get_swagger_ui_html(openapi_url=app.openapi_url, title="qi-match API",
                                   swagger_js_url="/docs-assets/swagger-ui-bundle.js",
                                   swagger_css_url="/docs-assets/swagger-ui.css",
                                   swagger_favicon_url="/docs-assets/favicon-32x32.png")

    app.add_api_route("/docs", docs, include_in_schema=False)


def _pages(app: FastAPI) -> None:
    def page(name: str):
        async def serve() -> FileResponse:
            return FileResponse(STATIC / name, headers={"Cache-Control": "no-cache"})

        return serve

    app.add_api_route("/", page("index.html"), include_in_schema=False)
    app.add_api_route("/console", page("console.html"), include_in_schema=False)
    app.add_api_route("/console/print/{number}", page("print.html"), include_in_schema=False)
    app.add_api_route("/my", page("my.html"), include_in_schema=False)
    app.add_api_route("/track", page("track.html"), include_in_schema=False)
    app.add_api_route("/proactive", page("proactive.html"), include_in_schema=False)
    app.add_api_route("/widget/qi-recommend.js", page("widget/qi-recommend.js"), include_in_schema=False)
    app.add_api_route("/console/", lambda: RedirectResponse("/console"), include_in_schema=False)
    app.add_api_route("/favicon.ico", lambda: Response(status_code=204), include_in_schema=False)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")


def app_from_env() -> FastAPI:
    """uvicorn factory for `qi serve --workers N` (settings come from QI_* variables)."""
    return create_app()
