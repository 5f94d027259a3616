"""Lifecycle firsts (analytics.firsts): the stored paths answer what the live flow answers,
and the incremental refresh leaves the same rows as a full rebuild."""

from __future__ import annotations

import datetime as dt

import pytest

from accounts.models import Activity, Opportunity
from accounts.services.activities import activity_record
from accounts.tests.factories import ActivityFactory, UserFactory
from analytics import engine
from analytics.engine import flow
from analytics.firsts import refresh
from analytics.firsts.models import LifecycleFirst, LifecycleFirstDirty
from analytics.tests.book import FLOW, book_build, day
from analytics.validation import settings_validate

pytestmark = pytest.mark.django_db

T = Activity.Type


@pytest.fixture
def book():
    built = book_build()
    # more touches, a second MQL, a bot, a later stage and a touch after the anchors
    a, c = built.contacts["A"], built.contacts["C"]
    for k in range(12):
        ActivityFactory(
            contact=a,
            account=a.account,
            type=T.WEB_VISIT if k % 3 else T.EMAIL_OPENED,
            occurred_at=day(1, 1) - dt.timedelta(days=k),
            channel="web" if k % 3 else "email",
            content_type="webpage" if k % 2 else "",
            campaign=built.campaigns["K1"] if k % 4 == 0 else None,
        )
    ActivityFactory(
        contact=c,
        account=c.account,
        type=T.LEAD_STATUS_CHANGED,
        occurred_at=day(4, 1),
        channel="crm",
        metadata={"to": "mql"},
    )
    ActivityFactory(
        contact=c,
        account=c.account,
        type=T.WEB_VISIT,
        occurred_at=day(2, 11) + dt.timedelta(hours=1),
        channel="web",
        content_type="webpage",
        is_bot=True,
    )
    ActivityFactory(
        contact=a,
        account=a.account,
        type=T.DOCUMENT_VIEWED,
        occurred_at=day(3, 20),
        channel="web",
        content_type="ebook",
    )
    return built


def _settings(**changes):
    data = {**FLOW, **changes}
    return settings_validate(kind="flow", data=data)


def _live(settings, monkeypatch):
    monkeypatch.setattr(refresh, "firsts_ready", lambda: False)
    try:
        return flow.paths(settings)
    finally:
        monkeypatch.undo()


CASES = [
    {},
    {"columns": 10},
    {"columns": 3, "dimension": "type"},
    {"dimension": "campaign"},
    {"dimension": "channel"},
    {"anchor": {"direction": "start", "condition": {"kind": "lead_status", "status": "mql"}}},
    {
        "anchor": {"direction": "start", "condition": {"kind": "opportunity_created"}},
        "dimension": "type",
        "filters": {"date_to": "2025-02-28"},
    },
    {"anchor": {"direction": "end", "condition": {"kind": "opportunity_created"}}},
    {
        "anchor": {
            "direction": "end",
            "condition": {"kind": "opportunity_stage", "stage": "closed_won"},
        },
        "dimension": "type",
    },
    {"filters": {"industry": ["software"]}},
    {"filters": {"date_to": "2025-01-31"}},
    {"filters": {}},
    {"filters": {}, "columns": 10, "dimension": "type"},
    # C was first MQL on 02-12, again on 04-01: anchored live at 04-01
    {"filters": {"date_from": "2025-03-01"}, "dimension": "type"},
    {
        "filters": {"date_from": "2025-02-01", "date_to": "2025-04-30"},
        "anchor": {"direction": "start", "condition": {"kind": "lead_status", "status": "mql"}},
    },
]


@pytest.mark.parametrize("changes", CASES)
def test_stored_paths_equal_the_live_flow(book, monkeypatch, changes):
    settings = _settings(**changes)
    live = _live(settings, monkeypatch)
    refresh.firsts_rebuild()
    stored = flow.stored_paths(settings)
    assert stored is not None  # the table answered
    assert stored == live
    assert live  # the case has anchored accounts


def test_flow_result_is_the_same_from_the_table(book, monkeypatch):
    settings = _settings()
    monkeypatch.setattr(refresh, "firsts_ready", lambda: False)
    live = flow.compute(settings)
    monkeypatch.undo()
    refresh.firsts_rebuild()
    assert flow.compute(settings) == live
    # the drill-down reads the same paths
    assert engine.entities(
        kind="flow", settings=settings, target={"node": f"{settings['columns'] - 1}|__anchor__"}
    ) == sorted(flow.paths(settings))


def test_another_anchor_or_container_runs_live(book):
    refresh.firsts_rebuild()
    form = {"direction": "end", "condition": {"kind": "form_submitted"}}
    assert flow.stored_paths(_settings(anchor=form)) is None
    assert flow.stored_paths(_settings(container="buying_group")) is None


def test_not_built_means_live(book):
    assert not refresh.firsts_ready()
    assert flow.stored_paths(_settings()) is None


def _rows():
    return sorted(
        (r.account_id, r.fact, r.at, r.steps) for r in LifecycleFirst.objects.order_by("id")
    )


def test_incremental_refresh_equals_a_rebuild(
    book, monkeypatch, django_capture_on_commit_callbacks
):
    refresh.firsts_rebuild()
    admin = UserFactory(role="admin")
    a, d = book.contacts["A"], book.contacts["D"]
    with django_capture_on_commit_callbacks(execute=True):
        # a touch before A's MQL (an import of old data) and D's first MQL
        activity_record(
            contact=a,
            type=T.DOCUMENT_VIEWED,
            occurred_at=day(1, 14),
            channel="web",
            content_type="case study",
            requester=admin,
        )
        activity_record(
            contact=d,
            type=T.LEAD_STATUS_CHANGED,
            occurred_at=day(3, 3),
            channel="crm",
            metadata={"lead": 9, "from": "nurturing", "to": "mql"},
            requester=admin,
        )
    # eager Celery: the listener refreshed the marked accounts at once
    assert not LifecycleFirstDirty.objects.exists()
    incremental = _rows()
    assert ("mql" in str(incremental)) and any(
        r[0] == d.account_id and r[1] == "lead:mql" for r in incremental
    )
    refresh.firsts_rebuild()
    assert _rows() == incremental
    settings = _settings()
    assert flow.stored_paths(settings) == _live(settings, monkeypatch)


def test_a_read_drains_a_small_backlog_first(book, monkeypatch):
    refresh.firsts_rebuild()
    c = book.contacts["B"]
    # written without the services (no listener): marked by hand as a listener would
    ActivityFactory(
        contact=c,
        account=c.account,
        type=T.WEB_VISIT,
        occurred_at=day(2, 4),
        channel="web",
        content_type="webpage",
    )
    refresh.firsts_mark_dirty(account_ids=[c.account_id])
    settings = _settings()
    stored = flow.stored_paths(settings)
    assert not LifecycleFirstDirty.objects.exists()
    assert stored == _live(settings, monkeypatch)
    assert stored[c.account_id][-2] == "webpage"


def test_a_large_backlog_runs_live(book, monkeypatch):
    refresh.firsts_rebuild()
    monkeypatch.setattr(refresh, "INLINE_LIMIT", 1)
    refresh.firsts_mark_dirty(account_ids=[a.pk for a in book.accounts.values()])
    assert flow.stored_paths(_settings()) is None
    assert LifecycleFirstDirty.objects.count() == len(book.accounts)


def test_facts_of_a_deal_and_the_rebuild_drops_deleted_accounts(book):
    refresh.firsts_rebuild()
    oa = book.deals["OA"]
    facts = dict(LifecycleFirst.objects.filter(account_id=oa.account_id).values_list("fact", "at"))
    assert facts["opportunity_created"] == oa.created_at
    assert facts["stage:closed_won"] == day(3, 1)
    assert facts["lead:mql"] == day(1, 15)
    assert "stage:closed_lost" not in facts
    Opportunity.objects.filter(pk=oa.pk).delete()
    refresh.firsts_refresh(account_ids=[oa.account_id])
    facts = set(
        LifecycleFirst.objects.filter(account_id=oa.account_id).values_list("fact", flat=True)
    )
    assert facts == {"lead:mql"}
