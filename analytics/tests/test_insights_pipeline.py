"""Pipeline progress: stages over time, conversion and days in stage, worked out by hand."""

import datetime as dt

import pytest
from django.utils import timezone

from accounts.models import Opportunity, OpportunityStageChange
from accounts.tests.factories import AccountFactory, OpportunityFactory
from analytics.insights.common import settings_parse
from analytics.insights.pipeline import pipeline_run

pytestmark = pytest.mark.django_db
S = Opportunity.Stage
TODAY = timezone.localdate()
MONDAY = TODAY - dt.timedelta(days=TODAY.weekday()) - dt.timedelta(weeks=10)


def at(day: int) -> dt.datetime:
    """Noon on the given day of the four-week period (negative: before it)."""
    return timezone.make_aware(dt.datetime.combine(MONDAY + dt.timedelta(days=day), dt.time(12, 0)))


def deal(path, *, account=None):
    """A deal with the given history: [(day, from_stage, to_stage), …]."""
    opp = OpportunityFactory(account=account or AccountFactory(), stage=path[-1][2])
    for day, before, after in path:
        OpportunityStageChange.objects.create(
            opportunity=opp, from_stage=before, to_stage=after, changed_at=at(day)
        )
    return opp


@pytest.fixture
def book():
    deal([(0, "", S.PROSPECTING), (8, S.PROSPECTING, S.QUALIFICATION),
          (15, S.QUALIFICATION, S.PROPOSAL), (22, S.PROPOSAL, S.CLOSED_WON)])  # fmt: skip
    deal([(2, "", S.PROSPECTING), (9, S.PROSPECTING, S.QUALIFICATION),
          (16, S.QUALIFICATION, S.CLOSED_LOST)])  # fmt: skip
    deal([(10, "", S.PROPOSAL)])  # created straight at proposal, still open
    deal([(-10, "", S.PROSPECTING), (3, S.PROSPECTING, S.NEGOTIATION)])  # from before
    deal([(14, "", S.PROSPECTING), (21, S.PROSPECTING, S.CLOSED_LOST)])


def run(**params):
    base = {
        "date_from": MONDAY.isoformat(),
        "date_to": (MONDAY + dt.timedelta(days=27)).isoformat(),
        "granularity": "week",
    }
    base.update(params)
    s = settings_parse(base, granularity=("week", "month"))
    return pipeline_run(s, use_cache=False)


def test_open_deals_per_stage_at_the_end_of_each_week(book):
    weeks = run()["over_time"]
    assert [w["period"] for w in weeks] == [
        (MONDAY + dt.timedelta(weeks=i)).isoformat() for i in range(4)
    ]
    assert [w["open"] for w in weeks] == [
        {"prospecting": 2, "qualification": 0, "proposal": 0, "negotiation": 1},
        {"prospecting": 0, "qualification": 2, "proposal": 1, "negotiation": 1},
        {"prospecting": 1, "qualification": 0, "proposal": 2, "negotiation": 1},
        {"prospecting": 0, "qualification": 0, "proposal": 1, "negotiation": 1},
    ]
    assert [(w["created"], w["won"], w["lost"]) for w in weeks] == [
        (2, 0, 0),
        (1, 0, 0),
        (1, 0, 1),
        (0, 1, 1),
    ]


def test_stage_to_stage_conversion_of_deals_created_in_the_period(book):
    conversion = run()["conversion"]
    assert conversion["created"] == 4  # the deal from before the period is left out
    assert conversion["won"] == 1 and conversion["win_rate"] == 0.25
    stages = {row["stage"]: row for row in conversion["stages"]}
    funnel = ("prospecting", "qualification", "proposal", "negotiation", "closed_won")
    assert [stages[s]["reached"] for s in funnel] == [4, 3, 2, 1, 1]
    assert stages["prospecting"]["conversion"] == 0.75
    assert stages["qualification"]["conversion"] == pytest.approx(2 / 3, abs=1e-4)
    assert stages["proposal"]["conversion"] == 0.5
    assert stages["negotiation"]["conversion"] == 1.0
    assert stages["closed_won"]["conversion"] is None
    assert stages["prospecting"]["lost_here"] == 1
    assert stages["qualification"]["lost_here"] == 1


def test_median_and_p90_days_in_stage(book):
    days = {row["stage"]: row for row in run()["days_in_stage"]}
    # Prospecting stays that ended in the period: 13 (from before), 8, 7, 7 days.
    assert days["prospecting"]["stays"] == 4
    assert days["prospecting"]["median_days"] == 7.5
    assert days["prospecting"]["p90_days"] == 11.5
    assert (days["qualification"]["stays"], days["qualification"]["median_days"]) == (2, 7.0)
    assert (days["proposal"]["stays"], days["proposal"]["median_days"]) == (1, 7.0)
    assert days["negotiation"] == {
        "stage": "negotiation",
        "label": "Negotiation",
        "stays": 0,
        "median_days": None,
        "p90_days": None,
    }


def test_segment_filter_and_months(book):
    retail = AccountFactory(industry="retail")
    deal([(1, "", S.QUALIFICATION)], account=retail)
    only = run(industry="retail")
    assert only["conversion"]["created"] == 1
    assert only["over_time"][0]["open"]["qualification"] == 1
    months = run(granularity="month")["over_time"]
    assert months[0]["period"] == MONDAY.replace(day=1).isoformat()


@pytest.mark.parametrize(
    "params", [{}, {"industry": "retail"}, {"granularity": "month"}, {"target": "no"}]
)
def test_stored_stays_give_the_live_answers(book, params):
    from analytics.firsts.refresh import firsts_ready, firsts_rebuild

    retail = AccountFactory(industry="retail")
    deal([(-3, "", S.PROSPECTING), (5, S.PROSPECTING, S.PROPOSAL)], account=retail)
    live = run(**params)
    firsts_rebuild()
    assert firsts_ready()  # days in stage now read analytics_stagestay
    assert run(**params) == live


def test_a_stage_change_through_the_service_updates_the_stays(
    book, django_capture_on_commit_callbacks
):
    from accounts.services.records.opportunities import opportunity_update
    from accounts.tests.factories import UserFactory
    from analytics.firsts.refresh import firsts_rebuild
    from analytics.insights.models import StageStay

    firsts_rebuild()
    admin = UserFactory(role="admin")
    opp = Opportunity.objects.filter(stage=S.PROPOSAL).get()
    with django_capture_on_commit_callbacks(execute=True):
        opportunity_update(user=admin, opportunity=opp, data={"stage": S.NEGOTIATION})
    stays = list(
        StageStay.objects.filter(opportunity=opp)
        .order_by("entered_at")
        .values_list("stage", "left_at")
    )
    assert [stage for stage, _ in stays] == [S.PROPOSAL, S.NEGOTIATION]
    assert stays[0][1] is not None and stays[1][1] is None
    incremental = sorted(
        StageStay.objects.values_list("opportunity_id", "stage", "entered_at", "left_at")
    )
    firsts_rebuild()
    assert (
        sorted(StageStay.objects.values_list("opportunity_id", "stage", "entered_at", "left_at"))
        == incremental
    )
