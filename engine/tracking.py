"""流程跟踪 for whoever filed a demand (§5.2.3): a random tracking code handed out once at filing, stored hashed,
and a public timeline that shows the steps and never a person, a phone, a note or a staff key.

A wrong number and a wrong code give the same answer (`NotFound`), so neither reveals whether the other exists.
Failed attempts are counted per caller address (`AttemptLimiter`): past the limit every attempt, right or wrong,
is refused for a while, so codes cannot be guessed by brute force.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from engine.clock import utcnow
from engine.errors import NotFound, RateLimited
from engine.localtime import StationClock
from engine.storage import models as m
from engine.storage.db import Database
from engine.storage.enterprise_tables import DemandTracking
from engine.workflow import CANCELLED, DONE, IN_SERVICE

# No 0/O, 1/I/L: a code is read aloud over the phone and typed from a printed slip.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 10  # 31**10 ≈ 8e14 codes
NOT_FOUND = "未找到：编号或查询码不正确"


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def normalize_code(code: str) -> str:
    return "".join(code.split()).upper()


def _hash(number: str, code: str) -> str:
    return hashlib.sha256(f"{number}:{normalize_code(code)}".encode()).hexdigest()


def attach_code(code: str):
    """A `Workflow.create(attach=...)` hook: store the code's hash in the same transaction as the demand."""

    def attach(s: Session, demand: m.DemandRecord) -> None:
        s.add(DemandTracking(number=demand.number, code_hash=_hash(demand.number, code), created_at=utcnow()))

    return attach


@dataclass(frozen=True)
class Step:
    """One public step: a stable code, its Chinese label, when, and what may be said about it."""

    step: str
    label: str
    at: Any
    detail: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"step": self.step, "label": self.label, "at": self.at, "detail": self.detail}


FOLLOW_UP_STEPS = {IN_SERVICE: ("in_service", "服务中"), DONE: ("completed", "已完成"),
                   CANCELLED: ("cancelled", "已取消")}


def public_steps(demand: m.DemandRecord, clock: StationClock) -> list[Step]:
    """The timeline as a filer may see it, in station-local time: received, matched, dispatched to an agency (its
    public name), the appointment, service, completion. Notes, contacts, suggestion lists and actors are left out."""
    steps: list[Step] = []
    for e in demand.events:
        data = clock.event_data(e.data or {})
        at = clock.local(e.at)
        if e.kind == "received":
            steps.append(Step("received", "已受理", at, f"渠道：{data.get('channel', demand.channel)}"))
        elif e.kind == "matched":
            if not any(s.step == "matched" for s in steps):
                steps.append(Step("matched", "已匹配服务机构", at))
        elif e.kind in ("dispatched", "redispatched"):  # 改派 names the new agency the same way
            to = "本服务站" if data.get("mode") == "station" else data.get("agency_name") or "服务机构"
            steps.append(Step("dispatched", "已派单" if e.kind == "dispatched" else "已改派", at, f"承办：{to}"))
            if data.get("scheduled_at"):
                when = str(data["scheduled_at"])[:16].replace("T", " ")  # station-local, to the minute
                steps.append(Step("appointment", "已预约", at, f"预约时间：{when}"))
        elif e.kind == "follow_up" and data.get("status") in FOLLOW_UP_STEPS:
            code, label = FOLLOW_UP_STEPS[data["status"]]
            steps.append(Step(code, label, at))
        elif e.kind == "feedback":
            if not any(s.step == "completed" for s in steps):
                steps.append(Step("completed", "已完成", at))
            steps.append(Step("feedback", "已评价", at))
    return steps


class AttemptLimiter:
    """Failed tracking attempts per caller in a sliding minute; at `per_minute` failures, refuse all attempts."""

    def __init__(self, per_minute: int = 10) -> None:
        self.per_minute = per_minute
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, who: str, now: float) -> deque[float]:
        q = self._failures.setdefault(who, deque())
        while q and now - q[0] > 60.0:
            q.popleft()
        return q

    def check(self, who: str) -> None:
        now = time.monotonic()
        with self._lock:
            q = self._recent(who, now)
            if len(q) >= self.per_minute:
                wait = max(1, int(60.0 - (now - q[0])) + 1)
                raise RateLimited(f"查询失败次数过多，请 {wait} 秒后再试", wait)

    def fail(self, who: str) -> None:
        with self._lock:
            if len(self._failures) > 100_000:  # forget idle callers rather than grow without bound
                self._failures.clear()
            self._recent(who, time.monotonic()).append(time.monotonic())


class Tracker:
    """Reads a demand for its filer, given the number and the tracking code."""

    def __init__(self, db: Database, clock: StationClock, limiter: AttemptLimiter | None = None) -> None:
        self.db = db
        self.clock = clock
        self.limiter = limiter or AttemptLimiter()

    def track(self, number: str, code: str, who: str) -> dict[str, Any]:
        self.limiter.check(who)
        with self.db.session() as s:
            row = s.get(DemandTracking, number)
            ok = row is not None and hmac.compare_digest(row.code_hash, _hash(number, code))
            demand = s.scalars(select(m.DemandRecord).where(m.DemandRecord.number == number)
                               .options(selectinload(m.DemandRecord.events))).one_or_none() if ok else None
            if demand is None:
                self.limiter.fail(who)
                raise NotFound(NOT_FOUND)
            steps = public_steps(demand, self.clock)
            return {"number": demand.number, "status": demand.status,
                    "created_at": self.clock.local(demand.created_at),
                    "updated_at": self.clock.local(demand.updated_at), "steps": [st.to_dict() for st in steps]}
