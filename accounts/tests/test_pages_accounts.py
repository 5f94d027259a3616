"""Account pages: list (search, filters, sort, keyset paging, bulk targets), detail, forms."""

import pytest
from django.urls import reverse

from accounts.models import Account, Activity
from accounts.tests.factories import (
    AccountFactory,
    ActivityFactory,
    ContactFactory,
    NoteFactory,
    OpportunityFactory,
    TaskFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

LIST = reverse("accounts:account_list")
ROLES = ["admin", "marketer", "sales_rep"]


def _names(response):
    return [a.name for a in response.context["rows"]]


@pytest.mark.parametrize("role", ROLES)
def test_account_list_renders_for_every_role(client, request, role):
    user = request.getfixturevalue(role)
    AccountFactory(name="Acme Robotics", owner=user, is_target=True)
    client.force_login(user)

    response = client.get(LIST)

    assert response.status_code == 200
    body = response.content.decode()
    assert "Acme Robotics" in body
    assert "Target</span>" in body
    assert "Mark as target" in body


def test_account_list_requires_login(client):
    response = client.get(LIST)
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_account_list_empty_states(client, marketer):
    client.force_login(marketer)
    assert "No accounts yet" in client.get(LIST).content.decode()
    AccountFactory(name="Acme")
    assert "No accounts match these filters" in client.get(LIST, {"q": "zzz"}).content.decode()


def test_account_list_search_matches_name_and_domain(client, marketer):
    AccountFactory(name="Acme Robotics", domain="acme.example")
    AccountFactory(name="Globex", domain="globex.example")
    AccountFactory(name="Initech", domain="initech.example")
    client.force_login(marketer)

    assert _names(client.get(LIST, {"q": "acme"})) == ["Acme Robotics"]
    assert _names(client.get(LIST, {"q": "globex.exa"})) == ["Globex"]


def test_account_list_filters_industry_owner_team_and_target(
    client, marketer, sales_rep, other_rep
):
    AccountFactory(name="Soft A", industry="software", owner=sales_rep, is_target=True)
    AccountFactory(name="Bank B", industry="financial_services", owner=other_rep)
    AccountFactory(name="Soft C", industry="software", owner=other_rep)
    client.force_login(marketer)

    assert _names(client.get(LIST, {"industry": "software"})) == ["Soft A", "Soft C"]
    assert _names(client.get(LIST, {"owner": other_rep.pk})) == ["Bank B", "Soft C"]
    assert _names(client.get(LIST, {"team": sales_rep.team_id})) == ["Soft A"]
    assert _names(client.get(LIST, {"is_target": "true"})) == ["Soft A"]
    assert _names(client.get(LIST, {"is_target": "false"})) == ["Bank B", "Soft C"]


def test_account_list_sorts_by_each_column_both_ways(client, marketer):
    AccountFactory(name="Beta", fit_score=10, employee_count=None, industry="retail")
    AccountFactory(name="alpha", fit_score=90, employee_count=50, industry="software")
    AccountFactory(name="Gamma", fit_score=50, employee_count=5000, industry="energy")
    client.force_login(marketer)

    assert _names(client.get(LIST)) == ["alpha", "Beta", "Gamma"]  # case-insensitive
    assert _names(client.get(LIST, {"sort": "-name"})) == ["Gamma", "Beta", "alpha"]
    assert _names(client.get(LIST, {"sort": "-fit"})) == ["alpha", "Gamma", "Beta"]
    assert _names(client.get(LIST, {"sort": "fit"})) == ["Beta", "Gamma", "alpha"]
    assert _names(client.get(LIST, {"sort": "-employees"})) == ["Gamma", "alpha", "Beta"]
    assert _names(client.get(LIST, {"sort": "industry"})) == ["Gamma", "Beta", "alpha"]
    assert _names(client.get(LIST, {"sort": "nonsense"})) == ["alpha", "Beta", "Gamma"]


def test_sort_headers_link_to_the_other_direction(client, marketer):
    AccountFactory()
    client.force_login(marketer)
    headers = client.get(LIST, {"sort": "-fit"}).context["headers"]
    assert headers["fit"]["active"] and headers["fit"]["url"].endswith("sort=fit")
    assert "sort=-employees" in headers["employees"]["url"]  # numbers: biggest first
    assert "sort=name" in headers["name"]["url"]


def test_keyset_paging_walks_forward_and_back_without_gaps(client, marketer):
    for i in range(120):
        AccountFactory(name=f"Company {i:03d}", fit_score=i % 7)
    client.force_login(marketer)

    seen = []
    response = client.get(LIST, {"sort": "-fit"})
    pages = [response]
    while response.context["page"].has_next:
        response = client.get(response.context["page"].next_url)
        pages.append(response)
    for page in pages:
        seen.extend(a.pk for a in page.context["rows"])

    assert len(pages) == 3
    assert len(seen) == 120 and len(set(seen)) == 120
    fits = [Account.objects.get(pk=pk).fit_score for pk in seen]
    assert fits == sorted(fits, reverse=True)
    assert pages[0].context["total"] == 120

    back = client.get(pages[2].context["page"].previous_url)
    assert [a.pk for a in back.context["rows"]] == [a.pk for a in pages[1].context["rows"]]
    assert back.context["page"].has_previous and back.context["page"].has_next


def test_a_broken_cursor_is_a_400_showing_the_first_page_and_why(client, marketer):
    AccountFactory(name="Only")
    client.force_login(marketer)
    for cursor in ["garbage", "eyJ2IjpbMV19", "%%%", "eyJ2IjpbImEiLCJiIl0sImQiOiJuIn0"]:
        response = client.get(LIST, {"cursor": cursor})
        assert response.status_code == 400
        assert _names(response) == ["Only"]
        assert "page link is not valid" in response.content.decode()


def test_account_list_shows_contact_count_and_owner_in_constant_queries(
    client, marketer, django_assert_max_num_queries
):
    client.force_login(marketer)

    def make(n):
        for _ in range(n):
            owner = UserFactory()
            account = AccountFactory(owner=owner)
            ContactFactory.create_batch(2, account=account)

    make(3)
    with django_assert_max_num_queries(12) as few:
        client.get(LIST)
    make(30)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(LIST)

    account = response.context["rows"][0]
    assert account.contact_count == 2
    assert account.owner.display_name in response.content.decode()


def test_bulk_mark_and_remove_target(client, marketer):
    a, b, c = AccountFactory(), AccountFactory(is_target=True), AccountFactory()
    client.force_login(marketer)
    url = reverse("accounts:account_bulk_target")

    response = client.post(url, {"action": "mark", "selected": [a.pk, b.pk]}, follow=True)
    assert "1 account marked as target. 1 already was." in response.content.decode()
    a.refresh_from_db()
    assert a.is_target and a.target_since is not None

    response = client.post(url, {"action": "unmark", "selected": [a.pk, b.pk, c.pk]}, follow=True)
    assert "2 accounts removed from targets. 1 already was." in response.content.decode()
    assert not Account.objects.filter(is_target=True).exists()


def test_bulk_target_by_rep_on_others_accounts_is_refused_and_changes_nothing(
    client, sales_rep, other_rep
):
    mine = AccountFactory(owner=sales_rep)
    theirs = AccountFactory(owner=other_rep, name="Their Co")
    client.force_login(sales_rep)

    response = client.post(
        reverse("accounts:account_bulk_target"),
        {"action": "mark", "selected": [mine.pk, theirs.pk], "next": LIST + "?q=x"},
    )

    assert response.status_code == 302 and response["Location"] == LIST + "?q=x"
    flashes = [str(m) for m in response.wsgi_request._messages]
    assert any("cannot change these accounts: Their Co" in m for m in flashes)
    assert not Account.objects.filter(is_target=True).exists()


def test_bulk_target_without_selection_is_an_error_flash(client, marketer):
    client.force_login(marketer)
    response = client.post(reverse("accounts:account_bulk_target"), {"action": "mark"}, follow=True)
    assert response.status_code == 200
    assert "Choose at least one account." in response.content.decode()


def test_bulk_target_ignores_an_offsite_next(client, marketer):
    account = AccountFactory()
    client.force_login(marketer)
    response = client.post(
        reverse("accounts:account_bulk_target"),
        {"action": "mark", "selected": [account.pk], "next": "https://evil.example/"},
    )
    assert response["Location"] == LIST


# --- Detail -------------------------------------------------------------------------


def _full_account(n_contacts: int, n_activities: int) -> Account:
    owner = UserFactory(team=None)
    parent = AccountFactory(name="Parent Holdings")
    account = AccountFactory(name="Acme", owner=owner, parent=parent, is_target=True, fit_score=77)
    contacts = [
        ContactFactory(account=account, roles=["decision_maker", "champion"])
        for _ in range(n_contacts)
    ]
    for i in range(n_activities):
        ActivityFactory(
            contact=contacts[i % n_contacts],
            user=owner,
            type="call" if i % 2 else "web_visit",
            initiated_by="user" if i % 2 else "contact",
        )
    OpportunityFactory(account=account, name="Big deal", owner=owner, amount=1234)
    TaskFactory(account=account, contact=contacts[0], title="Call the CFO", owner=owner)
    NoteFactory(account=account, body="They liked the demo", author=owner)
    return account


@pytest.mark.parametrize("role", ROLES)
def test_account_detail_renders_for_every_role(client, request, role):
    account = _full_account(2, 4)
    user = request.getfixturevalue(role)
    client.force_login(user)

    response = client.get(reverse("accounts:account_detail", args=[account.pk]))

    assert response.status_code == 200
    body = response.content.decode()
    for text in [
        "Parent Holdings",
        "Decision maker",
        "Champion",
        "Primary",
        "Big deal",
        "Call the CFO",
        "They liked the demo",
        "engagement</span>",
        "touch</span>",
        'class="scorebar"',
    ]:
        assert text in body, text
    can_edit = role != "sales_rep"
    assert ("Delete</a>" in body) is can_edit


def test_account_detail_queries_do_not_grow_with_contacts_or_activities(
    client, marketer, queries_constant
):
    client.force_login(marketer)
    small = _full_account(1, 2)
    response = queries_constant(
        reverse("accounts:account_detail", args=[small.pk]),
        lambda: reverse("accounts:account_detail", args=[_full_account(15, 60).pk]),
        at_most=20,
    )
    assert len(response.context["activities"]) == 50  # the latest 50 only


def test_account_detail_missing_is_404(client, marketer):
    client.force_login(marketer)
    assert client.get(reverse("accounts:account_detail", args=[999999])).status_code == 404


def test_timeline_is_newest_first(client, marketer):
    contact = ContactFactory()
    old = ActivityFactory(contact=contact, subject="old one")
    new = ActivityFactory(contact=contact, subject="new one")
    Activity.objects.filter(pk=old.pk).update(occurred_at=new.occurred_at.replace(year=2020))
    client.force_login(marketer)
    response = client.get(reverse("accounts:account_detail", args=[contact.account_id]))
    assert [a.subject for a in response.context["activities"]] == ["new one", "old one"]


# --- Forms ----------------------------------------------------------------------------


def test_create_account_normalizes_domain(client, marketer):
    client.force_login(marketer)
    response = client.post(
        reverse("accounts:account_create"),
        {"name": "Acme", "domain": "HTTPS://www.Acme.COM/about", "fit_score": 40},
    )
    account = Account.objects.get(name="Acme")
    assert account.domain == "acme.com"
    assert response["Location"] == reverse("accounts:account_detail", args=[account.pk])


def test_create_account_with_bad_domain_shows_the_error_on_the_field(client, marketer):
    client.force_login(marketer)
    response = client.post(
        reverse("accounts:account_create"),
        {"name": "Acme", "domain": "not a domain", "fit_score": 1},
    )
    assert response.status_code == 200
    assert "is not a valid domain" in response.context["form"].errors["domain"][0]
    assert not Account.objects.exists()


def test_create_account_with_taken_domain_shows_an_error(client, marketer):
    AccountFactory(domain="acme.com")
    client.force_login(marketer)
    response = client.post(
        reverse("accounts:account_create"),
        {"name": "Acme 2", "domain": "www.acme.com", "fit_score": 1},
    )
    assert response.status_code == 200
    assert "domain" in response.context["form"].errors
    assert Account.objects.count() == 1


def test_account_form_requires_name_and_bounds_fit_score(client, marketer):
    client.force_login(marketer)
    response = client.post(reverse("accounts:account_create"), {"name": "", "fit_score": 101})
    errors = response.context["form"].errors
    assert "name" in errors and "fit_score" in errors
    assert "errorlist" in response.content.decode()


def test_parent_account_picked_by_domain_or_name(client, marketer):
    parent = AccountFactory(name="Parent Corp", domain="parent.example")
    child = AccountFactory(name="Child")
    client.force_login(marketer)
    url = reverse("accounts:account_edit", args=[child.pk])
    data = {"name": "Child", "domain": child.domain, "fit_score": 3}

    client.post(url, {**data, "parent": "parent.example"})
    child.refresh_from_db()
    assert child.parent_id == parent.pk

    client.post(url, {**data, "parent": "parent corp"})
    child.refresh_from_db()
    assert child.parent_id == parent.pk

    response = client.post(url, {**data, "parent": "Nobody Inc"})
    assert "No account matches" in response.context["form"].errors["parent"][0]

    response = client.post(url, {**data, "parent": child.domain})
    assert "its own parent" in response.context["form"].errors["parent"][0]


def test_sales_rep_owner_field_offers_only_themselves_and_creates_owned(
    client, sales_rep, other_rep
):
    client.force_login(sales_rep)
    form = client.get(reverse("accounts:account_create")).context["form"]
    assert list(form.fields["owner"].queryset) == [sales_rep]

    response = client.post(
        reverse("accounts:account_create"),
        {"name": "Rep Co", "owner": other_rep.pk, "fit_score": 0},
    )
    assert "owner" in response.context["form"].errors
    client.post(
        reverse("accounts:account_create"),
        {"name": "Rep Co", "owner": sales_rep.pk, "fit_score": 0},
    )
    assert Account.objects.get(name="Rep Co").owner == sales_rep


def test_sales_rep_cannot_edit_another_reps_account(client, sales_rep, other_rep):
    account = AccountFactory(name="Theirs", owner=other_rep, fit_score=10)
    client.force_login(sales_rep)
    url = reverse("accounts:account_edit", args=[account.pk])

    get = client.get(url, follow=True)
    assert "you do not own it" in get.content.decode()

    post = client.post(url, {"name": "Hijacked", "fit_score": 99, "owner": sales_rep.pk})
    assert post.status_code == 302
    account.refresh_from_db()
    assert account.name == "Theirs" and account.fit_score == 10 and account.owner == other_rep


def test_sales_rep_edits_own_account(client, sales_rep):
    account = AccountFactory(name="Mine", owner=sales_rep)
    client.force_login(sales_rep)
    response = client.post(
        reverse("accounts:account_edit", args=[account.pk]),
        {"name": "Mine renamed", "owner": sales_rep.pk, "fit_score": 60, "domain": "mine.example"},
        follow=True,
    )
    assert "saved" in response.content.decode()
    account.refresh_from_db()
    assert account.name == "Mine renamed" and account.domain == "mine.example"


def test_delete_account_confirms_then_deletes(client, marketer):
    account = AccountFactory(name="Doomed")
    contact = ContactFactory(account=account)
    client.force_login(marketer)
    url = reverse("accounts:account_delete", args=[account.pk])

    confirm = client.get(url)
    assert "Delete <strong>Doomed</strong>?" in confirm.content.decode()
    fragment = client.get(url, HTTP_HX_REQUEST="true")
    assert "<html" not in fragment.content.decode() and "modal-head" in fragment.content.decode()

    response = client.post(url, follow=True)
    assert "deleted" in response.content.decode()
    assert not Account.objects.filter(pk=account.pk).exists()
    contact.refresh_from_db()
    assert contact.account_id is None


def test_sales_rep_cannot_delete_another_reps_account(client, sales_rep, other_rep):
    account = AccountFactory(owner=other_rep)
    client.force_login(sales_rep)
    response = client.post(reverse("accounts:account_delete", args=[account.pk]), follow=True)
    assert "you do not own it" in response.content.decode()
    assert Account.objects.filter(pk=account.pk).exists()


def test_account_lookup_suggests_by_name_and_domain(client, marketer):
    AccountFactory(name="Acme Robotics", domain="acme.example")
    AccountFactory(name="Other")
    client.force_login(marketer)
    body = client.get(reverse("accounts:account_lookup"), {"parent": "acm"}).content.decode()
    assert '<option value="acme.example">Acme Robotics' in body
    assert "Other" not in body
