"""One permission vocabulary: the predicates per role, the templates' view of them, the nav."""

import pytest
from django.test import override_settings
from django.urls import reverse

from abm import permissions as p
from accounts.tests.factories import AccountFactory, UserFactory

pytestmark = pytest.mark.django_db

MARKETING = [
    p.may_manage_marketing,
    p.may_manage_targeting_rules,
    p.may_import,
    p.may_manage_role_templates,
    p.may_generate_buying_groups,
    p.may_approve_emails,
    p.may_manage_workspaces,
]
ADMIN_ONLY = [
    p.may_view_outbox,
    p.may_limit_workspaces,
    p.may_see_every_workspace,
    p.may_delete_activities,
]


def test_admin_may_do_everything(admin):
    assert p.is_admin(admin) and not p.is_marketer(admin) and not p.is_sales_rep(admin)
    assert all(fn(admin) for fn in MARKETING + ADMIN_ONLY)
    assert p.may_choose_owner(admin)


def test_a_superuser_counts_as_admin_whatever_the_role():
    boss = UserFactory(username="boss", role="sales_rep", is_superuser=True)
    assert p.is_admin(boss) and not p.is_sales_rep(boss)
    assert all(fn(boss) for fn in MARKETING + ADMIN_ONLY)


def test_marketer_manages_marketing_but_not_admin_things(marketer):
    assert p.is_marketer(marketer)
    assert all(fn(marketer) for fn in MARKETING)
    assert not any(fn(marketer) for fn in ADMIN_ONLY)
    assert p.may_choose_owner(marketer)


def test_sales_rep_reads_and_writes_only_their_own(sales_rep, other_rep):
    assert p.is_sales_rep(sales_rep)
    assert not any(fn(sales_rep) for fn in MARKETING + ADMIN_ONLY)
    assert not p.may_choose_owner(sales_rep)
    mine, theirs = AccountFactory(owner=sales_rep), AccountFactory(owner=other_rep)
    assert p.may_write(sales_rep, mine) and not p.may_write(sales_rep, theirs)
    assert p.may_manage_account_groups(sales_rep, mine)
    assert not p.may_manage_account_groups(sales_rep, theirs)
    assert p.may_create(sales_rep, "account") and not p.may_create(sales_rep, "campaign")


def test_anonymous_may_do_nothing():
    from django.contrib.auth.models import AnonymousUser

    nobody = AnonymousUser()
    assert not any(fn(nobody) for fn in MARKETING + ADMIN_ONLY)
    assert not p.may_create(nobody, "account") and not p.may_choose_owner(nobody)
    assert not p.UserPermissions(None).may_import


def test_templates_read_predicates_through_perms_hub(sales_rep, marketer):
    hub = p.UserPermissions(marketer)
    assert hub.may_manage_marketing and hub["may_approve_emails"] and not hub.may_view_outbox
    assert not p.UserPermissions(sales_rep).may_manage_marketing
    with pytest.raises(AttributeError):
        hub.not_a_predicate  # noqa: B018 - a typo in a template must not read as "allowed"


def _nav_labels(client, user) -> list[str]:
    client.force_login(user)
    response = client.get(reverse("sales_actions:template_list"))
    assert response.status_code == 200
    return [str(item["label"]) for item in response.context["nav_items"]]


def test_nav_shows_only_what_each_role_may_open(client, admin, marketer, sales_rep):
    everyone = ["Target accounts", "Accounts", "Buying groups", "Emails", "Analytics"]
    for user in (admin, marketer):
        labels = _nav_labels(client, user)
        assert set(everyone) <= set(labels) and "Import" in labels
    labels = _nav_labels(client, sales_rep)
    assert set(everyone) <= set(labels) and "Import" not in labels


def test_email_tabs_show_approvals_and_outbox_by_role(client, admin, marketer, sales_rep):
    def tabs(user):
        client.force_login(user)
        response = client.get(reverse("sales_actions:template_list"))
        return [t["key"] for t in response.context["tabs"]]

    assert tabs(admin) == ["templates", "approvals", "report", "outbox"]
    assert tabs(marketer) == ["templates", "approvals", "report"]
    assert tabs(sales_rep) == ["templates", "report"]


@override_settings(DEBUG=False)
@pytest.mark.parametrize(
    "url",
    [
        "/import/",
        "/emails/approvals/",
        "/emails/outbox/",
        "/buying-groups/templates/new/",
    ],
)
def test_pages_a_sales_rep_may_not_open_answer_the_styled_403(client, sales_rep, url):
    client.force_login(sales_rep)
    response = client.get(url)
    body = response.content.decode()
    assert response.status_code == 403, url
    assert 'class="mainnav"' in body and "hub.css" in body  # styled, with the navigation
    assert ">Import<" not in body


@pytest.mark.parametrize(
    "url",
    ["/import/", "/emails/approvals/", "/emails/outbox/", "/buying-groups/templates/new/"],
)
def test_the_same_pages_open_for_an_admin(client, admin, url):
    client.force_login(admin)
    assert client.get(url).status_code == 200, url


@pytest.mark.parametrize(
    ("url", "marketing_only"),
    [
        ("/buying-groups/", [b"Generate groups"]),
        ("/buying-groups/templates/", [b"Generate groups", b"New role template"]),
        ("/accounts/", [b"Import CSV"]),
    ],
)
def test_pages_offer_marketing_actions_only_to_who_may_use_them(
    client, marketer, sales_rep, url, marketing_only
):
    client.force_login(marketer)
    page = client.get(url)
    assert page.status_code == 200 and all(text in page.content for text in marketing_only)
    client.force_login(sales_rep)
    page = client.get(url)
    assert page.status_code == 200 and not any(text in page.content for text in marketing_only)


@override_settings(DEBUG=False)
def test_the_rule_preview_page_has_the_apis_role_check(client, marketer, sales_rep):
    url = reverse("targets:rule_preview")
    data = {"name": "Big", "field_0": "employees", "op_0": ">=", "value_0": "100"}
    client.force_login(sales_rep)
    assert client.post(url, data).status_code == 403
    client.force_login(marketer)
    assert client.post(url, data).status_code == 200
