"""Marketing impact: attribution worked out by hand on a small book (all four models)."""

import datetime as dt

import pytest
from django.utils import timezone

from accounts.models import Activity, Campaign, Opportunity
from accounts.tests.factories import (
    AccountFactory,
    ActivityFactory,
    CampaignFactory,
    ContactFactory,
    OpportunityFactory,
)
from analytics.insights.common import settings_parse
from analytics.insights.impact import DIMENSIONS, MODELS, Touch, impact_run, touch_credits
from buying_groups.tests.factories import BuyingGroupFactory, MemberFactory

pytestmark = pytest.mark.django_db
T = Activity.Type
NOW = timezone.now().replace(microsecond=0)
D = NOW - dt.timedelta(days=40)  # every deal is created on day D


def day(offset: int) -> dt.datetime:
    return D + dt.timedelta(days=offset)


def touch(contact, type, campaign, offset, content="", **extra):
    return ActivityFactory(
        contact=contact,
        type=type,
        campaign=campaign,
        occurred_at=day(offset),
        content_type=content,
        **extra,
    )


@pytest.fixture
def book():
    """Account A (USD 1,000, won on D+20), B (EUR 500), C (USD 300, never touched).

    A's campaign touches, oldest first: C1 email opened (D-30), C2 form (D-20),
    C3 whitepaper (D-10), C1 web visit (D-5) — then C3 email click (D+10, before the win).
    """
    c1 = CampaignFactory(name="C1 Newsletter", channel=Campaign.Channel.EMAIL)
    c2 = CampaignFactory(name="C2 Webinar", channel=Campaign.Channel.WEBINAR)
    c3 = CampaignFactory(name="C3 Paid", channel=Campaign.Channel.PAID)
    a, b, c = AccountFactory(name="A"), AccountFactory(name="B"), AccountFactory(name="C")
    a1, a2 = ContactFactory(account=a), ContactFactory(account=a)
    b1 = ContactFactory(account=b)
    touch(a1, T.EMAIL_OPENED, c1, -30, "marketing email")
    touch(a1, T.FORM_SUBMITTED, c2, -20, "form")
    touch(a2, T.DOCUMENT_VIEWED, c3, -10, "whitepaper")
    touch(a2, T.WEB_VISIT, c1, -5, "webpage")
    touch(a2, T.EMAIL_CLICKED, c3, 10, "marketing email")
    # Not touches: too old, a note, a bot, no campaign, a lead status change.
    touch(a1, T.EMAIL_OPENED, c2, -200, "marketing email")
    touch(a1, T.NOTE, c2, -3)
    touch(a1, T.WEB_VISIT, c2, -3, is_bot=True)
    touch(a1, T.WEB_VISIT, None, -3)
    touch(a1, T.LEAD_STATUS_CHANGED, c2, -2)
    touch(b1, T.EVENT_ATTENDED, c2, -1, "event")
    deal_a = OpportunityFactory(
        account=a,
        amount=1000,
        currency="USD",
        stage=Opportunity.Stage.CLOSED_WON,
        created_at=D,
        closed_at=day(20),
    )
    OpportunityFactory(account=b, amount=500, currency="EUR", created_at=D)
    OpportunityFactory(account=c, amount=300, currency="USD", created_at=D)
    return {"c1": c1, "c2": c2, "c3": c3, "a": a, "a1": a1, "a2": a2, "deal_a": deal_a}


def run(**params):
    base = {"date_from": (NOW - dt.timedelta(days=90)).date().isoformat()}
    base.update(params)
    return impact_run(settings_parse(base, dimension=DIMENSIONS), use_cache=False)


def amounts(row, model):
    return {m["currency"]: m["amount"] for m in row[model]}


def by_label(rows):
    return {r["label"]: r for r in rows}


def test_pipeline_credit_per_campaign_under_each_model(book):
    result = run()
    rows = by_label(result["pipeline"]["rows"])
    c1, c2, c3 = rows["C1 Newsletter"], rows["C2 Webinar"], rows["C3 Paid"]
    # A: 4 touches (C1, C2 form = lead touch, C3, C1 = opportunity touch); B: 1 touch (C2).
    assert amounts(c1, "first_touch") == {"USD": 1000}
    assert amounts(c1, "last_touch") == {"USD": 1000}
    assert amounts(c1, "linear") == {"USD": 500}
    assert amounts(c2, "linear") == {"USD": 250, "EUR": 500}
    assert amounts(c3, "linear") == {"USD": 250}
    # W: C1 30% + 30%, C2 30% (and all of B's EUR 500), C3 the remaining 10%.
    assert amounts(c1, "w_shaped") == {"USD": 600}
    assert amounts(c2, "w_shaped") == {"USD": 300, "EUR": 500}
    assert amounts(c3, "w_shaped") == {"USD": 100}
    assert amounts(c2, "first_touch") == {"EUR": 500}
    # Influenced: the whole deal for each campaign that touched it; never across currencies.
    assert amounts(c1, "influenced") == {"USD": 1000}
    assert amounts(c2, "influenced") == {"USD": 1000, "EUR": 500}
    assert c1["deals"] == 1 and c2["deals"] == 2 and c1["touches"] == 2
    totals = result["pipeline"]["totals"]
    assert totals["deals"] == 3
    assert {m["currency"]: m["amount"] for m in totals["amount"]} == {"USD": 1300, "EUR": 500}


def test_won_revenue_counts_touches_until_the_win(book):
    rows = by_label(run()["won"]["rows"])
    c1, c2, c3 = rows["C1 Newsletter"], rows["C2 Webinar"], rows["C3 Paid"]
    # Five touches: the D+10 click (C3) is now the last touch; keys stay at ranks 1, 2, 4.
    assert amounts(c3, "last_touch") == {"USD": 1000}
    assert amounts(c1, "first_touch") == {"USD": 1000}
    assert amounts(c1, "linear") == {"USD": 400}
    assert amounts(c2, "linear") == {"USD": 200}
    assert amounts(c3, "linear") == {"USD": 400}
    assert amounts(c1, "w_shaped") == {"USD": 600}
    assert amounts(c2, "w_shaped") == {"USD": 300}
    assert amounts(c3, "w_shaped") == {"USD": 100}  # 5% + 5%
    assert "EUR" not in str(run()["won"]["totals"])


def test_by_channel_and_by_content(book):
    channels = by_label(run(dimension="channel")["pipeline"]["rows"])
    assert amounts(channels["Email"], "w_shaped") == {"USD": 600}
    assert amounts(channels["Webinar"], "w_shaped") == {"USD": 300, "EUR": 500}
    assert amounts(channels["Paid media"], "w_shaped") == {"USD": 100}
    content = by_label(run(dimension="content")["pipeline"]["rows"])
    assert amounts(content["marketing email"], "first_touch") == {"USD": 1000}
    assert amounts(content["webpage"], "last_touch") == {"USD": 1000}
    assert amounts(content["form"], "w_shaped") == {"USD": 300}
    assert amounts(content["whitepaper"], "linear") == {"USD": 250}
    assert amounts(content["event"], "linear") == {"EUR": 500}


def test_segment_and_period_filters(book):
    book["a"].industry = "retail"
    book["a"].save()
    rows = by_label(run(industry="retail")["pipeline"]["rows"])
    assert set(rows) == {"C1 Newsletter", "C2 Webinar", "C3 Paid"}
    assert amounts(rows["C2 Webinar"], "linear") == {"USD": 250}
    empty = run(date_from=(NOW - dt.timedelta(days=5)).date().isoformat())
    assert empty["pipeline"]["rows"] == [] and empty["pipeline"]["totals"]["deals"] == 0


def test_python_rule_matches_the_sql_pass_and_sums_to_one():
    touches = [
        Touch(day(i), i, T.FORM_SUBMITTED if i == -4 else T.WEB_VISIT, 1, "email", "")
        for i in range(-6, 0)
    ]
    shares = touch_credits(touches, created_at=D)
    for model in MODELS:
        assert sum(s[model] for s in shares) == pytest.approx(1.0)
    # Keys at ranks 1, 3 (the form) and 6 (last before the deal); 10% over ranks 2, 4, 5.
    tenth = 0.1 / 3
    assert [s["w_shaped"] for s in shares] == pytest.approx([0.3, tenth, 0.3, tenth, tenth, 0.3])
    # One touch: everything to it; two touches, first is also the lead: 2/3 and 1/3.
    assert touch_credits(touches[:1], created_at=D)[0]["w_shaped"] == pytest.approx(1.0)
    two = touch_credits(touches[:2], created_at=D)
    assert [s["w_shaped"] for s in two] == pytest.approx([2 / 3, 1 / 3])


def test_within_the_buying_groups_of_one_account(book):
    g1 = BuyingGroupFactory(account=book["a"], name="Economic buyers")
    g2 = BuyingGroupFactory(account=book["a"], name="Users")
    MemberFactory(group=g1, contact=book["a1"])
    MemberFactory(group=g2, contact=book["a2"])
    groups = {g["name"]: g for g in run(account=book["a"].pk)["buying_groups"]}
    # g1 (a1): C1 opened, C2 form — the form is both lead and opportunity touch: 1/3, 2/3.
    g1_rows = by_label(groups["Economic buyers"]["rows"])
    assert amounts(g1_rows["C1 Newsletter"], "w_shaped") == {"USD": pytest.approx(333.33, 0.01)}
    assert amounts(g1_rows["C2 Webinar"], "w_shaped") == {"USD": pytest.approx(666.67, 0.01)}
    # g2 (a2), touches until the win: C3 paper, C1 visit (opportunity touch), C3 click.
    g2_rows = by_label(groups["Users"]["rows"])
    assert amounts(g2_rows["C3 Paid"], "first_touch") == {"USD": 1000}
    assert amounts(g2_rows["C3 Paid"], "last_touch") == {"USD": 1000}
    assert amounts(g2_rows["C1 Newsletter"], "linear") == {"USD": pytest.approx(333.33, 0.01)}


def test_the_worker_kept_shares_give_the_same_answers(book):
    from analytics.insights.impact import credits_ready, credits_refresh
    from analytics.insights.models import OpportunityCredit

    live = {dim: run(dimension=dim) for dim in DIMENSIONS}
    assert not credits_ready()
    assert credits_refresh() > 0
    # Deal A: pipeline shares over its 4 touches add up to 1 per model.
    rows = OpportunityCredit.objects.filter(
        opportunity=book["deal_a"], kind="pipeline", dimension="campaign"
    )
    assert sum(r.w_shaped for r in rows) == pytest.approx(1.0)
    assert sum(r.touches for r in rows) == 4
    for dim in DIMENSIONS:
        fast = run(dimension=dim)
        for kind in ("pipeline", "won"):
            assert fast[kind] == live[dim][kind], (dim, kind)
    # Another look-back is computed live.
    assert run(lookback_days=10)["pipeline"]["rows"] != live["campaign"]["pipeline"]["rows"]


def test_a_new_deal_gets_its_shares_after_commit(book, admin, django_capture_on_commit_callbacks):
    from accounts import services
    from analytics.insights.impact import credits_refresh
    from analytics.insights.models import OpportunityCredit

    credits_refresh()
    with django_capture_on_commit_callbacks(execute=True):
        deal = services.opportunity_create(
            user=admin, data={"account": book["a"], "name": "Expansion", "amount": 200}
        )
    assert OpportunityCredit.objects.filter(opportunity=deal, kind="pipeline").exists()
