"""The engine's exceptions, one tree with a stable code each.

    QiError                      base; `code` is stable and ends up in CLI messages and the API's error body
    ├── InvalidInput             the caller's input is malformed (empty text, unknown target, bad date ...)
    │   └── PayloadTooLarge      an upload over the size limit
    ├── NotFound                 an id or code that does not exist
    ├── Conflict                 the request does not fit the record's state (feedback before dispatch ...)
    ├── IngestRejected           some rows of an ingest were rejected
    ├── Unauthorized             no API key, or an unknown or revoked one
    ├── Forbidden                the key's role does not allow this
    │   └── OriginNotAllowed     a widget key used from an origin it was not issued for
    ├── RateLimited              the key used up its requests for now; `retry_after` seconds
    ├── ServiceUnavailable       a part the server needs is not installed (the 服务单's CJK font)
    ├── BuildFailed              the index build process failed (engine/index/build_process.py)
    ├── IndexUnavailable         the index on disk is missing, corrupt or built for another setup
    │   └── IndexMismatch        the manifest does not match the running encoder / dictionary / format
    └── StorageUnsupported       the database URL names a backend the workflow cannot run on

Each carries a `message` for people and, where a list helps, `details` (the rejected rows of an ingest). The API
renders every one as `{"error": {"code", "message", "details"?}}` with its `status`; the CLI prints the message
and exits non-zero.
"""

from __future__ import annotations


class QiError(Exception):
    code = "qi_error"
    status = 500

    def __init__(self, message: str, details: list[str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or []

    def headers(self) -> dict[str, str]:
        """HTTP headers that go with the error answer."""
        return {}


class InvalidInput(QiError):
    code = "invalid_input"
    status = 422


class PayloadTooLarge(InvalidInput):
    code = "payload_too_large"
    status = 413


class NotFound(QiError):
    code = "not_found"
    status = 404


class Conflict(QiError):
    code = "conflict"
    status = 409


class IngestRejected(QiError):
    code = "ingest_rejected"
    status = 422

    def __init__(self, message: str, rejected: list[str] | None = None) -> None:
        super().__init__(message, rejected)

    @property
    def rejected(self) -> list[str]:
        return self.details


class Unauthorized(QiError):
    code = "unauthorized"
    status = 401


class Forbidden(QiError):
    code = "forbidden"
    status = 403


class OriginNotAllowed(Forbidden):
    code = "origin_not_allowed"


class RateLimited(QiError):
    code = "rate_limited"
    status = 429

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}


class ServiceUnavailable(QiError):
    code = "unavailable"
    status = 503


class BuildFailed(QiError):
    code = "index_build_failed"
    status = 500


class IndexUnavailable(QiError):
    code = "index_unavailable"
    status = 503


class IndexMismatch(IndexUnavailable):
    code = "index_mismatch"
    status = 503


class StorageUnsupported(QiError):
    code = "storage_unsupported"
    status = 500
