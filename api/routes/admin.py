"""Admin (staff): upload corpus files, reindex in the background with a hot swap, jobs, index manifest, audit;
and the unauthenticated health check for load balancers."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi import Path as PathParam

from api.deps import audit_out, errors, state_of
from api.schemas import AuditOut, HealthOut, UploadOut
from api.security import actor_of, require
from engine.index.store import read_manifest
from engine.jobs import JobInfo
from engine.keys import Principal
from engine.uploads import accept_upload

router = APIRouter(prefix="/v1", tags=["admin"])
Admin = Annotated[Principal, Depends(require("admin"))]
ERRORS = errors(401, 403, 404, 409, 413, 422, 429)


@router.post("/admin/upload", response_model=UploadOut, status_code=201, responses=ERRORS)
def upload(
    request: Request, principal: Admin,
    file: Annotated[UploadFile, File(description="agencies, experts, equipment, enterprises, service_records, "
                                                 "standards, capabilities or qualifications as .jsonl, .csv or .xlsx")],
    kind: Annotated[str | None, Form(max_length=40,
                                     description="what the file holds when its name does not say")] = None,
    reindex: Annotated[bool, Form(description="rebuild the index in the background afterwards")] = True,
) -> dict:
    """The file is kept under the upload folder, then validated and loaded as a whole: one bad row and nothing
    is loaded (422 lists the rows). Queries keep using the old index until the rebuilt one is swapped in."""
    state = state_of(request)
    done = accept_upload(state.settings, state.db, file.filename, file.file, kind, state.regions)
    state.audit.record(actor_of(request, principal), "corpus.upload", f"{done.kind}:{done.path.name}")
    job = asdict(state.jobs.start_reindex(f"upload {done.path.name}")) if reindex else None
    return {"loaded": done.loaded, "stored_as": [done.stored_as], "job": job}


@router.post("/admin/reindex", response_model=JobInfo, status_code=202, responses=ERRORS)
def reindex(request: Request, principal: Admin) -> dict:
    """Rebuild the index from the database in the background; poll `/v1/admin/jobs/{id}`."""
    state = state_of(request)
    state.jobs.ensure_idle()
    state.audit.record(actor_of(request, principal), "index.rebuild", "index")
    return asdict(state.jobs.start_reindex("requested"))


@router.get("/admin/jobs/{job_id}", response_model=JobInfo, responses=ERRORS)
def job(job_id: Annotated[int, PathParam(ge=1, le=2**31 - 1)], request: Request, principal: Admin) -> dict:
    """A background job: queued, running, done (with the new index's counts) or failed (with the error)."""
    return asdict(state_of(request).jobs.get(job_id))


@router.get("/admin/index", responses={**ERRORS, **errors(503)})
def manifest(request: Request, principal: Admin) -> dict:
    """The manifest of the index on disk: encoder, dictionary hash, counts, build time."""
    return read_manifest(state_of(request).settings.index_dir)


@router.get("/admin/audit", response_model=list[AuditOut], responses=ERRORS)
def audit(request: Request, principal: Admin, object: Annotated[str | None, Query(max_length=80)] = None,
          limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> list[dict]:
    """The audit log, newest first; `object` narrows it to a demand number or record id."""
    state = state_of(request)
    entries = state.audit.entries(object, limit)
    names = state.keys.names({a.key_id for a in entries})
    return [audit_out(a, state.workflow.clock, names) for a in entries]


@router.get("/health", response_model=HealthOut, responses=errors(503))
def health(request: Request) -> dict:
    """Database reachable and an index loaded (503 otherwise); `degraded` while answering from the last good
    index because the current one cannot be read."""
    state = state_of(request)
    state.db.ping()
    searcher = state.searcher()
    manifest = searcher.index.manifest
    warning = state.index.warning
    return {"status": "degraded" if warning else "ok", "index": searcher.index_name, "warning": warning,
            "index_built_at": manifest.get("built_at"), "documents": manifest.get("counts", {}),
            "database": state.db.engine.dialect.name}
