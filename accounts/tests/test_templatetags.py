import datetime as dt

from django.utils import timezone

from abm.templatetags.hub import _relative, reltime, scorebar


def test_relative_times_read_like_a_person_would_say_them():
    now = timezone.now()
    assert _relative(now - dt.timedelta(days=3, hours=2), now) == "3 days ago"
    assert _relative(now + dt.timedelta(days=2, minutes=1), now) == "in 2 days"
    assert _relative(now - dt.timedelta(seconds=10), now) == "just now"
    assert _relative(now - dt.timedelta(hours=1), now) == "1 hour ago"


def test_reltime_keeps_the_exact_time_on_hover_and_scorebar_clamps():
    html = reltime(timezone.now() - dt.timedelta(days=1))
    assert "title=" in html and "1 day ago" in html
    assert "—" in reltime(None)
    assert "width:100%" in scorebar(140)
