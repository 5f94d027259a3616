"""The outbox pages with the shared keyset cursors (it had its own ``?before=`` paging)."""

import re
from html import unescape

import pytest

from accounts.tests.factories import AccountFactory, ContactFactory
from sales_actions.models import SalesEmail
from sales_actions.tests.factories import EmailTemplateFactory

pytestmark = pytest.mark.django_db


def _ids(response) -> list[int]:
    return [int(i) for i in re.findall(r'href="/emails/sent/(\d+)/"', response.content.decode())]


def _link(response, label: str) -> str:
    found = re.search(
        rf'<a class="btn btn-small" href="([^"]+)">[^<]*{label}', response.content.decode()
    )
    return unescape(found.group(1)) if found else ""


def test_outbox_pages_forward_and_back(client, admin, sales_rep, send):
    account = AccountFactory()
    ContactFactory.create_batch(60, account=account)
    send(user=sales_rep, template_id=EmailTemplateFactory().pk, account_id=account.pk)
    newest_first = list(SalesEmail.objects.order_by("-id").values_list("pk", flat=True))
    assert len(newest_first) == 60
    client.force_login(admin)
    first = client.get("/emails/outbox/")
    assert _ids(first) == newest_first[:50] and not _link(first, "Previous")
    second = client.get(_link(first, "Next"))
    assert _ids(second) == newest_first[50:] and not _link(second, "Next")
    back = client.get(_link(second, "Previous"))
    assert _ids(back) == newest_first[:50]


def test_outbox_with_a_forged_cursor_answers_400_with_the_first_page(client, admin):
    client.force_login(admin)
    response = client.get("/emails/outbox/", {"cursor": "forged"})
    assert response.status_code == 400 and b"not valid" in response.content
