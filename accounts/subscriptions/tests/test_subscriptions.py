"""Subscription lists: the centre's signed link (forged → 404), per-list and all-marketing
unsubscribe and resubscribe recorded with source subscription_centre, the reversal rule
(a rep cannot re-add a contact who left; a marketer needs a reason), the lists' pages,
the contact panel and the API."""

import pytest
from django.core import signing
from django.test import Client
from django.urls import reverse

from accounts.models import ConsentChange, ErasureRecord, SubscriptionList, SubscriptionMembership
from accounts.subscriptions import services
from accounts.subscriptions.tokens import SALT, centre_path, centre_token, centre_token_read
from accounts.tests.factories import ContactFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def lists(marketer):
    news = services.subscription_list_create(
        user=marketer, name="Newsletter", description="Monthly"
    )
    events = services.subscription_list_create(user=marketer, name="Event invitations")
    vip = services.subscription_list_create(user=marketer, name="VIP nurture", is_public=False)
    return news, events, vip


def _members(sl):
    return set(
        SubscriptionMembership.objects.filter(subscription_list=sl).values_list(
            "contact_id", flat=True
        )
    )


def _changes(contact):
    return list(
        ConsentChange.objects.filter(contact=contact)
        .order_by("id")
        .values_list("field", "list_name", "new_value", "source")
    )


# --- tokens ---------------------------------------------------------------------------


def test_token_round_trip_and_forgeries_are_404(lists):
    contact = ContactFactory()
    token = centre_token(contact.pk, sales_email_id=7, list_id=lists[0].pk)
    link = centre_token_read(token)
    assert (link.contact_id, link.sales_email_id, link.list_id) == (contact.pk, 7, lists[0].pk)
    client = Client()
    assert client.get(centre_path(contact.pk)).status_code == 200
    other = ContactFactory()
    forged = [
        token[:-1] + ("A" if token[-1] != "A" else "B"),  # altered signature
        token.replace(f"{contact.pk}-", f"{other.pk}-", 1),  # another contact, same signature
        signing.Signer(salt="sales_actions.unsubscribe", sep=".").sign(f"{contact.pk}-0-0"),
        signing.Signer(salt=SALT, sep=".").sign("abc"),  # ours but malformed
        "nonsense",
    ]
    for bad in forged:
        response = client.get(reverse("subscription_centre:centre", args=[bad]))
        assert response.status_code == 404, bad
        assert (
            client.post(
                reverse("subscription_centre:centre", args=[bad]), {"action": "unsubscribe_all"}
            ).status_code
            == 404
        )
    contact.refresh_from_db()
    assert contact.allow_bulk_email is True and not ConsentChange.objects.exists()


def test_a_gone_or_erased_contact_has_no_centre():
    contact = ContactFactory()
    path = centre_path(contact.pk)
    ErasureRecord.objects.create(contact_id=contact.pk)
    assert Client().get(path).status_code == 404
    gone = ContactFactory()
    path = centre_path(gone.pk)
    gone.delete()
    assert Client().get(path).status_code == 404


# --- the centre -----------------------------------------------------------------------


def test_centre_shows_public_lists_only(lists):
    news, events, vip = lists
    contact = ContactFactory()
    html = Client().get(centre_path(contact.pk)).content.decode()
    assert "Newsletter" in html and "Event invitations" in html
    assert "VIP nurture" not in html
    assert contact.email in html


def test_centre_per_list_subscribe_and_unsubscribe_recorded(lists):
    news, events, _vip = lists
    contact = ContactFactory()
    client, path = Client(), centre_path(contact.pk, sales_email_id=42)
    response = client.post(
        path, {"action": "save", "lists": [news.pk, events.pk], "allow_tracking": "on"}
    )
    assert response.status_code == 200
    assert contact.pk in _members(news) and contact.pk in _members(events)
    client.post(path, {"action": "save", "lists": [events.pk], "allow_tracking": "on"})
    assert contact.pk not in _members(news) and contact.pk in _members(events)
    assert _changes(contact) == [
        ("subscription", "Newsletter", True, "subscription_centre"),
        ("subscription", "Event invitations", True, "subscription_centre"),
        ("subscription", "Newsletter", False, "subscription_centre"),
    ]
    row = ConsentChange.objects.filter(contact=contact).order_by("id").last()
    assert row.user is None and row.sales_email_id == 42 and row.subscription_list == news
    assert row.reason  # says where it came from
    # The contact rejoins a list they left themselves: their own action needs no reason.
    client.post(path, {"action": "save", "lists": [events.pk, news.pk], "allow_tracking": "on"})
    assert contact.pk in _members(news)


def test_centre_refuses_an_internal_list(lists):
    _news, _events, vip = lists
    contact = ContactFactory()
    response = Client().post(centre_path(contact.pk), {"action": "save", "lists": [vip.pk]})
    assert response.status_code == 400
    assert not SubscriptionMembership.objects.exists() and not ConsentChange.objects.exists()


def test_centre_unsubscribe_all_and_resubscribe_recorded(lists):
    contact = ContactFactory()
    client, path = Client(), centre_path(contact.pk)
    html = client.post(path, {"action": "unsubscribe_all"}).content.decode()
    assert "Resubscribe to marketing email" in html
    contact.refresh_from_db()
    assert contact.allow_bulk_email is False
    client.post(path, {"action": "resubscribe"})
    contact.refresh_from_db()
    assert contact.allow_bulk_email is True
    assert _changes(contact) == [
        ("allow_bulk_email", "", False, "subscription_centre"),
        ("allow_bulk_email", "", True, "subscription_centre"),
    ]


def test_centre_tracking_refusal_is_its_own_consent_field(lists):
    contact = ContactFactory()
    assert contact.follow_email is True
    Client().post(centre_path(contact.pk), {"action": "save", "lists": []})  # box unticked
    contact.refresh_from_db()
    assert contact.follow_email is False and contact.allow_bulk_email is True
    assert _changes(contact) == [("follow_email", "", False, "subscription_centre")]


def test_centre_one_click_of_a_list_send_leaves_that_list_only(lists, marketer):
    news, events, _vip = lists
    contact = ContactFactory()
    for sl in (news, events):
        services.membership_set(
            user=marketer, contact=contact, subscription_list=sl, subscribed=True
        )
    path = centre_path(contact.pk, sales_email_id=5, list_id=news.pk)
    assert Client().post(path, {"List-Unsubscribe": "One-Click"}).status_code == 200
    contact.refresh_from_db()
    assert contact.pk not in _members(news) and contact.pk in _members(events)
    assert contact.allow_bulk_email is True
    last = ConsentChange.objects.filter(contact=contact).order_by("id").last()
    assert (last.field, last.source, last.sales_email_id) == ("subscription", "one_click", 5)


# --- the reversal rule ----------------------------------------------------------------


def test_a_rep_cannot_re_add_a_contact_who_left_and_a_marketer_needs_a_reason(
    lists, sales_rep, marketer
):
    news, _events, _vip = lists
    contact = ContactFactory(owner=sales_rep)
    services.membership_set(
        user=sales_rep, contact=contact, subscription_list=news, subscribed=True
    )
    Client().post(centre_path(contact.pk), {"action": "save", "lists": [], "allow_tracking": "on"})
    assert contact.pk not in _members(news)
    url = reverse("subscriptions:contact_membership", args=[contact.pk])
    client = Client()
    client.force_login(sales_rep)
    body = {"subscription_list": news.pk, "subscribed": "1", "consent_reason": "Asked me"}
    assert client.post(url, body).status_code == 403
    assert contact.pk not in _members(news)
    client.force_login(marketer)
    response = client.post(url, {"subscription_list": news.pk, "subscribed": "1"})
    assert response.status_code == 400 and b"say why" in response.content
    assert contact.pk not in _members(news)
    assert client.post(url, body).status_code == 302
    assert contact.pk in _members(news)
    last = ConsentChange.objects.filter(contact=contact).order_by("id").last()
    assert (last.source, last.user, last.reason) == ("user", marketer, "Asked me")


def test_a_rep_adds_and_removes_their_contact_freely(lists, sales_rep):
    news, _events, vip = lists
    contact = ContactFactory(owner=sales_rep)
    client = Client()
    client.force_login(sales_rep)
    url = reverse("subscriptions:contact_membership", args=[contact.pk])
    response = client.post(
        url, {"subscription_list": vip.pk, "subscribed": "1"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200 and b"VIP nurture" in response.content
    assert contact.pk in _members(vip)
    client.post(url, {"subscription_list": vip.pk, "subscribed": "0"})
    assert contact.pk not in _members(vip)
    # A user's removal is not the contact's opt-out: re-adding needs no reason.
    client.post(url, {"subscription_list": vip.pk, "subscribed": "1"})
    assert contact.pk in _members(vip)
    # Not their contact: refused.
    stranger = ContactFactory()
    assert (
        client.post(
            reverse("subscriptions:contact_membership", args=[stranger.pk]),
            {"subscription_list": vip.pk, "subscribed": "1"},
        ).status_code
        == 403
    )


def test_contact_panel_lists_memberships_and_recent_changes(lists, marketer, sales_rep):
    news, _events, _vip = lists
    contact = ContactFactory()
    services.membership_set(user=marketer, contact=contact, subscription_list=news, subscribed=True)
    client = Client()
    client.force_login(sales_rep)
    html = client.get(reverse("subscriptions:contact_panel", args=[contact.pk])).content.decode()
    assert "Newsletter" in html and "joined" in html
    assert "subscription-add-form" not in html  # a rep cannot change another's contact
    detail = client.get(reverse("accounts:contact_detail", args=[contact.pk])).content.decode()
    assert reverse("subscriptions:contact_panel", args=[contact.pk]) in detail


# --- the lists ------------------------------------------------------------------------


def test_list_pages_for_marketers_only(marketer, sales_rep):
    client = Client()
    client.force_login(sales_rep)
    assert client.get(reverse("subscriptions:list")).status_code == 200
    assert client.get(reverse("subscriptions:create")).status_code == 403
    assert client.post(reverse("subscriptions:create"), {"name": "X"}).status_code == 403
    assert not SubscriptionList.objects.exists()
    client.force_login(marketer)
    response = client.post(
        reverse("subscriptions:create"), {"name": "Product news", "is_public": "on"}
    )
    assert response.status_code == 302
    sl = SubscriptionList.objects.get()
    assert sl.is_public and sl.created_by == marketer
    response = client.post(reverse("subscriptions:create"), {"name": "product NEWS"})
    assert response.status_code == 400 and b"exists already" in response.content
    client.post(reverse("subscriptions:edit", args=[sl.pk]), {"name": "Product updates"})
    sl.refresh_from_db()
    assert sl.name == "Product updates" and sl.is_public is False


def test_deleting_a_list_keeps_each_members_leaving(marketer):
    sl = services.subscription_list_create(user=marketer, name="Old list")
    a, b = ContactFactory(), ContactFactory()
    for contact in (a, b):
        services.membership_set(
            user=marketer, contact=contact, subscription_list=sl, subscribed=True
        )
    client = Client()
    client.force_login(marketer)
    assert client.get(reverse("subscriptions:delete", args=[sl.pk])).status_code == 200
    assert client.post(reverse("subscriptions:delete", args=[sl.pk])).status_code == 302
    assert not SubscriptionList.objects.exists() and not SubscriptionMembership.objects.exists()
    left = ConsentChange.objects.filter(new_value=False, field="subscription")
    assert sorted(left.values_list("contact_id", flat=True)) == sorted([a.pk, b.pk])
    assert set(left.values_list("list_name", flat=True)) == {"Old list"}


# --- API ------------------------------------------------------------------------------


def test_api_lists_crud_and_roles(api_as, marketer, sales_rep):
    rep, mk = api_as(sales_rep), api_as(marketer)
    assert rep.post("/api/v1/subscription-lists/", {"name": "X"}, format="json").status_code == 403
    created = mk.post(
        "/api/v1/subscription-lists/",
        {"name": "Webinars", "description": "Invites", "is_public": True},
        format="json",
    )
    assert created.status_code == 201 and created.json()["member_count"] == 0
    pk = created.json()["id"]
    dup = mk.post("/api/v1/subscription-lists/", {"name": "WEBINARS"}, format="json")
    assert dup.status_code == 400 and "name" in dup.json()
    assert rep.get("/api/v1/subscription-lists/").json()["results"][0]["name"] == "Webinars"
    patched = mk.patch(f"/api/v1/subscription-lists/{pk}/", {"is_public": False}, format="json")
    assert patched.status_code == 200 and patched.json()["is_public"] is False
    assert patched.json()["name"] == "Webinars"
    assert rep.delete(f"/api/v1/subscription-lists/{pk}/").status_code == 403
    assert mk.delete(f"/api/v1/subscription-lists/{pk}/").status_code == 204


def test_api_memberships_and_the_reversal_rule(api_as, lists, marketer, sales_rep):
    news, _events, _vip = lists
    contact = ContactFactory(owner=sales_rep)
    base = f"/api/v1/contacts/{contact.pk}/subscriptions/"
    rep, mk = api_as(sales_rep), api_as(marketer)
    added = rep.post(base, {"subscription_list": news.pk}, format="json")
    assert added.status_code == 201
    assert [m["subscription_list_name"] for m in added.json()] == ["Newsletter"]
    assert rep.post(base, {"subscription_list": 999999}, format="json").status_code == 400
    # The contact leaves through the centre; the rep cannot put them back.
    Client().post(centre_path(contact.pk), {"action": "save", "lists": [], "allow_tracking": "on"})
    again = {"subscription_list": news.pk, "consent_reason": "Asked on the phone"}
    assert rep.post(base, again, format="json").status_code == 403
    no_reason = mk.post(base, {"subscription_list": news.pk}, format="json")
    assert no_reason.status_code == 400 and "consent_reason" in no_reason.json()
    assert mk.post(base, again, format="json").status_code == 201
    assert mk.get(base).json()[0]["subscription_list"] == news.pk
    assert mk.delete(f"{base}{news.pk}/").status_code == 204
    assert mk.get(base).json() == []
    sources = [s for _f, _l, _v, s in _changes(contact)]
    assert sources == ["api", "subscription_centre", "api", "api"]
