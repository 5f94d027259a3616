import pytest

from accounts.models import ContactAccount
from accounts.tests.factories import AccountFactory, ActivityFactory, ContactFactory, ProductFactory
from buying_groups.models import Member
from buying_groups.tests.factories import (
    BuyingGroupFactory,
    MemberFactory,
    RoleTemplateFactory,
    TemplateRoleFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(sales_rep):
    account = AccountFactory(owner=sales_rep, name="Acme")
    template = RoleTemplateFactory()
    dm = TemplateRoleFactory(
        template=template, name="Decision maker", weight=3, is_decision_maker=True
    )
    inf = TemplateRoleFactory(template=template, name="Influencer", weight=1)
    group = BuyingGroupFactory(account=account, role_template=template)
    return group, dm, inf


def _url(group, suffix=""):
    return f"/api/v1/buying-groups/{group.pk}/members/{suffix}"


def test_assign_members_then_list(api_as, marketer, setup):
    group, dm, inf = setup
    a, b = ContactFactory(account=group.account), ContactFactory(account=group.account)
    response = api_as(marketer).post(
        _url(group),
        [{"contact": a.pk, "role": dm.pk}, {"contact": b.pk, "role": inf.pk}],
        format="json",
    )
    assert response.status_code == 201, response.data
    assert {m["contact"] for m in response.data} == {a.pk, b.pk}
    group.refresh_from_db()
    assert (group.member_count, group.completeness_score) == (2, 100)
    detail = api_as(marketer).get(f"/api/v1/buying-groups/{group.pk}/").data
    assert detail["member_count"] == 2 and detail["stage"] == "awareness"


def test_associated_contact_allowed_and_outsider_refused(api_as, admin, setup):
    group, dm, _ = setup
    associated = ContactFactory(account=AccountFactory())
    ContactAccount.objects.create(contact=associated, account=group.account)
    outsider = ContactFactory(account=AccountFactory())
    client = api_as(admin)
    refused = client.post(
        _url(group),
        [{"contact": associated.pk, "role": dm.pk}, {"contact": outsider.pk, "role": dm.pk}],
        format="json",
    )
    assert refused.status_code == 400
    assert "not a contact of Acme" in refused.data["members"][0]
    assert not Member.objects.filter(group=group).exists()  # all or nothing
    ok = client.post(_url(group), [{"contact": associated.pk, "role": dm.pk}], format="json")
    assert ok.status_code == 201


def test_role_of_another_template_refused(api_as, admin, setup):
    group, _, _ = setup
    foreign = TemplateRoleFactory()
    contact = ContactFactory(account=group.account)
    response = api_as(admin).post(
        _url(group), [{"contact": contact.pk, "role": foreign.pk}], format="json"
    )
    assert response.status_code == 400
    assert "not a role of the template" in response.data["detail"]


def test_bulk_limit_50_ok_51_refused(api_as, admin, setup):
    group, dm, inf = setup
    contacts = [ContactFactory(account=group.account) for _ in range(51)]
    client = api_as(admin)
    too_many = client.post(
        _url(group), [{"contact": c.pk, "role": dm.pk} for c in contacts], format="json"
    )
    assert too_many.status_code == 400
    assert "At most 50 members" in too_many.data["detail"] and "51" in too_many.data["detail"]
    assert Member.objects.filter(group=group).count() == 0
    fifty = client.post(
        _url(group), [{"contact": c.pk, "role": dm.pk} for c in contacts[:50]], format="json"
    )
    assert fifty.status_code == 201
    client.post(_url(group), [{"contact": contacts[50].pk, "role": dm.pk}], format="json")
    all_ids = [c.pk for c in contacts]
    roles51 = client.post(
        _url(group, "roles/"),
        {"members": [{"contact": c, "role": inf.pk} for c in all_ids]},
        format="json",
    )
    assert roles51.status_code == 400 and "At most 50" in roles51.data["detail"]
    remove51 = client.post(_url(group, "remove/"), {"contact_ids": all_ids}, format="json")
    assert remove51.status_code == 400 and "At most 50" in remove51.data["contact_ids"][0]
    assert Member.objects.filter(group=group).count() == 51
    roles50 = client.post(
        _url(group, "roles/"),
        {"members": [{"contact": c, "role": inf.pk} for c in all_ids[:50]]},
        format="json",
    )
    assert roles50.status_code == 200
    assert Member.objects.filter(group=group, role=inf).count() == 50
    remove50 = client.post(_url(group, "remove/"), {"contact_ids": all_ids[:50]}, format="json")
    assert remove50.status_code == 200 and len(remove50.data) == 1


def test_remove_is_all_or_nothing(api_as, admin, setup):
    group, dm, _ = setup
    member = MemberFactory(group=group, contact=ContactFactory(account=group.account), role=dm)
    stranger = ContactFactory(account=group.account)
    response = api_as(admin).post(
        _url(group, "remove/"), {"contact_ids": [member.contact_id, stranger.pk]}, format="json"
    )
    assert response.status_code == 400
    assert Member.objects.filter(pk=member.pk).exists()


def test_role_scoping(api_as, sales_rep, other_rep, marketer, setup):
    """Sales reps manage members of groups on accounts they own; marketers and admins any."""
    group, dm, _ = setup
    c1, c2, c3 = (ContactFactory(account=group.account) for _ in range(3))
    denied = api_as(other_rep).post(_url(group), [{"contact": c1.pk, "role": dm.pk}], format="json")
    assert denied.status_code == 403
    assert api_as(other_rep).get(_url(group)).status_code == 200  # reading is open
    assert (
        api_as(sales_rep)
        .post(_url(group), [{"contact": c2.pk, "role": dm.pk}], format="json")
        .status_code
        == 201
    )
    assert (
        api_as(marketer)
        .post(_url(group), [{"contact": c3.pk, "role": dm.pk}], format="json")
        .status_code
        == 201
    )
    # Templates: only marketers and admins.
    payload = {"name": "T", "roles": [{"name": "Champion", "weight": 2}]}
    assert (
        api_as(sales_rep).post("/api/v1/role-templates/", payload, format="json").status_code == 403
    )
    assert (
        api_as(marketer).post("/api/v1/role-templates/", payload, format="json").status_code == 201
    )
    # Group creation by a rep on an account they do not own.
    other_account = AccountFactory()
    body = {
        "account": other_account.pk,
        "solution_interest": ProductFactory().pk,
        "role_template": group.role_template_id,
    }
    assert api_as(sales_rep).post("/api/v1/buying-groups/", body, format="json").status_code == 403


def test_group_crud_one_per_account_and_product(api_as, marketer, setup):
    group, _, _ = setup
    client = api_as(marketer)
    body = {
        "account": group.account_id,
        "solution_interest": group.solution_interest_id,
        "role_template": group.role_template_id,
    }
    dup = client.post("/api/v1/buying-groups/", body, format="json")
    assert dup.status_code == 409 and "already has a buying group" in dup.data["detail"]
    body["solution_interest"] = ProductFactory(name="Analytics").pk
    created = client.post("/api/v1/buying-groups/", {**body, "stage": "decision"}, format="json")
    assert created.status_code == 201, created.data
    assert created.data["stage"] == "decision" and created.data["name"].endswith("Analytics")
    bad_stage = client.patch(
        f"/api/v1/buying-groups/{created.data['id']}/", {"stage": "nope"}, format="json"
    )
    assert bad_stage.status_code == 400 and "stage" in bad_stage.data
    filtered = client.get("/api/v1/buying-groups/", {"stage": "decision", "engagement_min": 0})
    assert [g["id"] for g in filtered.data["results"]] == [created.data["id"]]
    assert client.delete(f"/api/v1/buying-groups/{created.data['id']}/").status_code == 204


def test_list_queries_do_not_grow(api_as, admin, django_assert_max_num_queries):
    for _ in range(8):
        BuyingGroupFactory()
    with django_assert_max_num_queries(6):
        response = api_as(admin).get("/api/v1/buying-groups/")
    assert len(response.data["results"]) == 8


def test_role_template_crud_and_validation(api_as, marketer):
    client = api_as(marketer)
    product = ProductFactory()
    body = {
        "name": "Enterprise CDP",
        "solution_interest": product.pk,
        "roles": [
            {
                "name": "Decision maker",
                "weight": 3,
                "required": True,
                "is_decision_maker": True,
                "conditions": [{"field": "title", "op": "contains", "value": ["VP", "Chief"]}],
            },
            {
                "name": "Practitioner",
                "weight": 1,
                "conditions": [{"field": "seniority", "op": "is", "value": ["individual"]}],
            },
        ],
    }
    created = client.post("/api/v1/role-templates/", body, format="json")
    assert created.status_code == 201, created.data
    assert [r["name"] for r in created.data["roles"]] == ["Decision maker", "Practitioner"]
    bad = client.post(
        "/api/v1/role-templates/",
        {**body, "name": "X", "roles": [{"name": "A", "weight": 0}]},
        format="json",
    )
    assert bad.status_code == 400
    bad_cond = client.post(
        "/api/v1/role-templates/",
        {
            "name": "Y",
            "roles": [
                {"name": "A", "conditions": [{"field": "title", "op": "eval", "value": ["x"]}]}
            ],
        },
        format="json",
    )
    assert bad_cond.status_code == 400 and "title" in bad_cond.data["detail"]
    # A role held by a member cannot be dropped.
    tid = created.data["id"]
    dm_id = created.data["roles"][0]["id"]
    group = BuyingGroupFactory(role_template_id=tid, solution_interest=product)
    MemberFactory(group=group, contact=ContactFactory(account=group.account), role_id=dm_id)
    dropped = client.patch(
        f"/api/v1/role-templates/{tid}/", {"roles": [{"name": "Practitioner"}]}, format="json"
    )
    assert dropped.status_code == 409 and "Decision maker" in dropped.data["detail"]
    kept = client.patch(
        f"/api/v1/role-templates/{tid}/",
        {"roles": [{"id": dm_id, "name": "Economic buyer", "weight": 5}]},
        format="json",
    )
    assert kept.status_code == 200, kept.data
    assert [(r["id"], r["name"], r["weight"]) for r in kept.data["roles"]] == [
        (dm_id, "Economic buyer", 5)
    ]


def test_intent_and_summary_endpoints(api_as, admin, setup):
    group, dm, _ = setup
    product = group.solution_interest
    product.name = "Journey Builder"
    product.keywords = ["orchestration"]
    product.save()
    person = ContactFactory(account=group.account)
    MemberFactory(group=group, contact=person, role=dm)
    for _ in range(2):
        ActivityFactory(
            contact=person, type="form_submitted", metadata={"topic": "Journey Builder"}
        )
    ActivityFactory(contact=person, type="web_visit", url="https://x.example/orchestration-guide")
    ActivityFactory(
        contact=person,
        type="web_visit",
        url="https://x.example/o",
        is_bot=True,
        subject="Journey Builder",
    )
    intent = api_as(admin).get(f"/api/v1/buying-groups/{group.pk}/intent/").data
    assert intent[0]["product"]["name"] == "Journey Builder"
    assert intent[0]["level"] == "medium"  # 2 forms x 3 + 1 keyword visit = 7 points
    assert "2 × form or document topics" in intent[0]["explanation"]
    assert set(intent[0]["signals"]) == {"solution", "keyword"}
    summary = api_as(admin).get(f"/api/v1/buying-groups/{group.pk}/summary/").data
    assert summary["current"] is False  # queued; eager Celery writes it after commit
