"""New buying group: the page opens (it answered 500 on every visit) and the form submits."""

import pytest
from django.urls import reverse

from accounts.tests.factories import AccountFactory
from buying_groups.models import BuyingGroup
from buying_groups.tests.factories import RoleTemplateFactory, TemplateRoleFactory, stage

pytestmark = pytest.mark.django_db


@pytest.fixture
def template():
    template = RoleTemplateFactory(name="CDP committee")
    TemplateRoleFactory(template=template, name="Decision maker", is_decision_maker=True)
    return template


def test_new_group_page_opens_and_creates_a_group(client, marketer, template):
    stage()
    target = AccountFactory(name="Acme", is_target=True)
    AccountFactory(name="Zeta", is_target=True)
    client.force_login(marketer)
    page = client.get(reverse("buying_groups:create"))
    assert page.status_code == 200
    assert b"Acme" in page.content and b"Zeta" in page.content
    response = client.post(
        reverse("buying_groups:create"),
        {
            "account": target.pk,
            "solution_interest": template.solution_interest_id,
            "role_template": template.pk,
            "stage": "awareness",
            "name": "",
        },
    )
    group = BuyingGroup.objects.get(account=target)
    assert response.status_code == 302
    assert response["Location"] == reverse("buying_groups:members", args=[group.pk])


def test_new_group_page_offers_the_account_it_was_opened_for(client, marketer, template):
    not_a_target = AccountFactory(name="Prospect Ltd", is_target=False)
    client.force_login(marketer)
    page = client.get(reverse("buying_groups:create"), {"account": not_a_target.pk})
    assert page.status_code == 200 and b"Prospect Ltd" in page.content


def test_new_group_page_lists_a_reps_own_target_accounts(client, sales_rep, other_rep):
    AccountFactory(name="Mine Inc", is_target=True, owner=sales_rep)
    AccountFactory(name="Theirs Inc", is_target=True, owner=other_rep)
    client.force_login(sales_rep)
    page = client.get(reverse("buying_groups:create"))
    assert page.status_code == 200
    assert b"Mine Inc" in page.content and b"Theirs Inc" not in page.content


def test_a_bad_choice_is_a_form_error_not_a_500(client, marketer, template):
    stage()
    client.force_login(marketer)
    response = client.post(
        reverse("buying_groups:create"),
        {"account": "abc", "solution_interest": "", "role_template": template.pk, "stage": "x"},
    )
    assert response.status_code == 200 and b"field-error" in response.content
