"""Declared request serializers validate what they declare (and the schema says so)."""

import pytest
from drf_spectacular.generators import SchemaGenerator

from accounts.tests.factories import AccountFactory, ContactFactory
from buying_groups.models import Member
from buying_groups.tests.factories import (
    BuyingGroupFactory,
    MemberFactory,
    RoleTemplateFactory,
    TemplateRoleFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def group():
    template = RoleTemplateFactory()
    TemplateRoleFactory(template=template, name="Decision maker")
    return BuyingGroupFactory(account=AccountFactory(name="Acme"), role_template=template)


def _members(group, suffix=""):
    return f"/api/v1/buying-groups/{group.pk}/members/{suffix}"


@pytest.mark.parametrize(
    ("suffix", "body", "field"),
    [
        ("", [], "members"),
        ("", [{"contact": "x", "role": 1}], "members"),
        ("", [{"contact": 1}], "members"),
        ("", {"contact": 1, "role": 1}, "members"),
        ("remove/", {"contact_ids": []}, "contact_ids"),
        ("remove/", {}, "contact_ids"),
        ("remove/", {"contact_ids": ["a"]}, "contact_ids"),
        ("remove/", {"contact_ids": [0]}, "contact_ids"),
        ("roles/", {"members": []}, "members"),
        ("roles/", {"members": [{"contact": 1, "role": None}]}, "members"),
        ("roles/", {}, "members"),
    ],
)
def test_member_requests_are_validated_as_declared(api_as, marketer, group, suffix, body, field):
    member = MemberFactory(group=group, contact=ContactFactory(account=group.account))

    response = api_as(marketer).post(_members(group, suffix), body, format="json")

    assert response.status_code == 400, response.content
    assert field in response.json()
    assert Member.objects.filter(pk=member.pk).exists()


@pytest.mark.parametrize("body", [{}, {"account_ids": []}, {"account_ids": [True]}])
def test_target_account_ids_are_validated_as_declared(api_as, marketer, body):
    response = api_as(marketer).post("/api/v1/target-accounts/", body, format="json")

    assert response.status_code == 400, response.content
    assert "account_ids" in response.json()


def test_a_list_where_an_object_is_declared_is_a_400(api_as, marketer):
    response = api_as(marketer).post("/api/v1/target-accounts/", [1, 2], format="json")

    assert response.status_code == 400
    assert "Expected a dictionary" in response.json()["non_field_errors"][0]


def test_schema_says_id_lists_need_one_item():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    components = schema["components"]["schemas"]

    assert components["AccountIdsRequest"]["properties"]["account_ids"]["minItems"] == 1
    assert components["MembersRemoveRequest"]["properties"]["contact_ids"]["minItems"] == 1
    assert components["MembersRolesRequest"]["properties"]["members"]["minItems"] == 1
    add = schema["paths"]["/api/v1/buying-groups/{id}/members/"]["post"]["requestBody"]
    assert add["content"]["application/json"]["schema"]["minItems"] == 1
