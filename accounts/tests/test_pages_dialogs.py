"""The add-task and add-note dialogs shared by the record pages and the target-accounts table."""

import json

import pytest
from django.urls import reverse

from accounts.models import Activity, Note, Task
from accounts.tests.factories import AccountFactory, ContactFactory

pytestmark = pytest.mark.django_db

TASK = reverse("accounts:task_create")
NOTE = reverse("accounts:note_create")
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.mark.parametrize("role", ["admin", "marketer", "sales_rep"])
def test_task_dialog_renders_a_fragment_for_every_role(client, request, role):
    account = AccountFactory(name="Acme")
    client.force_login(request.getfixturevalue(role))
    response = client.get(TASK, {"account": account.pk}, **HTMX)
    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body and 'class="modal-head"' in body
    assert f'name="account" value="{account.pk}"' in body and "Acme" in body


def test_task_dialog_without_htmx_is_a_full_page(client, marketer):
    account = AccountFactory()
    client.force_login(marketer)
    body = client.get(TASK, {"account": account.pk}).content.decode()
    assert "<html" in body and "Add task" in body


def test_task_dialog_creates_the_task_and_closes(client, sales_rep):
    contact = ContactFactory()
    client.force_login(sales_rep)

    response = client.post(
        TASK,
        {"contact": contact.pk, "title": "Call back", "type": "call", "due_at": "2030-01-02T09:30"},
        **HTMX,
    )

    assert response.status_code == 204
    trigger = json.loads(response["HX-Trigger"])
    assert trigger["closeModal"] is True
    assert trigger["flash"] == {"level": "success", "message": "Task “Call back” added."}
    assert trigger["taskCreated"] is True
    task = Task.objects.get()
    assert task.contact == contact and task.account_id == contact.account_id
    assert task.owner == sales_rep and task.type == "call"
    assert task.due_at.year == 2030


def test_task_dialog_shows_field_errors_in_the_dialog(client, marketer):
    account = AccountFactory()
    client.force_login(marketer)
    response = client.post(TASK, {"account": account.pk, "title": "", "type": "fax"}, **HTMX)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "title" in errors and "type" in errors
    assert "errorlist" in response.content.decode()
    assert not Task.objects.exists()


def test_sales_rep_cannot_give_a_task_to_someone_else(client, sales_rep, other_rep):
    account = AccountFactory()
    client.force_login(sales_rep)
    form = client.get(TASK, {"account": account.pk}, **HTMX).context["form"]
    assert list(form.fields["owner"].queryset) == [sales_rep]
    response = client.post(
        TASK, {"account": account.pk, "title": "X", "type": "call", "owner": other_rep.pk}, **HTMX
    )
    assert "owner" in response.context["form"].errors
    assert not Task.objects.exists()


def test_marketer_can_assign_a_task_to_a_rep(client, marketer, sales_rep):
    account = AccountFactory()
    client.force_login(marketer)
    client.post(
        TASK,
        {"account": account.pk, "title": "For Sam", "type": "email", "owner": sales_rep.pk},
        **HTMX,
    )
    assert Task.objects.get().owner == sales_rep


def test_dialogs_need_a_subject(client, marketer):
    client.force_login(marketer)
    assert client.get(TASK, **HTMX).status_code == 404
    assert client.get(NOTE, {"account": "abc"}, **HTMX).status_code == 404
    assert client.get(NOTE, {"contact": 999999}, **HTMX).status_code == 404


def test_note_dialog_on_an_account(client, sales_rep):
    account = AccountFactory()
    client.force_login(sales_rep)
    response = client.post(NOTE, {"account": account.pk, "body": "  Budget approved  "}, **HTMX)
    assert response.status_code == 204
    assert json.loads(response["HX-Trigger"])["noteCreated"] is True
    note = Note.objects.get()
    assert note.account == account and note.body == "Budget approved" and note.author == sales_rep


def test_note_on_a_contact_is_also_an_activity(client, marketer):
    contact = ContactFactory()
    client.force_login(marketer)
    client.post(NOTE, {"contact": contact.pk, "body": "Met at the fair"}, **HTMX)
    assert Note.objects.get().contact == contact
    assert Activity.objects.filter(contact=contact, type="note").count() == 1


def test_empty_note_is_a_field_error(client, marketer):
    account = AccountFactory()
    client.force_login(marketer)
    response = client.post(NOTE, {"account": account.pk, "body": "   "}, **HTMX)
    assert response.status_code == 200
    assert "body" in response.context["form"].errors
    assert not Note.objects.exists()


def test_without_htmx_a_dialog_post_redirects_back_with_a_flash(client, marketer):
    account = AccountFactory()
    client.force_login(marketer)
    response = client.post(NOTE, {"account": account.pk, "body": "Plain form"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("accounts:account_detail", args=[account.pk])
    assert "Note added." in response.content.decode()
