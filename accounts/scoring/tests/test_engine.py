"""Lead scores: known answers (decay, expiry, windows, caps, field rules), the model a lead
gets, leads without a contact, threshold crossing once, incremental == full recompute."""

from datetime import UTC, date, datetime, timedelta

import pytest

from accounts.models import (
    Activity,
    HubEvent,
    Lead,
    LeadScore,
    LeadScoreDay,
    LeadScoreDirty,
    ScoringModel,
    Task,
)
from accounts.scoring.engine import lead_scores_compute
from accounts.scoring.selectors import lead_score_explain
from accounts.scoring.services import (
    lead_scores_flush,
    lead_scores_qualify,
    lead_scores_recompute_all,
    scoring_model_create,
)
from accounts.tests.factories import (
    AccountFactory,
    ActivityFactory,
    CampaignFactory,
    ContactFactory,
    LeadFactory,
    ProductFactory,
)

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


def make_model(user, rules, *, threshold=100, product=None, active=True, name="Model"):
    return scoring_model_create(
        user=user,
        data={
            "name": name,
            "threshold": threshold,
            "product": product,
            "is_active": active,
            "rules": rules,
        },
    )


def score_of(lead) -> LeadScore:
    return LeadScore.objects.get(lead=lead)


def test_known_answer_with_half_life_expiry_window_and_cap(marketer):
    lead = LeadFactory()
    c = lead.contact
    other = LeadFactory()  # another contact's activities never count
    campaign = CampaignFactory()
    make_model(
        marketer,
        [
            # +10 per email click, halving every 10 days: 10 + 5 + 2.5 = 17.5
            {
                "points": 10,
                "activity_type": "email_clicked",
                "decay": "half_life",
                "decay_days": 10,
            },
            # +30 per event attended, expiring after 30 days: one counts (40 days is gone)
            {"points": 30, "activity_type": "event_attended", "decay": "expire", "decay_days": 30},
            # +25 per pricing-page visit, at most 40: 3 visits = 75 -> 40
            {
                "points": 25,
                "activity_type": "web_visit",
                "url_contains": "/PRICING",
                "max_points": 40,
            },
            # +5 per campaign touch within 7 days: one of two
            {"points": 5, "campaign": campaign.pk, "window_days": 7},
        ],
    )
    for days in (0, 10, 20):
        ActivityFactory(contact=c, type="email_clicked", occurred_at=ago(days))
    ActivityFactory(contact=c, type="email_clicked", occurred_at=ago(1), is_bot=True)  # bot
    ActivityFactory(contact=c, type="email_clicked", occurred_at=NOW + timedelta(days=1))
    ActivityFactory(contact=c, type="event_attended", occurred_at=ago(5))
    ActivityFactory(contact=c, type="event_attended", occurred_at=ago(40))
    for days in (1, 2, 3):
        ActivityFactory(
            contact=c, type="web_visit", url="https://x.example/pricing/a", occurred_at=ago(days)
        )
    ActivityFactory(contact=c, type="web_visit", url="https://x.example/blog", occurred_at=ago(1))
    ActivityFactory(contact=c, type="form_submitted", campaign=campaign, occurred_at=ago(2))
    ActivityFactory(contact=c, type="form_submitted", campaign=campaign, occurred_at=ago(9))
    ActivityFactory(contact=other.contact, type="event_attended", occurred_at=ago(1))

    result = lead_scores_compute(now=NOW)
    assert result["scored"] == 2
    s = score_of(lead)
    # 17.5 + 30 + 40 + 5 = 92.5 -> 93 (half up)
    assert s.score == 93
    points = sorted(i["points"] for i in s.breakdown)
    assert points == [5, 17.5, 30, 40]
    click = next(i for i in s.breakdown if i["points"] == 17.5)
    assert click["count"] == 3
    clicks = next(i for i in lead_score_explain(lead)["items"] if i["points"] == 17.5)
    assert [a["occurred_at"] for a in clicks["activities"]] == [ago(0), ago(10), ago(20)]
    assert Lead.objects.get(pk=lead.pk).score == 93  # mirrored on the lead
    assert score_of(other).score == 30
    explained = lead_score_explain(lead)
    assert explained["scored"] and explained["score"] == 93
    assert explained["items"][0]["points"] == 40  # largest first
    assert "per Web visit" in explained["items"][0]["rule_label"]


def test_at_least_rule_and_field_rules(marketer):
    account = AccountFactory(industry="healthcare", employee_count=800, country="Germany")
    contact = ContactFactory(account=account, title="VP of Engineering")
    lead = LeadFactory(contact=contact)
    make_model(
        marketer,
        [
            # +20 once for >= 3 web visits in 7 days, halving every 7 days from the newest
            {
                "points": 20,
                "activity_type": "web_visit",
                "count_mode": "at_least",
                "min_count": 3,
                "window_days": 7,
                "decay": "half_life",
                "decay_days": 7,
            },
            {"kind": "field", "points": 15, "field": "contact_title", "values": "vp, chief"},
            {"kind": "field", "points": 10, "field": "account_industry", "values": "Healthcare"},
            {"kind": "field", "points": 5, "field": "account_country", "values": "germany"},
            {
                "kind": "field",
                "points": 8,
                "field": "account_size",
                "min_value": 500,
                "max_value": 1000,
            },
            {"kind": "field", "points": -50, "field": "contact_title", "values": "student"},
        ],
    )
    for days in (7, 8, 9):  # newest is 7 days old; but only two inside the window
        ActivityFactory(contact=contact, type="web_visit", occurred_at=ago(days))
    lead_scores_compute(now=NOW)
    assert score_of(lead).score == 15 + 10 + 5 + 8
    ActivityFactory(contact=contact, type="web_visit", occurred_at=ago(6.5))
    ActivityFactory(contact=contact, type="web_visit", occurred_at=ago(6.9))
    lead_scores_compute(now=NOW)
    # 3 visits within 7 days (6.5, 6.9, 7.0); newest 6.5 days old: 20 * 0.5^(6.5/7)
    expected = 20 * 0.5 ** (6.5 / 7)
    s = score_of(lead)
    item = next(i for i in s.breakdown if i["count"] == 3)
    assert item["points"] == pytest.approx(round(expected, 2), abs=0.006)
    assert s.score == round(38 + expected)
    labels = [i["rule_label"] for i in lead_score_explain(lead)["items"]]
    assert "+10 · Account industry is any of: Healthcare" in labels


def test_product_model_wins_over_all_leads_model(marketer):
    product = ProductFactory()
    lead_p = LeadFactory(product=product)
    lead_any = LeadFactory()
    general = make_model(marketer, [{"points": 1, "activity_type": "web_visit"}], name="All")
    specific = make_model(
        marketer, [{"points": 7, "activity_type": "web_visit"}], product=product.pk, name="P"
    )
    ActivityFactory(contact=lead_p.contact, type="web_visit", occurred_at=ago(1))
    ActivityFactory(contact=lead_any.contact, type="web_visit", occurred_at=ago(1))
    lead_scores_compute(now=NOW)
    assert (score_of(lead_p).model_id, score_of(lead_p).score) == (specific.pk, 7)
    assert (score_of(lead_any).model_id, score_of(lead_any).score) == (general.pk, 1)


def test_lead_without_contact_is_skipped_with_reason(marketer):
    account = AccountFactory()
    lead = Lead.objects.create(account=account, topic="Account lead", score=12)
    make_model(marketer, [{"points": 5}])
    result = lead_scores_compute(now=NOW)
    assert result["scored"] == 0
    assert not LeadScore.objects.filter(lead=lead).exists()
    assert Lead.objects.get(pk=lead.pk).score == 12
    explained = lead_score_explain(lead)
    assert explained["reason_code"] == "no_contact"
    assert "no contact" in explained["reason"]


def test_no_model_reason_and_deactivation_removes_scores(marketer):
    lead = LeadFactory()
    assert lead_score_explain(lead)["reason_code"] == "no_model"
    model = make_model(marketer, [{"points": 5}])
    ActivityFactory(contact=lead.contact, occurred_at=ago(1))
    lead_scores_compute(now=NOW)
    assert score_of(lead).score == 5
    ScoringModel.objects.filter(pk=model.pk).update(is_active=False)
    lead_scores_compute(now=NOW)
    assert not LeadScore.objects.filter(lead=lead).exists()


def test_threshold_crossing_qualifies_once_and_tells_the_owner(marketer, sales_rep):
    lead = LeadFactory(owner=sales_rep, status=Lead.Status.NURTURING)
    sold = LeadFactory(owner=sales_rep, status=Lead.Status.SALES_ACCEPTED)
    make_model(marketer, [{"points": 30, "activity_type": "event_attended"}], threshold=50)
    for item in (lead, sold):
        ActivityFactory(contact=item.contact, type="event_attended", occurred_at=ago(1))
    lead_scores_recompute_all(now=NOW)
    assert score_of(lead).score == 30 and not score_of(lead).above_threshold
    for item in (lead, sold):
        ActivityFactory(contact=item.contact, type="event_attended", occurred_at=ago(0.5))
    lead_scores_recompute_all(now=NOW)
    lead_scores_qualify()
    lead.refresh_from_db()
    sold.refresh_from_db()
    assert lead.status == Lead.Status.MQL
    assert sold.status == Lead.Status.SALES_ACCEPTED  # past MQL: never moved back
    assert score_of(lead).qualified_at is not None
    tasks = Task.objects.filter(owner=sales_rep, contact=lead.contact)
    assert tasks.count() == 1
    events = HubEvent.objects.filter(kind="lead.status_changed", subject_id=lead.pk)
    assert [e.payload["to"] for e in events] == ["mql"]
    assert (
        Activity.objects.filter(
            contact=lead.contact, type=Activity.Type.LEAD_STATUS_CHANGED
        ).count()
        == 1
    )
    # Recomputing (still above) and returning the lead to nurturing do not qualify again.
    Lead.objects.filter(pk=lead.pk).update(status=Lead.Status.NURTURING)
    lead_scores_recompute_all(now=NOW)
    lead_scores_qualify()
    assert Lead.objects.get(pk=lead.pk).status == Lead.Status.NURTURING
    assert Task.objects.filter(owner=sales_rep, contact=lead.contact).count() == 1
    assert not score_of(sold).mql_pending


def test_incremental_equals_full_recompute(marketer):
    product = ProductFactory()
    leads = [LeadFactory(product=product if i % 2 else None) for i in range(8)]
    make_model(
        marketer,
        [
            {
                "points": 10,
                "activity_type": "email_clicked",
                "decay": "half_life",
                "decay_days": 14,
            },
            {"points": 25, "url_contains": "pricing", "decay": "expire", "decay_days": 20},
            {"kind": "field", "points": 5, "field": "contact_title", "values": "manager"},
        ],
    )
    make_model(
        marketer,
        [{"points": 40, "activity_type": "web_visit", "count_mode": "at_least", "min_count": 2}],
        product=product.pk,
        name="Product",
    )
    for n, lead in enumerate(leads):
        for k in range(n):
            ActivityFactory(
                contact=lead.contact,
                type=["email_clicked", "web_visit"][k % 2],
                url="https://x.example/pricing" if k % 3 == 0 else "",
                occurred_at=ago(k * 4 + 0.25),
            )
    lead_scores_compute(lead_ids=[lead.pk for lead in leads], now=NOW)
    incremental = {
        s.lead_id: (s.model_id, s.score, sorted(map(str, s.breakdown)))
        for s in LeadScore.objects.all()
    }
    LeadScore.objects.all().delete()
    lead_scores_compute(now=NOW)
    full = {
        s.lead_id: (s.model_id, s.score, sorted(map(str, s.breakdown)))
        for s in LeadScore.objects.all()
    }
    assert incremental == full
    assert len(full) == 8 and any(v[1] > 0 for v in full.values())


def test_new_activity_marks_the_lead_and_the_flush_rescores_it(
    marketer, django_capture_on_commit_callbacks
):
    lead = LeadFactory()
    make_model(marketer, [{"points": 10, "activity_type": "email_clicked"}])
    LeadScoreDirty.objects.all().delete()
    from accounts.services.activities import activity_record

    with django_capture_on_commit_callbacks(execute=True):
        activity_record(contact=lead.contact, type="email_clicked", subject="Spring offer")
    # Eager Celery: the listener marked the lead and the flush ran after commit.
    assert score_of(lead).score == 10
    assert not LeadScoreDirty.objects.exists()
    assert LeadScoreDay.objects.get(lead=lead).score == 10
    assert lead_scores_flush() == {"leads": 0}


def test_score_day_history_written_on_change_only(marketer):
    lead = LeadFactory()
    make_model(marketer, [{"points": 10, "activity_type": "email_clicked"}])
    ActivityFactory(contact=lead.contact, type="email_clicked", occurred_at=ago(1))
    lead_scores_compute(now=NOW)
    lead_scores_compute(now=NOW + timedelta(days=1))  # unchanged: no row for that day
    ActivityFactory(contact=lead.contact, type="email_clicked", occurred_at=ago(0))
    lead_scores_compute(now=NOW + timedelta(days=2))
    rows = list(LeadScoreDay.objects.filter(lead=lead).values_list("day", "score"))
    assert rows == [(date(2026, 6, 1), 10), (date(2026, 6, 3), 20)]


def test_a_computed_score_cannot_be_typed(marketer, client):
    from abm.exceptions import ApplicationError
    from accounts.services.records import lead_update

    lead = LeadFactory(owner=marketer)
    manual = Lead.objects.create(account=AccountFactory(), topic="Typed", owner=marketer)
    make_model(marketer, [{"points": 10, "activity_type": "email_clicked"}])
    ActivityFactory(contact=lead.contact, type="email_clicked", occurred_at=ago(1))
    lead_scores_compute(now=NOW)
    lead.refresh_from_db()
    with pytest.raises(ApplicationError) as caught:
        lead_update(user=marketer, lead=lead, data={"score": 99})
    assert caught.value.field == "score"
    lead_update(user=marketer, lead=lead, data={"score": 10, "topic": "Same score is fine"})
    # A lead no model scores (no contact) keeps a score people type.
    lead_update(user=marketer, lead=manual, data={"score": 42})
    assert Lead.objects.get(pk=manual.pk).score == 42
    from accounts.forms import LeadForm

    assert LeadForm(instance=lead, user=marketer).fields["score"].disabled
    assert not LeadForm(instance=manual, user=marketer).fields["score"].disabled
