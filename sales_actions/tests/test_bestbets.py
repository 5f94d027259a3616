"""Best bets: the formula on a hand-built case, decay, acted-on, scopes, the worker path,
the page with its bulk and row actions, and the API."""

from __future__ import annotations

import math
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import AccountRollup, Activity, Lead
from accounts.services import activity_record
from accounts.tests.factories import (
    AccountFactory,
    ActivityFactory,
    ContactFactory,
    LeadFactory,
    UserFactory,
)
from sales_actions.bestbets import scoring
from sales_actions.bestbets.models import BestBet, BestBetDirty
from sales_actions.bestbets.selectors import bestbet_reason
from sales_actions.bestbets.services import (
    bestbets_changes_listener,
    bestbets_rebuild,
    bestbets_refresh,
    bestbets_refresh_dirty,
)

pytestmark = pytest.mark.django_db
C, U = Activity.InitiatedBy.CONTACT, Activity.InitiatedBy.USER


def act(type_, days, initiated_by=C, **kw):
    return scoring.Act(type_, NOW - timedelta(days=days), initiated_by, **kw)


NOW = timezone.now()


def compute(acts, roles=(), **flags):
    kwargs = {"open_lead": False, "open_deal": False, "target_account": False, **flags}
    return scoring.bet_compute(acts, roles=list(roles), now=NOW, **kwargs)


# --- The formula ---------------------------------------------------------------------------


def test_hand_built_case_known_components_known_order():
    # Ann replied 1 day ago and is a decision maker at a target account with an open deal.
    ann = compute(
        [act("email_replied", 1), act("email_opened", 2)],
        roles=["influencer", "decision_maker"],
        target_account=True,
        open_deal=True,
    )
    # Bob visited the pricing page 2 days ago (and read a document).
    bob = compute(
        [act("web_visit", 2, url="https://vendor.example/pricing"), act("document_viewed", 3)]
    )
    # Cai only opened two emails a week ago.
    cai = compute([act("email_opened", 7), act("email_opened", 7)])
    half = 0.5 ** (1 / 7)  # one day of the 7-day half-life
    assert ann.engagement == pytest.approx(10 * half + 1 * 0.5 ** (2 / 7))
    assert ann.moment == pytest.approx(15 * 0.5 ** (1 / 3))
    assert (ann.role, ann.roles) == (6.0, ["decision_maker", "influencer"])
    assert (ann.intent, ann.intents) == (6.0, ["open_deal", "target_account"])
    assert ann.acted_factor == 1.0
    assert bob.moment_key == "pricing"
    assert bob.moment == pytest.approx(12 * 0.5 ** (2 / 3))
    assert bob.engagement == pytest.approx(2 * 0.5 ** (2 / 7) + 4 * 0.5 ** (3 / 7))
    assert cai.moment == 0 and cai.moment_key == ""
    assert cai.engagement == pytest.approx(2 * 0.5)
    ranked = sorted([("ann", ann), ("bob", bob), ("cai", cai)], key=lambda kv: -kv[1].rank)
    assert [name for name, _bet in ranked] == ["ann", "bob", "cai"]
    expected = math.floor(100 * (1 - math.exp(-ann.points / 30.0)) + 0.5)
    assert ann.score == expected


def test_no_row_without_engagement_or_moment():
    # A role, a target account and our own email are not a reason to call now; bots never count.
    assert compute([act("email_sent", 1, U)], roles=["decision_maker"], target_account=True) is None
    assert compute([act("email_opened", 1, is_bot=True)]) is None
    assert compute([act("email_replied", 40)]) is None  # outside the 30-day window


def test_decay_halves_with_the_half_life():
    fresh = compute([act("form_submitted", 0)])
    week = compute([act("form_submitted", 7)])
    assert week.engagement == pytest.approx(fresh.engagement / 2, rel=1e-3)
    # The moment is only looked at for 14 days, halving every 3.
    assert compute([act("form_submitted", 3)]).moment == pytest.approx(10 * 0.5, rel=1e-3)
    assert compute([act("form_submitted", 15)]).moment == 0
    assert fresh.rank > week.rank


def test_acted_on_lowers_the_rank_only_after_the_signal():
    signal = [act("email_replied", 2)]
    untouched = compute(signal)
    touched_after = compute([*signal, act("call", 1, U)])
    touched_before = compute([*signal, act("email_sent", 3, U)])
    assert touched_after.acted_factor == 0.4
    assert touched_after.acted_at == NOW - timedelta(days=1)
    assert touched_after.rank == round(untouched.points * 0.4 * 100)
    assert touched_before.acted_factor == 1.0 and touched_before.acted_at is None
    assert touched_before.rank == untouched.rank


def test_moment_patterns_come_from_settings(settings):
    settings.BEST_BETS = {
        **settings.BEST_BETS,
        "moments": [{"key": "demo", "type": "web_visit", "contains": ["demo"], "points": 20}],
    }
    bet = compute([act("web_visit", 0, url="https://x.example/book-a-demo")])
    assert (bet.moment_key, bet.moment) == ("demo", pytest.approx(20))
    assert compute([act("web_visit", 0, url="https://x.example/pricing")]).moment == 0


# --- Stored rows, reasons and the worker -----------------------------------------------------


@pytest.fixture
def people(sales_rep, other_rep):
    account = AccountFactory(name="Acme", owner=sales_rep, is_target=True)
    ann = ContactFactory(
        first_name="Ann", last_name="Able", account=account, owner=sales_rep,
        roles=["decision_maker"], phone="+1 555 0100",
    )  # fmt: skip
    bob = ContactFactory(first_name="Bob", last_name="Best", account=account, owner=None)
    olga_account = AccountFactory(name="Other Co", owner=other_rep)
    cai = ContactFactory(first_name="Cai", last_name="Cole", account=olga_account, owner=other_rep)
    now = timezone.now()
    ActivityFactory(contact=ann, type="email_replied", occurred_at=now - timedelta(days=1))
    ActivityFactory(
        contact=bob,
        type="web_visit",
        url="https://vendor.example/pricing",
        occurred_at=now - timedelta(days=2),
    )
    ActivityFactory(contact=cai, type="email_opened", occurred_at=now - timedelta(days=3))
    LeadFactory(contact=ann, status=Lead.Status.MQL)
    AccountRollup.objects.create(account=account, open_deals_count=1)
    bestbets_rebuild()
    return {"ann": ann, "bob": bob, "cai": cai}


def test_rebuild_stores_rows_with_owner_and_reason(people, sales_rep, other_rep):
    rows = {b.contact_id: b for b in BestBet.objects.all()}
    ann, bob, cai = (rows[people[k].pk] for k in ("ann", "bob", "cai"))
    assert ann.owner_id == sales_rep.pk
    assert bob.owner_id == sales_rep.pk  # no owner: the account's owner
    assert cai.owner_id == other_rep.pk
    assert ann.inputs["intents"] == ["open_lead", "open_deal", "target_account"]
    assert ann.rank > bob.rank > cai.rank
    reason = bestbet_reason(ann)
    assert reason == (
        "Replied to an email 1\xa0day ago · 1 engagement in 30 days · Decision maker · "
        "Open lead · Open deal at the account · Target account"
    )
    assert bestbet_reason(bob).startswith("Visited the pricing page 2\xa0days ago")


def test_rebuild_equals_incremental_and_drops_quiet_people(people):
    before = {b.contact_id: (b.rank, b.score, b.inputs) for b in BestBet.objects.all()}
    bestbets_refresh(contact_ids=before)
    after = {b.contact_id: (b.rank, b.score, b.inputs) for b in BestBet.objects.all()}
    assert after == before
    Activity.objects.filter(contact=people["cai"]).delete()
    report = bestbets_rebuild()
    assert report.removed == 1
    assert not BestBet.objects.filter(contact=people["cai"]).exists()


def test_worker_refreshes_after_an_activity(people, sales_rep, django_capture_on_commit_callbacks):
    dan = ContactFactory(first_name="Dan", owner=sales_rep)
    assert not BestBet.objects.filter(contact=dan).exists()
    with django_capture_on_commit_callbacks(execute=True):
        activity_record(contact=dan, type="form_submitted", initiated_by=C)
    bet = BestBet.objects.get(contact=dan)
    assert bet.moment_key == "form"
    assert not BestBetDirty.objects.exists()  # drained (eager task)
    # Our call after it lowers the row.
    before = bet.rank
    with django_capture_on_commit_callbacks(execute=True):
        activity_record(contact=dan, type="call", initiated_by=U, user=sales_rep)
    bet.refresh_from_db()
    assert bet.acted_factor == 0.4 and bet.rank < before


def test_marks_survive_a_broker_outage_and_beat_drains_them(people, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False  # the queue is unreachable in tests
    ann = people["ann"]
    ActivityFactory(contact=ann, type="meeting", occurred_at=timezone.now())
    bestbets_changes_listener(kind="activity", account_ids=set(), contact_ids={ann.pk})
    assert BestBetDirty.objects.filter(contact_id=ann.pk).exists()
    old = BestBet.objects.get(contact=ann).rank
    assert bestbets_refresh_dirty() == 1
    assert BestBet.objects.get(contact=ann).rank > old
    assert not BestBetDirty.objects.exists()


# --- Scopes, page and API -----------------------------------------------------------------


def test_scopes(people, client, sales_rep, other_rep, marketer, api_as):
    client.force_login(sales_rep)
    page = client.get(reverse("bestbets:list"))
    assert page.status_code == 200
    ids = [b.contact_id for b in page.context["rows"]]
    assert ids == [people["ann"].pk, people["bob"].pk]
    assert client.get(reverse("bestbets:list"), {"scope": "all"}).status_code == 403
    assert client.get(reverse("bestbets:list"), {"scope": "nope"}).status_code == 400
    # The team scope: Olga is in another team.
    team = client.get(reverse("bestbets:list"), {"scope": "team"})
    assert people["cai"].pk not in [b.contact_id for b in team.context["rows"]]
    client.force_login(marketer)
    everybody = client.get(reverse("bestbets:list"))
    assert [b.contact_id for b in everybody.context["rows"]] == [
        people["ann"].pk,
        people["bob"].pk,
        people["cai"].pk,
    ]
    api = api_as(other_rep).get("/api/v1/best-bets/")
    assert [r["contact"] for r in api.json()["results"]] == [people["cai"].pk]
    assert api_as(other_rep).get("/api/v1/best-bets/?scope=all").status_code == 403
    bad = api_as(other_rep).get("/api/v1/best-bets/?scope=x")
    assert bad.status_code == 400 and "scope" in bad.content.decode()


def test_page_shows_reason_parts_and_actions(people, client, sales_rep):
    client.force_login(sales_rep)
    html = client.get(reverse("bestbets:list")).content.decode()
    ann = people["ann"]
    assert "Replied to an email" in html
    assert "Engagement " in html and "→ score" in html  # the hover text
    assert "How is this ranked?" in html and "Score = 100" in html  # the help popover
    send = reverse("sales_actions:send_dialog")
    enrol = reverse("sales_actions:cadence_enrol")
    assert f"{send}?contact={ann.pk}" in html
    assert f"{enrol}?contact={ann.pk}" in html
    assert f"{reverse('accounts:task_create')}?contact={ann.pk}" in html
    assert "tel:+15550100" in html and "data-call-dialog" in html
    assert (
        'name="selected"' in html and "data-enrol-selected" in html and "data-send-selected" in html
    )


def test_bulk_actions_reach_the_send_and_enrol_dialogs(people, client, sales_rep):
    client.force_login(sales_rep)
    ids = [people["ann"].pk, people["bob"].pk]
    send = client.get(reverse("sales_actions:send_dialog"), {"selected": ids})
    assert send.status_code == 200
    assert "2 selected contacts" in send.content.decode()
    enrol = client.get(reverse("sales_actions:cadence_enrol"), {"contact": ids})
    assert enrol.status_code == 200
    too_many = [c.pk for c in ContactFactory.create_batch(51, owner=sales_rep)]
    refused = client.get(reverse("sales_actions:send_dialog"), {"selected": too_many})
    assert "At most 50 selected contacts per send" in refused.content.decode()


def test_api_pages_with_a_keyset_cursor(people, api_as, marketer):
    client = api_as(marketer)
    first = client.get("/api/v1/best-bets/?page_size=2").json()
    assert [r["contact"] for r in first["results"]] == [people["ann"].pk, people["bob"].pk]
    row = first["results"][0]
    assert row["reason"].startswith("Replied to an email")
    assert row["inputs"]["role"] == 6.0 and row["moment_label"] == "Replied to an email"
    second = client.get(first["next"]).json()
    assert [r["contact"] for r in second["results"]] == [people["cai"].pk]
    assert client.get("/api/v1/best-bets/?cursor=forged").status_code == 400


def test_page_queries_do_not_grow_with_rows(
    people, client, marketer, django_assert_max_num_queries
):
    client.force_login(marketer)
    client.get(reverse("bestbets:list"))
    for _ in range(10):
        c = ContactFactory(owner=marketer)
        ActivityFactory(contact=c, type="email_clicked")
    bestbets_rebuild()
    with django_assert_max_num_queries(20):
        assert client.get(reverse("bestbets:list")).status_code == 200


def test_unknown_user_owner_does_not_break(people):
    ghost = UserFactory(username="ghost")
    c = ContactFactory(owner=ghost)
    ActivityFactory(contact=c, type="email_replied")
    ghost.delete()
    bestbets_refresh(contact_ids=[c.pk])
    assert BestBet.objects.get(contact=c).owner_id is None


def test_rebuild_command(people, capsys):
    from django.core.management import call_command

    BestBet.objects.all().delete()
    call_command("rebuild_bestbets")
    assert BestBet.objects.count() == 3
    assert "Ranked 3 of 3 active people" in capsys.readouterr().out


def test_backfill_cadence_activities_feeds_the_cadence_filters(sales_rep, capsys):
    from datetime import time

    from django.core.management import call_command

    from accounts.models import Contact
    from accounts.people_filters import sales_event_filter
    from sales_actions.cadences import services
    from sales_actions.models import Enrolment

    cadence = services.cadence_create(
        user=sales_rep, name="Old outreach", skip_weekends=False,
        business_hours_start=time(0, 0), business_hours_end=time(23, 59, 59),
    )  # fmt: skip
    kept, removed = ContactFactory.create_batch(2)
    when = timezone.now() - timedelta(days=3)
    # Enrolments loaded without the services: no activities.
    Enrolment.objects.create(cadence=cadence, contact=kept, enrolled_by=sales_rep, enrolled_at=when)
    Enrolment.objects.create(
        cadence=cadence, contact=removed, enrolled_by=sales_rep, enrolled_at=when,
        status=Enrolment.Status.REMOVED, ended_at=when + timedelta(days=1),
    )  # fmt: skip

    def who(event):
        rows = sales_event_filter(Contact.objects.all(), contact_field="pk", event=event, days=7)
        return sorted(rows.values_list("pk", flat=True))

    assert who("cadence_added") == []
    call_command("backfill_cadence_activities")
    assert "campaign_added: recorded 2" in capsys.readouterr().out
    assert who("cadence_added") == sorted([kept.pk, removed.pk])
    assert who("cadence_removed") == [removed.pk]
    call_command("backfill_cadence_activities")  # idempotent
    assert "campaign_added: recorded 0" in capsys.readouterr().out
    assert Activity.objects.filter(type="campaign_added").count() == 2
