"""Record panels: upper apps add sections to accounts' record pages without an import."""

import pytest
from django.urls import reverse

from abm import panels
from accounts.tests.factories import AccountFactory, ContactFactory


def test_panels_come_in_order_and_respect_visibility(monkeypatch):
    monkeypatch.setattr(panels, "_PANELS", {record: {} for record in panels.RECORDS})
    panels.panel_register(record="contact", key="b", title="B", url_name="x:b", order=20)
    panels.panel_register(record="contact", key="a", title="A", url_name="x:a", order=10)
    panels.panel_register(
        record="contact", key="admins", title="Z", url_name="x:z", visible=lambda u: u == "boss"
    )

    assert [p.key for p in panels.panels_for("contact", "rep")] == ["a", "b"]
    assert [p.key for p in panels.panels_for("contact", "boss")] == ["a", "b", "admins"]


def test_an_unknown_record_kind_is_refused():
    with pytest.raises(ValueError):
        panels.panel_register(record="invoice", key="k", title="T", url_name="x:y")


@pytest.mark.django_db
@pytest.mark.parametrize("record", ["contact", "account"])
def test_record_pages_load_the_sales_email_panel(client, sales_rep, record):
    account = AccountFactory()
    contact = ContactFactory(account=account)
    obj = contact if record == "contact" else account
    client.force_login(sales_rep)

    page = client.get(reverse(f"accounts:{record}_detail", args=[obj.pk])).content.decode()

    panel_url = reverse(f"sales_actions:{record}_emails", args=[obj.pk])
    assert 'id="panel-emails"' in page
    assert f'hx-get="{panel_url}"' in page
    assert client.get(panel_url, HTTP_HX_REQUEST="true").status_code == 200
