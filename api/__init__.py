"""HTTP service over the engine (FastAPI). The routers, workflow and surfaces are tracked in their own issue;
the engine's `Searcher` is already the whole of what a handler needs to call."""
