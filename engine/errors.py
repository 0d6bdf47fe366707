"""The engine's exceptions, one tree with a stable code each.

    QiError                      base; `code` is stable and ends up in CLI messages and the API's error body
    ├── InvalidInput             the caller's input is malformed (empty text, unknown target, bad date ...)
    ├── NotFound                 an id or code that does not exist
    ├── IngestRejected           some rows of an ingest were rejected (the good ones were loaded)
    └── IndexError_              the index on disk is missing, corrupt or built for another setup
        └── IndexMismatch        the manifest does not match the running encoder / dictionary / format
"""

from __future__ import annotations


class QiError(Exception):
    code = "qi_error"
    status = 500

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidInput(QiError):
    code = "invalid_input"
    status = 422


class NotFound(QiError):
    code = "not_found"
    status = 404


class IngestRejected(QiError):
    code = "ingest_rejected"
    status = 422


class IndexError_(QiError):
    code = "index_unavailable"
    status = 503


class IndexMismatch(IndexError_):
    code = "index_mismatch"
    status = 503
