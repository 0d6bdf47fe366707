"""HTTP service over the engine (FastAPI): `create_app()` in app.py, one router per area in routes/, the pages in
static/, and `qi serve` (cli.py, server.py). Routers check the caller, call one engine function and shape the
answer; everything else is in `engine`, which never imports this package."""
