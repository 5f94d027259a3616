"""Account health: the formula on hand-picked inputs, the stored refresh and its
explanation, the change listener, and the score on the account and target pages."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import AccountRollup, Activity, Opportunity
from accounts.services.activities import activity_record
from accounts.services.rollups import rollups_rebuild, rollups_refresh
from accounts.tests.factories import (
    AccountFactory,
    ActivityFactory,
    ContactFactory,
    OpportunityFactory,
)
from analytics.insights.health import (
    DIRTY_AT,
    health_mark_dirty,
    health_points,
    health_recompute_all,
    health_refresh,
    health_refresh_dirty,
    health_score,
)
from buying_groups.tests.factories import BuyingGroupFactory

pytestmark = pytest.mark.django_db
T = Activity.Type
NOW = timezone.now()


def inputs(**given):
    base = {
        "engagements_30d": 0,
        "engagements_prior_60d": 0,
        "buying_groups": 0,
        "group_completeness": 0,
        "group_engagement": 0,
        "open_deals": 0,
        "days_since_touch": None,
        "days_since_engagement": None,
    }
    base.update(given)
    return base


def test_steady_engagement_two_deals_and_a_fading_engagement():
    # Trend: 6 in 30 days against 12 in the 60 before (6 a month): steady, half of 25.
    # Two open deals: 15. Last engagement 48.5 days ago: (90 - 48.5) / 83 of 15 = 7.5.
    points = health_points(
        inputs(
            engagements_30d=6, engagements_prior_60d=12, open_deals=2, days_since_engagement=48.5
        )
    )
    assert points == {
        "engagement_trend": 12.5,
        "group_completeness": 0.0,
        "group_engagement": 0.0,
        "open_deals": 15.0,
        "touch_recency": 0.0,
        "engagement_recency": 7.5,
    }
    assert health_score(points) == 35


def test_growing_engagement_buying_groups_and_a_fresh_touch():
    # 11 against 10 (5 a month): (11+1)/(5+1) = 2, doubled: 25. Groups: 60% of 15 and
    # 40% of 15. One open deal: 10. Touched today: 15. Engaged 120 days ago: 0.
    points = health_points(
        inputs(
            engagements_30d=11,
            engagements_prior_60d=10,
            buying_groups=2,
            group_completeness=60,
            group_engagement=40,
            open_deals=1,
            days_since_touch=0,
            days_since_engagement=120,
        )
    )
    assert points == {
        "engagement_trend": 25.0,
        "group_completeness": 9.0,
        "group_engagement": 6.0,
        "open_deals": 10.0,
        "touch_recency": 15.0,
        "engagement_recency": 0.0,
    }
    assert health_score(points) == 65


def test_nothing_at_all_and_a_collapse_score_zero():
    assert health_score(health_points(inputs())) == 0
    falling = health_points(inputs(engagements_30d=0, engagements_prior_60d=20))
    assert falling["engagement_trend"] == 0.0


def make_account():
    account = AccountFactory(name="Acme")
    alice, bob = ContactFactory(account=account), ContactFactory(account=account)
    for days in (1, 5, 10):  # three engagements in the last 30 days
        ActivityFactory(contact=alice, type=T.WEB_VISIT, occurred_at=NOW - dt.timedelta(days=days))
    for days in (40, 70):  # two in the 60 days before: one a month
        ActivityFactory(
            contact=bob, type=T.FORM_SUBMITTED, occurred_at=NOW - dt.timedelta(days=days)
        )
    ActivityFactory(contact=bob, type=T.WEB_VISIT, is_bot=True, occurred_at=NOW)  # a bot
    ActivityFactory(
        contact=alice,
        type=T.CALL,
        initiated_by="user",
        occurred_at=NOW - dt.timedelta(days=2),
    )
    BuyingGroupFactory(account=account, completeness_score=80, engagement_score=20)
    OpportunityFactory(account=account, stage=Opportunity.Stage.PROPOSAL)
    rollups_refresh(account_ids=[account.pk], now=NOW)
    return account


def test_refresh_stores_score_inputs_and_points():
    account = make_account()
    assert health_refresh(account_ids=[account.pk], now=NOW) == 1
    rollup = AccountRollup.objects.get(account=account)
    stored = rollup.health_inputs
    assert stored["inputs"] == {
        "engagements_30d": 3,
        "engagements_prior_60d": 2,
        "buying_groups": 1,
        "group_completeness": 80.0,
        "group_engagement": 20.0,
        "open_deals": 1,
        "days_since_touch": 2.0,
        "days_since_engagement": 1.0,
    }
    # Trend (3+1)/(1+1) = 2: 25; groups 12 + 3; one deal 10; touch and engagement fresh 30.
    assert stored["points"]["engagement_trend"] == 25.0
    assert rollup.health_score == 80
    assert rollup.health_computed_at == NOW
    assert stored["previous"] is None


def test_a_second_computation_says_which_inputs_moved_it(client, marketer):
    account = make_account()
    health_refresh(account_ids=[account.pk], now=NOW)
    OpportunityFactory(account=account, stage=Opportunity.Stage.NEGOTIATION)
    rollups_refresh(account_ids=[account.pk], now=NOW)
    health_refresh(account_ids=[account.pk], now=NOW + dt.timedelta(hours=1))
    rollup = AccountRollup.objects.get(account=account)
    assert rollup.health_score == 85
    assert rollup.health_inputs["previous"]["score"] == 80
    client.force_login(marketer)
    html = client.get(reverse("analytics:health_account", args=[account.pk])).content.decode()
    assert "Before the last change it was 80" in html
    assert "Open deals: +5.0 points" in html
    # The same computation again keeps the explanation of the last change.
    health_refresh(account_ids=[account.pk], now=NOW + dt.timedelta(hours=2))
    assert AccountRollup.objects.get(account=account).health_inputs["previous"]["score"] == 80


def test_accounts_without_a_rollup_get_one_first_and_the_full_pass_covers_all():
    first, second = AccountFactory(), AccountFactory()
    assert not AccountRollup.objects.filter(account__in=[first, second]).exists()
    assert health_recompute_all(now=NOW) == 2
    assert AccountRollup.objects.filter(health_computed_at=NOW).count() == 2


def test_marked_accounts_wait_for_their_rollup_then_refresh():
    account = make_account()
    health_refresh(account_ids=[account.pk], now=NOW)
    assert health_mark_dirty(account_ids=[account.pk]) == 1
    rollup = AccountRollup.objects.get(account=account)
    assert rollup.health_computed_at == DIRTY_AT and rollup.health_score == 80  # still shown
    assert health_refresh_dirty() == 1
    assert AccountRollup.objects.get(account=account).health_computed_at > DIRTY_AT


def test_a_committed_activity_recomputes_the_health(django_capture_on_commit_callbacks, admin):
    account = make_account()
    health_refresh(account_ids=[account.pk], now=NOW - dt.timedelta(days=1))
    before = AccountRollup.objects.get(account=account).health_computed_at
    contact = account.primary_contacts.first()
    with django_capture_on_commit_callbacks(execute=True):
        activity_record(contact=contact, type=T.DOCUMENT_VIEWED, user=admin)
    after = AccountRollup.objects.get(account=account)
    assert after.health_computed_at > before
    assert after.health_inputs["inputs"]["engagements_30d"] == 4


def test_rollup_refresh_and_rebuild_leave_the_health_alone():
    account = make_account()
    health_refresh(account_ids=[account.pk], now=NOW)
    rollups_refresh(account_ids=[account.pk])
    report = rollups_rebuild()
    rollup = AccountRollup.objects.get(account=account)
    assert rollup.health_score == 80 and rollup.health_computed_at == NOW
    assert report.changed == 0


def test_target_page_shows_and_sorts_by_health(client, marketer, api_as):
    low = AccountFactory(name="Low Co", is_target=True)
    high = make_account()
    high.is_target = True
    high.save()
    rollups_rebuild()
    health_recompute_all(now=NOW)
    client.force_login(marketer)
    html = client.get(reverse("targets:index") + "?sort=-health").content.decode()
    assert html.index("Acme") < html.index("Low Co")
    assert 'aria-label="Health 80 of 100"' in html
    html = client.get(reverse("targets:index") + "?sort=health").content.decode()
    assert html.index("Low Co") < html.index("Acme")
    rows = api_as(marketer).get("/api/v1/target-accounts/?ordering=-health").json()["results"]
    assert [(r["name"], r["health"]) for r in rows] == [("Acme", 80), ("Low Co", 0)]
    assert low.pk in [r["id"] for r in rows]


def test_account_page_draws_the_gauge(client, marketer):
    account = make_account()
    client.force_login(marketer)
    html = client.get(reverse("accounts:account_detail", args=[account.pk])).content.decode()
    assert "Not computed yet" in html
    health_refresh(account_ids=[account.pk], now=NOW)
    html = client.get(reverse("accounts:account_detail", args=[account.pk])).content.decode()
    assert 'class="health-gauge health-good' in html and 'stroke-dasharray="80 100"' in html
    assert reverse("analytics:health_account", args=[account.pk]) in html
