import pytest
from django.urls import reverse

from accounts.tests.factories import ActivityFactory, ContactFactory
from buying_groups.models import Member
from buying_groups.tests.factories import BuyingGroupFactory, MemberFactory, TemplateRoleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def group():
    group = BuyingGroupFactory(name="Acme — CDP")
    dm = TemplateRoleFactory(
        template=group.role_template, name="Decision maker", is_decision_maker=True
    )
    for i in range(6):
        contact = ContactFactory(account=group.account, first_name=f"P{i}")
        MemberFactory(group=group, contact=contact, role=dm)
        ActivityFactory(contact=contact, type="web_visit")
    return group


def test_list_and_detail_pages_query_count_does_not_grow(
    client, marketer, group, django_assert_max_num_queries
):
    for _ in range(5):
        BuyingGroupFactory()
    client.force_login(marketer)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("buying_groups:list"), {"engagement_min": 0})
    assert response.status_code == 200 and b"Acme" in response.content
    with django_assert_max_num_queries(30):
        overview = client.get(reverse("buying_groups:detail", args=[group.pk]))
    assert b"Decision makers" in overview.content and b"View details" in overview.content
    with django_assert_max_num_queries(12):
        members = client.get(reverse("buying_groups:members", args=[group.pk]))
    assert members.content.count(b'name="selected"') == 6
    assert b"Send email" in members.content  # the sales-email action on the selection


def test_bad_filter_is_reported_not_500(client, marketer):
    client.force_login(marketer)
    response = client.get(reverse("buying_groups:list"), {"engagement_min": "lots", "stage": "zzz"})
    assert response.status_code == 200 and b"Some filters were ignored" in response.content


def test_remove_dialog_refuses_51(client, admin, group):
    client.force_login(admin)
    ids = list(Member.objects.filter(group=group).values_list("contact_id", flat=True))
    ids += [ContactFactory(account=group.account).pk for _ in range(45)]
    response = client.post(
        reverse("buying_groups:members_remove", args=[group.pk]),
        {"selected": ids},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert b"At most 50 members can be changed at once; 51 were selected." in response.content
    assert Member.objects.filter(group=group).count() == 6


def test_rep_without_ownership_gets_no_buttons_and_cannot_post(client, other_rep, group):
    client.force_login(other_rep)
    page = client.get(reverse("buying_groups:members", args=[group.pk]))
    assert b"Assign new members" not in page.content
    contact = Member.objects.filter(group=group).first().contact_id
    response = client.post(
        reverse("buying_groups:members_remove", args=[group.pk]),
        {"selected": [contact]},
        HTTP_HX_REQUEST="true",
    )
    assert b"Only admins, marketers and the account" in response.content
    assert Member.objects.filter(group=group).count() == 6


def test_template_page_creates_template_with_parsed_conditions(client, marketer):
    client.force_login(marketer)
    data = {
        "name": "Security committee",
        "roles-TOTAL_FORMS": "2",
        "roles-INITIAL_FORMS": "0",
        "roles-MIN_NUM_FORMS": "0",
        "roles-MAX_NUM_FORMS": "30",
        "roles-0-name": "CISO",
        "roles-0-weight": "4",
        "roles-0-match": "all",
        "roles-0-conditions": "title contains CISO, Security\nseniority at_least director",
        "roles-1-name": "",
        "roles-1-match": "all",
    }
    response = client.post(reverse("buying_groups:template_create"), data)
    assert response.status_code == 302
    from buying_groups.models import RoleTemplate

    role = RoleTemplate.objects.get(name="Security committee").roles.get()
    assert role.conditions[0] == {"field": "title", "op": "contains", "value": ["CISO", "Security"]}
    data["name"] = "Other"
    data["roles-0-conditions"] = "title runs rm -rf"
    bad = client.post(reverse("buying_groups:template_create"), data)
    assert bad.status_code == 200 and b"takes contains" in bad.content
