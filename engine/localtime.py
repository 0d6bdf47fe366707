"""The station's clock: stored in UTC, shown in the station's time zone (`QI_TIMEZONE`), read as local time.

A date-time that comes without an offset (a `datetime-local` field: `2026-12-02T09:30`) is the station's wall
clock, not UTC. Everything leaves the API in the station's offset (`2026-12-02T09:30:00+08:00`) and people read it
as `2026年12月2日 09:30`.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

# Event data fields that hold a date-time (stored as UTC ISO strings).
TIME_FIELDS = ("scheduled_at",)


class StationClock:
    def __init__(self, timezone: str = "Asia/Shanghai") -> None:
        self.tz = ZoneInfo(timezone)

    def to_utc(self, value: datetime) -> datetime:
        """A date-time from a person: naive means station-local."""
        if value.tzinfo is None:
            value = value.replace(tzinfo=self.tz)
        return value.astimezone(UTC)

    def local(self, value: datetime | None) -> datetime | None:
        """A stored date-time (SQLite hands back naive UTC) in the station's zone."""
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(self.tz)

    def show(self, value: datetime | str | None) -> str:
        """`2026年12月2日 09:30` in the station's zone; '' for none."""
        if value is None or value == "":
            return ""
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        v = self.local(value)
        return f"{v.year}年{v.month}月{v.day}日 {v:%H:%M}"

    def show_date(self, value: date | None) -> str:
        return "" if value is None else f"{value.year}年{value.month}月{value.day}日"

    def day_start(self, day: date) -> datetime:
        """Midnight of a local day, in UTC (a date range `from` … `to` covers whole local days)."""
        return datetime.combine(day, time.min, self.tz).astimezone(UTC)

    def local_date(self, value: datetime) -> date:
        return self.local(value).date()

    def event_data(self, data: dict[str, Any]) -> dict[str, Any]:
        """An event's data with its stored UTC times turned to station-local ISO strings."""
        out = dict(data)
        for k in TIME_FIELDS:
            if isinstance(out.get(k), str):
                try:
                    out[k] = self.local(datetime.fromisoformat(out[k])).isoformat()
                except ValueError:
                    pass
        return out
