"""The buying-group list pages with the shared keyset cursors: next and previous both right."""

import re
from html import unescape

import pytest
from django.urls import reverse

from buying_groups.models import BuyingGroup
from buying_groups.tests.factories import BuyingGroupFactory, RoleTemplateFactory

pytestmark = pytest.mark.django_db


def _names(response) -> list[str]:
    return re.findall(
        r'<td><a href="/buying-groups/\d+/">([^<]+)</a></td>', response.content.decode()
    )


def _link(response, label: str) -> str:
    match = re.search(
        rf'<a class="btn btn-small" href="([^"]+)">[^<]*{label}', response.content.decode()
    )
    return unescape(match.group(1)) if match else ""


def test_next_and_previous_walk_the_pages_in_order(client, marketer):
    template = RoleTemplateFactory()
    for i in range(120):
        BuyingGroupFactory(name=f"G{i:03d}", role_template=template)
    newest_first = list(BuyingGroup.objects.order_by("-id").values_list("name", flat=True))
    client.force_login(marketer)
    url = reverse("buying_groups:list")

    first = client.get(url)
    assert _names(first) == newest_first[:50] and not _link(first, "Previous")
    second = client.get(url + _link(first, "Next").removeprefix(url))
    assert _names(second) == newest_first[50:100]
    third = client.get(url + _link(second, "Next").removeprefix(url))
    assert _names(third) == newest_first[100:] and not _link(third, "Next")

    # "Previous" from page 3 is page 2 (it used to jump to page 1), and from 2 it is 1.
    back = client.get(url + _link(third, "Previous").removeprefix(url))
    assert _names(back) == newest_first[50:100]
    back_again = client.get(url + _link(back, "Previous").removeprefix(url))
    assert _names(back_again) == newest_first[:50]


def test_filters_travel_with_the_cursor(client, marketer):
    template = RoleTemplateFactory()
    for i in range(60):
        BuyingGroupFactory(name=f"Alpha {i:02d}", role_template=template)
    BuyingGroupFactory(name="Beta", role_template=template)
    client.force_login(marketer)
    first = client.get(reverse("buying_groups:list"), {"q": "alpha"})
    nxt = _link(first, "Next")
    assert "q=alpha" in nxt and "cursor=" in nxt
    second = client.get(nxt)
    assert len(_names(second)) == 10 and all(n.startswith("Alpha") for n in _names(second))


def test_a_forged_cursor_is_a_400_showing_the_first_page(client, marketer):
    BuyingGroupFactory(name="Only one")
    client.force_login(marketer)
    response = client.get(reverse("buying_groups:list"), {"cursor": "not-a-cursor"})
    assert response.status_code == 400
    assert _names(response) == ["Only one"] and b"not valid" in response.content
