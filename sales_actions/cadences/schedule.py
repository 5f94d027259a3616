"""When a step is due: pure date arithmetic in the sender's time zone (no database).

A step is due ``day_offset`` calendar days after the previous one (in the sender's local
calendar), at its ``send_time`` when it has one, else at the time of day the previous step
ran. Then two settings move it later, never earlier:

- skip weekends: a Saturday or Sunday moves to Monday (at the start of business hours,
  or the same time of day when the cadence keeps no hours);
- business hours: before the start is moved to the start that day, at or after the end to
  the start of the next day (and again past a weekend when weekends are skipped).

So a step due Friday 18:30 with hours 9–17 is due Monday 9:00. Local times that do not
exist (the spring-forward gap) move forward by the gap; ambiguous ones (the autumn
repeat) take the first occurrence.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

SATURDAY = 5


@dataclass(frozen=True)
class Rules:
    time_zone: str = "UTC"
    skip_weekends: bool = True
    hours_start: time | None = time(9, 0)
    hours_end: time | None = time(17, 0)

    @property
    def tz(self) -> ZoneInfo:
        return zone(self.time_zone)


def zone(name: str) -> ZoneInfo:
    """The named zone, or UTC for an unknown name (a bad profile never stops a cadence)."""
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def local(day: date, at: time, tz: ZoneInfo) -> datetime:
    """``day`` at ``at`` on the wall clock of ``tz``, as an aware datetime that exists."""
    naive = datetime.combine(day, at.replace(tzinfo=None))
    aware = naive.replace(tzinfo=tz, fold=0)
    # A wall time in the spring gap does not survive the round trip: take where it lands.
    return aware.astimezone(UTC).astimezone(tz)


def _next_weekday(moment: datetime, tz: ZoneInfo) -> datetime:
    days = 7 - moment.weekday()  # Saturday -> 2, Sunday -> 1
    return local(moment.date() + timedelta(days=days), moment.time(), tz)


def business_time(moment: datetime, rules: Rules) -> datetime:
    """The first moment at or after ``moment`` when a step may run under ``rules``."""
    tz = rules.tz
    moment = moment.astimezone(tz)
    hours = rules.hours_start is not None and rules.hours_end is not None
    for _ in range(10):  # at most a weekend and a day boundary apart; bounded anyway
        if rules.skip_weekends and moment.weekday() >= SATURDAY:
            moment = _next_weekday(moment, tz)
            if hours:  # the first working moment after a weekend is Monday's start
                moment = local(moment.date(), rules.hours_start, tz)
            continue
        if hours:
            clock = moment.time().replace(tzinfo=None)
            if clock < rules.hours_start:
                return local(moment.date(), rules.hours_start, tz)
            if clock >= rules.hours_end:
                moment = local(moment.date() + timedelta(days=1), rules.hours_start, tz)
                continue
        return moment
    return moment


def step_due_at(
    *, previous: datetime, day_offset: int, send_time: time | None, rules: Rules
) -> datetime:
    """When a step is due, counted from ``previous`` (enrolment or the previous step), in UTC."""
    tz = rules.tz
    start = previous.astimezone(tz)
    day = start.date() + timedelta(days=max(0, int(day_offset)))
    at = send_time if send_time is not None else start.time().replace(tzinfo=None)
    candidate = local(day, at, tz)
    if candidate < previous:  # a send time earlier today than now means "now", not the past
        candidate = start
    return business_time(candidate, rules).astimezone(UTC)
