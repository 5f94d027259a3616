import pytest

from abm.exceptions import ApplicationError, ForbiddenError
from accounts.tests.factories import AccountFactory, ContactFactory, ProductFactory
from buying_groups.conditions import conditions_parse, seniority_of
from buying_groups.models import BuyingGroup, GenerationJob, Member
from buying_groups.services.generation import generation_job_start
from buying_groups.tests.factories import RoleTemplateFactory, TemplateRoleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def template():
    template = RoleTemplateFactory(name="CDP")
    TemplateRoleFactory(
        template=template,
        name="Decision maker",
        weight=3,
        is_decision_maker=True,
        conditions=[{"field": "title", "op": "contains", "value": ["VP", "Chief"]}],
    )
    TemplateRoleFactory(
        template=template,
        name="Champion",
        weight=2,
        conditions=[{"field": "buying_roles", "op": "include", "value": ["champion"]}],
    )
    TemplateRoleFactory(template=template, name="Blocker", weight=1, conditions=[])
    return template


def test_conditions_parse_and_match():
    conditions = conditions_parse("title contains VP, Director\nseniority at_least director")
    assert conditions == [
        {"field": "title", "op": "contains", "value": ["VP", "Director"]},
        {"field": "seniority", "op": "at_least", "value": ["director"]},
    ]
    with pytest.raises(ApplicationError, match="Line 1"):
        conditions_parse("title")
    with pytest.raises(ApplicationError, match="takes contains"):
        conditions_parse("title matches __import__('os')")
    assert seniority_of("SVP Marketing") == "vp"
    assert seniority_of("Chief Data Officer") == "c_level"
    assert seniority_of("MVP engineer") == "individual"


def test_generation_creates_fills_and_is_idempotent(
    template, marketer, django_capture_on_commit_callbacks
):
    product = template.solution_interest
    filled = AccountFactory(is_target=True, name="Filled")
    vp = ContactFactory(account=filled, title="VP Marketing")
    champ = ContactFactory(account=filled, title="Analyst", roles=["champion"])
    ContactFactory(account=filled, title="Intern")
    empty = AccountFactory(is_target=True, name="Empty")
    nomatch = AccountFactory(is_target=True, name="NoMatch")
    ContactFactory(account=nomatch, title="Intern")
    AccountFactory(is_target=False, name="NotTarget")

    with django_capture_on_commit_callbacks(execute=True):
        job = generation_job_start(
            user=marketer, role_template=template, solution_interest=product, all_targets=True
        )
    job.refresh_from_db()
    assert job.status == GenerationJob.Status.SUCCEEDED
    assert (job.total_accounts, job.groups_created, job.members_added, job.skipped_count) == (
        3,
        1,
        2,
        2,
    )
    reasons = {s["name"]: s["reason"] for s in job.skipped}
    assert reasons == {
        "Empty": "The account has no contacts.",
        "NoMatch": "No contact matches any role of the template.",
    }
    group = BuyingGroup.objects.get(account=filled)
    roles = dict(Member.objects.filter(group=group).values_list("contact_id", "role__name"))
    assert roles == {vp.pk: "Decision maker", champ.pk: "Champion"}
    assert set(Member.objects.filter(group=group).values_list("source", flat=True)) == {"rule"}
    assert group.completeness_score == 83  # (3 + 2) / 6

    with django_capture_on_commit_callbacks(execute=True):
        again = generation_job_start(
            user=marketer, role_template=template, solution_interest=product, all_targets=True
        )
    again.refresh_from_db()
    assert (again.groups_created, again.members_added) == (0, 0)
    assert BuyingGroup.objects.count() == 1 and Member.objects.count() == 2
    assert any("Already has a buying group" in s["reason"] for s in again.skipped)
    # Running the same job twice (a redelivered task) changes nothing either.
    from buying_groups.services.generation import generation_job_run

    generation_job_run(job_id=job.pk)
    assert BuyingGroup.objects.count() == 1
    assert empty.buying_groups.count() == 0


def test_generation_rules(template, sales_rep, marketer):
    with pytest.raises(ForbiddenError):
        generation_job_start(
            user=sales_rep,
            role_template=template,
            solution_interest=ProductFactory(),
            all_targets=True,
        )
    with pytest.raises(ApplicationError, match="No account"):
        generation_job_start(
            user=marketer,
            role_template=template,
            solution_interest=ProductFactory(),
            all_targets=True,
        )


def test_generate_api_with_filter(api_as, marketer, template):
    account = AccountFactory(industry="retail")
    ContactFactory(account=account, title="Chief Revenue Officer")
    AccountFactory(industry="software")
    response = api_as(marketer).post(
        "/api/v1/buying-groups/generate/",
        {"role_template": template.pk, "account_filter": {"industry": ["retail"]}},
        format="json",
    )
    assert response.status_code == 202, response.data
    job_id = response.data["id"]
    status = api_as(marketer).get(f"/api/v1/buying-group-jobs/{job_id}/").data
    # Eager Celery runs on commit; the API test transaction never commits, so it waits.
    assert status["total_accounts"] == 1 and status["status"] == "pending"
    bad = api_as(marketer).post(
        "/api/v1/buying-groups/generate/", {"role_template": template.pk}, format="json"
    )
    assert bad.status_code == 400 and "accounts" in bad.data
