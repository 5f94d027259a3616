import pytest

from abm.exceptions import ApplicationError, ForbiddenError
from accounts.models import Activity, ContactAccount
from accounts.services import (
    account_create,
    activities_record_bulk,
    activity_record,
    contact_create,
)
from accounts.services.activities import ActivityInput
from accounts.tests.factories import AccountFactory, ContactFactory

pytestmark = pytest.mark.django_db


def test_account_domain_is_normalized_and_rep_becomes_owner(sales_rep):
    account = account_create(
        user=sales_rep, data={"name": " Acme ", "domain": "HTTPS://www.Acme.COM/about"}
    )
    assert account.domain == "acme.com"
    assert account.name == "Acme"
    assert account.owner == sales_rep


def test_rep_cannot_give_account_to_someone_else(sales_rep, other_rep):
    with pytest.raises(ForbiddenError):
        account_create(user=sales_rep, data={"name": "Acme", "owner": other_rep})


def test_contact_links_primary_and_extra_accounts(marketer):
    primary, extra = AccountFactory(), AccountFactory()
    contact = contact_create(
        user=marketer,
        data={
            "email": "Jo@X.example",
            "account": primary,
            "accounts": [extra],
            "buying_roles": ["blocker", "champion"],
        },
    )
    assert contact.email == "jo@x.example"
    assert sorted(contact.buying_roles) == ["blocker", "champion"]
    links = dict(
        ContactAccount.objects.filter(contact=contact).values_list("account_id", "is_primary")
    )
    assert links == {primary.pk: True, extra.pk: False}


def test_unknown_buying_role_names_the_field(marketer):
    with pytest.raises(ApplicationError) as exc:
        contact_create(user=marketer, data={"email": "a@b.example", "buying_roles": ["boss"]})
    assert exc.value.field == "buying_roles"


def test_activity_takes_account_from_contact_and_default_initiator():
    contact = ContactFactory()
    activity = activity_record(contact=contact, type="form_submitted")
    assert activity.account_id == contact.account_id
    assert activity.initiated_by == "contact"
    assert activity.channel == "web"


def test_bulk_is_all_or_nothing_with_per_item_errors():
    contact = ContactFactory()
    items = [
        ActivityInput(contact_id=contact.pk, type="call"),
        ActivityInput(contact_id=999999, type="call"),
    ]
    with pytest.raises(ApplicationError) as exc:
        activities_record_bulk(items)
    assert exc.value.extra["errors"] == [
        {"index": 1, "field": "contact", "message": "Contact 999999 does not exist."}
    ]
    assert Activity.objects.count() == 0
