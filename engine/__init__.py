"""qi-match: match an enterprise's quality-infrastructure demand to the providers who can serve it.

The public surface — what the CLI, the API and any other caller use — is named here and imported lazily (so that
`import engine.text.codes` stays light):

    Settings                      engine.config       typed settings, built once at the edge
    Database                      engine.storage.db   engine and sessions from a URL
    Searcher                      engine.search       search, search_page, recommend, suggester, catalogue
    Filters                       engine.ranking.filters
    Hit, SearchResult, Recommendation, Reason          engine.ranking.results
    Records                       engine.records      profiles and record lookups
    Workflow                      engine.workflow     the demand workflow (§6.1)
    AuditLog, Actor               engine.audit
    KeyStore, Principal           engine.keys         API keys and roles
    Jobs                          engine.jobs         background reindex
    accept_upload                 engine.uploads
    ingest_paths                  engine.ingest
    load_encoder                  engine.encoders
    QiError and its subclasses    engine.errors

and, by module, `engine.indexing.build` (what `qi index` runs).
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    "Settings": "engine.config",
    "Database": "engine.storage.db",
    "Searcher": "engine.search",
    "Filters": "engine.ranking.filters",
    "Hit": "engine.ranking.results",
    "SearchResult": "engine.ranking.results",
    "Recommendation": "engine.ranking.results",
    "Reason": "engine.ranking.results",
    "Records": "engine.records",
    "Workflow": "engine.workflow",
    "AuditLog": "engine.audit",
    "Actor": "engine.audit",
    "KeyStore": "engine.keys",
    "Principal": "engine.keys",
    "Jobs": "engine.jobs",
    "accept_upload": "engine.uploads",
    "ingest_paths": "engine.ingest",
    "load_encoder": "engine.encoders",
    "QiError": "engine.errors",
    "InvalidInput": "engine.errors",
    "NotFound": "engine.errors",
    "Conflict": "engine.errors",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'engine' has no attribute {name!r}")
    module = importlib.import_module(_EXPORTS[name])
    return getattr(module, name)
