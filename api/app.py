"""The FastAPI application: `create_app()` builds one worker; `qi serve` runs it under uvicorn.

Every error, 4xx or 5xx, has one shape: `{"error": {"code": "...", "message": "..."}}` (plus `details` where a
list helps, e.g. the rejected rows of an upload), rendered in api/errors.py. Pages (`/`, `/console`,
`/widget/qi-recommend.js`) are served by the same app.
"""

from __future__ import annotations

from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import Depends, FastAPI
from fastapi.responses import FileResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from api.body_limit import BodyLimit
from api.caller_limits import plain_text
from api.errors import install_error_handlers
from api.headers import SecurityHeaders
from api.routes import admin, demands, enterprise, exports, lookups, matching, proactive, stats, tracking
from api.security import WidgetCors
from api.state import AppState
from engine.config import Settings
from engine.search import Searcher

STATIC = Path(__file__).resolve().parent / "static"
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
        dependencies=[Depends(plain_text)],
        docs_url=None,  # served below from local files: the machines have no internet for a CDN
        redoc_url=None,
    )
    app.state.qi = state
    install_error_handlers(app)
    app.add_middleware(WidgetCors, keys_of=lambda: state.keys)
    app.add_middleware(BodyLimit, state_of=lambda: state)
    app.add_middleware(SecurityHeaders, index_source=lambda: state.index.source)
    for router in (matching.router, lookups.router, demands.router, exports.router, admin.router, stats.router,
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
