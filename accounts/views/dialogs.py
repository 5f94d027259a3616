"""The dialogs on an account or contact page: add a task, add a note.

With htmx they open in the page's modal and close with a flash (``HX-Trigger``);
without JavaScript each is a page of its own that redirects back.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _

from abm.exceptions import ApplicationError
from abm.pages import htmx_finish, safe_next_url
from accounts import services
from accounts.forms import NoteForm, TaskForm
from accounts.models import Account, Contact


def _dialog_subjects(request) -> tuple[Account | None, Contact | None]:
    """The account and/or contact named by ?account= / ?contact= (or the POSTed fields)."""
    source = request.POST if request.method == "POST" else request.GET
    account = contact = None
    account_id, contact_id = source.get("account", ""), source.get("contact", "")
    if account_id:
        if not account_id.isdecimal():
            raise Http404(_("No such account."))
        account = get_object_or_404(Account, pk=int(account_id))
    if contact_id:
        if not contact_id.isdecimal():
            raise Http404(_("No such contact."))
        contact = get_object_or_404(Contact.objects.select_related("account"), pk=int(contact_id))
    if account is None and contact is None:
        raise Http404(_("Say which account (?account=) or contact (?contact=) this is for."))
    return account, contact


def _record_url(account: Account | None, contact: Contact | None) -> str:
    if contact is not None:
        return reverse("accounts:contact_detail", args=[contact.pk])
    return reverse("accounts:account_detail", args=[account.pk])


def _dialog_done(request, message: str, event: str, account, contact) -> HttpResponse:
    """Close the modal with a flash and tell the page (``event``); without htmx, go back."""
    return htmx_finish(
        request,
        message=message,
        redirect_to=safe_next_url(request, _record_url(account, contact)),
        events={"closeModal": True, event: True},
    )


def _dialog_render(request, template: str, context: dict, *, action: str) -> HttpResponse:
    # Without htmx (no JavaScript) the dialog is a page of its own.
    context.update(
        dialog_base=(
            "accounts/_dialog_fragment.html" if request.htmx else "accounts/_dialog_page.html"
        ),
        dialog_action=action,
        next_url=safe_next_url(request, _record_url(context["account"], context["contact"])),
    )
    return render(request, template, context)


@login_required
def task_create(request):
    """GET: the add-task form for the modal; POST: create it through the sales service."""
    account, contact = _dialog_subjects(request)
    form = TaskForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            task = services.task_create(
                user=request.user,
                title=data["title"],
                type=data["type"],
                due_at=data.get("due_at"),
                description=data.get("description") or "",
                owner=data.get("owner") or request.user,
                account=account,
                contact=contact,
            )
        except ApplicationError as exc:
            form.add_application_error(exc)
        else:
            return _dialog_done(
                request,
                _("Task “%(title)s” added.") % {"title": task.title},
                "taskCreated",
                account,
                contact,
            )
    return _dialog_render(
        request,
        "accounts/dialog_task.html",
        {"form": form, "account": account, "contact": contact},
        action=reverse("accounts:task_create"),
    )


@login_required
def note_create(request):
    """GET: the add-note form for the modal; POST: write it through the note service."""
    account, contact = _dialog_subjects(request)
    form = NoteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.note_create(
                user=request.user, body=form.cleaned_data["body"], account=account, contact=contact
            )
        except ApplicationError as exc:
            form.add_application_error(exc)
        else:
            return _dialog_done(request, _("Note added."), "noteCreated", account, contact)
    return _dialog_render(
        request,
        "accounts/dialog_note.html",
        {"form": form, "account": account, "contact": contact},
        action=reverse("accounts:note_create"),
    )
