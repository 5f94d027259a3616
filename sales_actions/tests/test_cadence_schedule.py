"""Cadence step arithmetic: known answers (weekends, business hours, time zones, DST)."""

from datetime import UTC, datetime, time

import pytest

from sales_actions.cadences.schedule import Rules, business_time, step_due_at, zone

NY = "America/New_York"
WARSAW = "Europe/Warsaw"


def at(tz, *args):
    return datetime(*args, tzinfo=zone(tz))


def test_friday_evening_moves_to_monday_morning():
    # Due Friday 2026-03-06 18:30 in Warsaw, hours 9–17 -> Monday 2026-03-09 09:00 Warsaw.
    rules = Rules(time_zone=WARSAW)
    assert business_time(at(WARSAW, 2026, 3, 6, 18, 30), rules) == at(WARSAW, 2026, 3, 9, 9, 0)


def test_step_due_friday_evening_from_thursday():
    rules = Rules(time_zone=WARSAW)
    due = step_due_at(
        previous=at(WARSAW, 2026, 3, 5, 11, 0), day_offset=1, send_time=time(18, 30), rules=rules
    )
    assert due == datetime(2026, 3, 9, 8, 0, tzinfo=UTC)  # Monday 09:00 CET


@pytest.mark.parametrize(
    ("day", "expected_day"),
    [(7, 9), (8, 9)],  # Saturday and Sunday -> Monday, same time of day without hours
)
def test_weekend_moves_to_monday_keeping_the_time(day, expected_day):
    rules = Rules(time_zone="UTC", hours_start=None, hours_end=None)
    moment = datetime(2026, 3, day, 10, 15, tzinfo=UTC)
    assert business_time(moment, rules) == datetime(2026, 3, expected_day, 10, 15, tzinfo=UTC)


def test_weekend_with_hours_moves_to_monday_start():
    rules = Rules(time_zone="UTC")
    moment = datetime(2026, 3, 7, 10, 15, tzinfo=UTC)
    assert business_time(moment, rules) == datetime(2026, 3, 9, 9, 0, tzinfo=UTC)


def test_weekends_kept_when_not_skipped():
    rules = Rules(time_zone="UTC", skip_weekends=False)
    moment = datetime(2026, 3, 7, 10, 15, tzinfo=UTC)
    assert business_time(moment, rules) == moment


def test_before_hours_moves_to_start_same_day():
    rules = Rules(time_zone="UTC")
    assert business_time(datetime(2026, 3, 4, 6, 0, tzinfo=UTC), rules) == datetime(
        2026, 3, 4, 9, 0, tzinfo=UTC
    )


def test_end_of_hours_is_outside():
    rules = Rules(time_zone="UTC")
    assert business_time(datetime(2026, 3, 4, 17, 0, tzinfo=UTC), rules) == datetime(
        2026, 3, 5, 9, 0, tzinfo=UTC
    )


def test_no_hours_no_weekend_rule_is_identity():
    rules = Rules(time_zone="UTC", skip_weekends=False, hours_start=None, hours_end=None)
    moment = datetime(2026, 3, 8, 23, 59, tzinfo=UTC)
    assert business_time(moment, rules) == moment


def test_time_zone_edge_utc_monday_is_sunday_in_new_york():
    # 2026-03-09 02:00 UTC is Sunday 22:00 in New York (EDT from 8 March): -> Monday 09:00
    # New York = 13:00 UTC, although it is already Monday in UTC.
    rules = Rules(time_zone=NY)
    moment = datetime(2026, 3, 9, 2, 0, tzinfo=UTC)
    assert business_time(moment, rules).astimezone(UTC) == datetime(2026, 3, 9, 13, 0, tzinfo=UTC)


def test_day_offset_counts_local_calendar_days():
    # Friday 23:30 in New York is Saturday 04:30 UTC; one day later in New York is
    # Saturday (skipped) -> Monday; the send time 08:00 is before hours -> 09:00 EST.
    rules = Rules(time_zone=NY)
    previous = datetime(2026, 1, 10, 4, 30, tzinfo=UTC)  # Fri 9 Jan 23:30 EST
    due = step_due_at(previous=previous, day_offset=1, send_time=time(8, 0), rules=rules)
    assert due == datetime(2026, 1, 12, 14, 0, tzinfo=UTC)


def test_spring_forward_gap_moves_forward():
    # Warsaw skips 02:00–03:00 on 29 March 2026: a 02:30 send time lands at 03:30 CEST.
    rules = Rules(time_zone=WARSAW, skip_weekends=False, hours_start=None, hours_end=None)
    previous = at(WARSAW, 2026, 3, 28, 12, 0)
    due = step_due_at(previous=previous, day_offset=1, send_time=time(2, 30), rules=rules)
    assert due == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)


def test_offset_across_dst_keeps_wall_clock():
    # Three days after Friday 10:00 EST (before DST) is Monday 10:00 EDT: 14:00 UTC, not 15:00.
    rules = Rules(time_zone=NY)
    previous = datetime(2026, 3, 6, 15, 0, tzinfo=UTC)  # Fri 10:00 EST
    due = step_due_at(previous=previous, day_offset=3, send_time=None, rules=rules)
    assert due == datetime(2026, 3, 9, 14, 0, tzinfo=UTC)


def test_send_time_already_past_today_means_now():
    rules = Rules(time_zone="UTC", skip_weekends=False)
    previous = datetime(2026, 3, 4, 15, 0, tzinfo=UTC)
    due = step_due_at(previous=previous, day_offset=0, send_time=time(10, 0), rules=rules)
    assert due == previous


def test_unknown_zone_is_utc():
    assert zone("Mars/Olympus") == zone("UTC")
