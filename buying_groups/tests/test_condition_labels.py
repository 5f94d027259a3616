"""The role-template form shows buying roles and seniority by label and takes either."""

import re

import pytest
from django.urls import reverse

from buying_groups.conditions import conditions_describe, conditions_format, conditions_parse
from buying_groups.tests.factories import RoleTemplateFactory, TemplateRoleFactory


def test_labels_and_codes_parse_to_the_same_stored_codes():
    by_label = conditions_parse(
        "buying_roles include Decision maker, budget holder\nseniority at_least VP"
    )
    by_code = conditions_parse(
        "buying_roles include decision_maker, budget_holder\nseniority at_least vp"
    )
    assert (
        by_label
        == by_code
        == [
            {
                "field": "buying_roles",
                "op": "include",
                "value": ["decision_maker", "budget_holder"],
            },
            {"field": "seniority", "op": "at_least", "value": ["vp"]},
        ]
    )


def test_stored_codes_show_as_labels_and_read_back_unchanged():
    stored = [
        {"field": "buying_roles", "op": "include", "value": ["end_user", "decision_maker"]},
        {"field": "seniority", "op": "is", "value": ["c_level"]},
        {"field": "title", "op": "contains", "value": ["VP"]},
    ]
    text = conditions_format(stored)
    assert (
        text
        == "buying_roles include End user, Decision maker\nseniority is C-level\ntitle contains VP"
    )
    assert conditions_parse(text) == stored
    assert "Decision maker" in conditions_describe(
        stored
    ) and "end_user" not in conditions_describe(stored)


@pytest.mark.django_db
def test_template_form_shows_no_raw_codes(client, marketer):
    template = RoleTemplateFactory()
    TemplateRoleFactory(
        template=template,
        name="Buyers",
        conditions=[{"field": "buying_roles", "op": "include", "value": ["budget_holder"]}],
    )
    client.force_login(marketer)
    for url in (
        reverse("buying_groups:template_create"),
        reverse("buying_groups:template_edit", args=[template.pk]),
    ):
        body = re.sub(r"<[^>]+>", " ", client.get(url).content.decode())  # the text shown
        assert (
            "budget_holder" not in body and "decision_maker" not in body and "end_user" not in body
        )
        assert "Budget holder" in body
