"""Issue 9: labels, not raw codes (``financial_services``), where people read them."""

import pytest
from django.urls import reverse

from abm.templatetags.hub import codes_as_code
from accounts.services.rules import targeting_rule_create
from accounts.tests.factories import AccountFactory

pytestmark = pytest.mark.django_db


def test_syntax_help_shows_codes_as_code_and_escapes_the_rest():
    html = codes_as_code("buying_roles (include: decision_maker, end_user) <b>")
    assert "<code>buying_roles</code>" in html and "<code>decision_maker</code>" in html
    assert "&lt;b&gt;" in html and "include" in html


def test_select_panel_and_prospects_show_industry_labels(client, marketer):
    AccountFactory(name="Money Co", industry="financial_services")
    client.force_login(marketer)
    html = client.get(reverse("targets:select"), HTTP_HX_REQUEST="true").content.decode()
    assert "Financial services" in html and ">financial_services<" not in html


def test_rule_list_describes_choices_by_label(client, marketer):
    targeting_rule_create(
        user=marketer,
        name="Finance",
        conditions=[{"field": "industry", "op": "in", "value": ["financial_services"]}],
    )
    client.force_login(marketer)
    html = client.get(reverse("targets:rules")).content.decode()
    assert "Industry in (Financial services)" in html
    # The syntax help still names the codes to type, marked as code.
    assert '<code title="Financial services">financial_services</code>' in html
