"""Target accounts pages: index, select panel, remove dialog, overview, prospects."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Account, TargetOptOut
from accounts.services.rollups import rollups_rebuild
from accounts.tests.factories import (
    AccountFactory,
    ActivityFactory,
    ContactFactory,
    OpportunityFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def logged_in(client, marketer):
    client.force_login(marketer)
    return client


def test_index_shows_cards_categories_and_rows(logged_in, sales_rep):
    a = AccountFactory(name="Acme", is_target=True, owner=sales_rep)
    c = ContactFactory(account=a, roles=["blocker"])
    OpportunityFactory(account=a, amount=1234)
    ActivityFactory(
        contact=c,
        type="call",
        initiated_by="user",
        occurred_at=timezone.now() - dt.timedelta(days=3),
    )
    AccountFactory(name="Not a target")
    rollups_rebuild()
    response = logged_in.get(reverse("targets:index"))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-metric="target_accounts">1<' in html
    assert 'data-metric="open_deal_value"><span class="money">USD 1,234</span>' in html
    assert "3 days ago" in html and "<time datetime=" in html
    assert "Acme" in html and "Not a target" not in html
    assert 'data-category="has_blocker">Has a blocker <span class="count">1</span>' in html
    assert f"{reverse('accounts:task_create')}?account={a.pk}" in html
    assert f"{reverse('accounts:note_create')}?account={a.pk}" in html
    assert reverse("accounts:account_detail", args=[a.pk]) in html
    assert reverse("targets:remove", args=[a.pk]) in html


def test_index_category_filter_and_bad_category(logged_in):
    AccountFactory(name="Has DM", is_target=True)
    ContactFactory(account=Account.objects.get(name="Has DM"), roles=["decision_maker"])
    AccountFactory(name="Lacks DM", is_target=True)
    rollups_rebuild()
    html = logged_in.get(reverse("targets:index"), {"category": "no_decision_maker"}).content
    assert b"Lacks DM" in html and b"Has DM" not in html
    response = logged_in.get(reverse("targets:index"), {"category": "bogus"})
    assert response.status_code == 200 and b"Unknown category" in response.content


def test_index_query_count_is_constant(client, marketer, django_assert_max_num_queries):
    client.force_login(marketer)
    for i in range(5):
        AccountFactory(name=f"T{i}", is_target=True)
    rollups_rebuild()
    with django_assert_max_num_queries(9) as small:
        client.get(reverse("targets:index"))
    for i in range(60):
        AccountFactory(name=f"U{i}", is_target=True, owner=UserFactory())
    rollups_rebuild()
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(reverse("targets:index"))


def test_gdpr_note_on_the_page(logged_in, settings):
    settings.GDPR_MODE = True
    assert b"data-gdpr-note" in logged_in.get(reverse("targets:index")).content
    settings.GDPR_MODE = False
    assert b"data-gdpr-note" not in logged_in.get(reverse("targets:index")).content


def test_select_panel_searches_and_marks_targets(logged_in, django_capture_on_commit_callbacks):
    a, b = AccountFactory(name="Northwind"), AccountFactory(name="Northstar")
    AccountFactory(name="Already", is_target=True)
    html = logged_in.get(
        reverse("targets:select"), {"q": "north", "partial": 1}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "Northwind" in html and "Northstar" in html and "Already" not in html
    with django_capture_on_commit_callbacks(execute=True):
        response = logged_in.post(
            reverse("targets:select"), {"selected": [a.pk, b.pk]}, HTTP_HX_REQUEST="true"
        )
    assert response.status_code == 204 and response["HX-Redirect"] == reverse("targets:index")
    assert Account.objects.filter(pk__in=[a.pk, b.pk], is_target=True).count() == 2
    response = logged_in.post(
        reverse("targets:select"), {"selected": ["999999"]}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 400 and b"not accounts" in response.content


def test_remove_dialog_confirms_then_removes(logged_in, django_capture_on_commit_callbacks):
    a = AccountFactory(name="Gone Soon", is_target=True)
    url = reverse("targets:remove", args=[a.pk])
    dialog = logged_in.get(url, HTTP_HX_REQUEST="true")
    assert b"Remove as target?" in dialog.content and b"Gone Soon" in dialog.content
    with django_capture_on_commit_callbacks(execute=True):
        response = logged_in.post(
            url, {"next": "/target-accounts/?category=no_meetings"}, HTTP_HX_REQUEST="true"
        )
    assert response["HX-Redirect"] == "/target-accounts/?category=no_meetings"
    a.refresh_from_db()
    assert not a.is_target and TargetOptOut.objects.filter(account=a).exists()


def test_sales_rep_cannot_remove_someone_elses_target(client, sales_rep, other_rep):
    a = AccountFactory(is_target=True, owner=other_rep)
    client.force_login(sales_rep)
    dialog = client.get(reverse("targets:remove", args=[a.pk]), HTTP_HX_REQUEST="true")
    assert b"Your role cannot change this account" in dialog.content
    client.post(reverse("targets:remove", args=[a.pk]))
    a.refresh_from_db()
    assert a.is_target


def test_overview_shows_activities_contacts_stakeholders_deals_pages(logged_in, admin):
    a = AccountFactory(name="Overview Co", is_target=True)
    c = ContactFactory(account=a, first_name="Pat", last_name="Primary")
    ActivityFactory(contact=c, type="web_visit", url="https://hub.example/pricing")
    ActivityFactory(contact=c, type="call", initiated_by="user", user=admin)
    OpportunityFactory(account=a, name="Renewal 2025")
    html = logged_in.get(reverse("targets:overview", args=[a.pk])).content.decode()
    for text in ("Pat Primary", "Ada Admin", "Renewal 2025", "https://hub.example/pricing", "Call"):
        assert text in html


def test_prospects_rank_recent_engagement_of_non_targets(logged_in):
    now = timezone.now()
    busy, quiet, target = AccountFactory(name="Busy"), AccountFactory(name="Quiet"), None
    target = AccountFactory(name="Target", is_target=True)
    for _ in range(3):
        ActivityFactory(contact=ContactFactory(account=busy), type="form_submitted")
    ActivityFactory(contact=ContactFactory(account=quiet), type="web_visit")
    old = ContactFactory(account=AccountFactory(name="Long ago"))
    ActivityFactory(contact=old, type="web_visit", occurred_at=now - dt.timedelta(days=45))
    ActivityFactory(contact=ContactFactory(account=target), type="web_visit")
    html = logged_in.get(reverse("targets:prospects")).content.decode()
    assert html.index("Busy") < html.index("Quiet")
    assert "Long ago" not in html and ">Target<" not in html
    response = logged_in.post(reverse("targets:mark", args=[busy.pk]))
    assert response.status_code == 302
    busy.refresh_from_db()
    assert busy.is_target and busy.target_source == "manual"
