"""Admin (staff): upload corpus files, reindex in the background with a hot swap, jobs, index manifest, audit;
and the unauthenticated health check for load balancers."""

from __future__ import annotations

import re
import time
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi import Path as PathParam
from sqlalchemy import text

from api.deps import audit_out, errors, state_of
from api.schemas import AuditOut, HealthOut, JobOut, UploadOut
from api.security import actor_of, require
from engine.errors import InvalidInput, PayloadTooLarge
from engine.index.store import read_manifest
from engine.ingest import SUFFIXES, IngestReport, ingest_file, kind_of
from engine.keys import Principal
from engine.localtime import StationClock
from engine.messages import text as msg

router = APIRouter(prefix="/v1", tags=["admin"])
Staff = Annotated[Principal, Depends(require("admin"))]
ERRORS = errors(401, 403, 404, 409, 413, 422, 429)


def job_out(job, clock: StationClock) -> dict:
    return {"id": job.id, "kind": job.kind, "status": job.status, "created_at": clock.local(job.created_at),
            "finished_at": clock.local(job.finished_at), "detail": job.detail or {}}


@router.post("/admin/upload", response_model=UploadOut, status_code=201, responses=ERRORS)
def upload(
    request: Request, principal: Staff,
    file: Annotated[UploadFile, File(description="agencies, experts, equipment, enterprises, service_records, "
                                                 "standards, capabilities or qualifications as .jsonl, .csv or .xlsx")],
    kind: Annotated[str | None, Form(max_length=40,
                                     description="what the file holds when its name does not say")] = None,
    reindex: Annotated[bool, Form(description="rebuild the index in the background afterwards")] = True,
) -> dict:
    """The file is kept under the upload folder, then validated and loaded as a whole: one bad row and nothing
    is loaded (422 lists the rows). Queries keep using the old index until the rebuilt one is swapped in."""
    state = state_of(request)
    name = re.sub(r"[^\w.\-]", "_", (file.filename or "upload").rsplit("/", 1)[-1])[:100] or "upload"
    suffix = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if suffix not in SUFFIXES:
        raise InvalidInput(msg("upload.unsupported", suffix=suffix or "（无）"))
    folder = state.settings.upload_dir / f"{time.strftime('%Y%m%d-%H%M%S')}-{time.time_ns() % 10**9:09d}"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    size = 0
    with path.open("wb") as out:
        while chunk := file.file.read(1 << 20):
            size += len(chunk)
            if size > state.settings.upload_max_bytes:
                out.close()
                path.unlink()
                raise PayloadTooLarge(msg("upload.too_large", limit=state.settings.upload_max_bytes))
            out.write(chunk)
    file_kind = kind_of(path, kind)
    report = IngestReport()
    ingest_file(state.db, path, file_kind, report, all_or_nothing=True, regions=state.regions)
    state.workflow.audit(actor_of(request, principal), "corpus.upload", f"{file_kind}:{name}")
    job = None
    if reindex:
        state.ensure_no_running_job()
        job = job_out(state.start_reindex(f"upload {name}"), state.workflow.clock)
    # The name under the upload folder, never the server's path.
    return {"loaded": report.loaded, "stored_as": [f"{folder.name}/{name}"], "job": job}


@router.post("/admin/reindex", response_model=JobOut, status_code=202, responses=ERRORS)
def reindex(request: Request, principal: Staff) -> dict:
    """Rebuild the index from the database in the background; poll `/v1/admin/jobs/{id}`."""
    state = state_of(request)
    state.ensure_no_running_job()
    state.workflow.audit(actor_of(request, principal), "index.rebuild", "index")
    return job_out(state.start_reindex("requested"), state.workflow.clock)


@router.get("/admin/jobs/{job_id}", response_model=JobOut, responses=ERRORS)
def job(job_id: Annotated[int, PathParam(ge=1, le=2**31 - 1)], request: Request, principal: Staff) -> dict:
    """A background job: queued, running, done (with the new index's counts) or failed (with the error)."""
    state = state_of(request)
    return job_out(state.job(job_id), state.workflow.clock)


@router.get("/admin/index", responses={**ERRORS, **errors(503)})
def manifest(request: Request, principal: Staff) -> dict:
    """The manifest of the index on disk: encoder, dictionary hash, counts, build time."""
    return read_manifest(state_of(request).settings.index_dir)


@router.get("/admin/audit", response_model=list[AuditOut], responses=ERRORS)
def audit(request: Request, principal: Staff, object: Annotated[str | None, Query(max_length=80)] = None,
          limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> list[dict]:
    """The audit log, newest first; `object` narrows it to a demand number or record id."""
    state = state_of(request)
    entries = state.workflow.audit_log(object, limit)
    names = state.keys.names({a.key_id for a in entries})
    return [audit_out(a, state.workflow.clock, names) for a in entries]


@router.get("/health", response_model=HealthOut, responses=errors(503))
def health(request: Request) -> dict:
    """Database reachable and an index loaded (503 otherwise)."""
    state = state_of(request)
    with state.db.session() as s:
        s.execute(text("SELECT 1"))
    searcher = state.searcher()
    manifest = searcher.index.manifest
    return {"status": "ok", "index_built_at": manifest.get("built_at"), "documents": manifest.get("counts", {}),
            "database": state.db.engine.dialect.name}
