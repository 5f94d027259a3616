"""Pages of the CRM core records: accounts, contacts, leads, opportunities, tasks and notes.

Views stay thin: a FilterSet or a form validates, a selector reads, a service writes.
A service's ApplicationError becomes a form error (on the field it names) or a flash
message; ForbiddenError becomes an error flash. Nobody sees a 500 for bad input.
"""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from abm.exceptions import ApplicationError
from abm.http import safe_next_url
from abm.permissions import can_create, can_write
from accounts import services
from accounts.filters import AccountFilter, ContactFilter, LeadFilter, OpportunityFilter
from accounts.forms import (
    AccountForm,
    ContactForm,
    LeadForm,
    NoteForm,
    OpportunityForm,
    TaskForm,
    account_input_value,
    contact_input_value,
)
from accounts.models import (
    Account,
    BuyingRole,
    Contact,
    Industry,
    Lead,
    Opportunity,
    Product,
    Team,
    User,
)
from accounts.selectors import records as selectors

# --- Helpers ---------------------------------------------------------------------------


def _query(request, **changes) -> str:
    params = request.GET.copy()
    for key, value in changes.items():
        if value in (None, ""):
            params.pop(key, None)
        else:
            params[key] = value
    encoded = params.urlencode()
    return f"{request.path}?{encoded}" if encoded else request.path


def _paged_list(
    request, *, queryset, filterset_class, sorts, default_sort: str, related=()
) -> dict:
    """Filter, sort and keyset-page a list; the context every list template reads."""
    filterset = filterset_class(request.GET or None, queryset=queryset)
    rows = filterset.qs
    sort = request.GET.get("sort") or default_sort
    descending = sort.startswith("-")
    key_name = sort.lstrip("-")
    if key_name not in sorts:
        sort, key_name = default_sort, default_sort.lstrip("-")
        descending = default_sort.startswith("-")
    page = selectors.keyset_page(
        rows,
        key=sorts[key_name],
        descending=descending,
        cursor=request.GET.get("cursor", ""),
        related=related,
    )
    page.next_url = _query(request, cursor=page.next_cursor)
    page.previous_url = _query(request, cursor=page.previous_cursor)
    filtered = any(
        value for key, value in request.GET.items() if key not in ("sort", "cursor", "page")
    )
    headers = {
        name: {
            "label": key.label,
            "active": name == key_name,
            "descending": descending,
            # First click sorts the way people expect (big numbers first); the next flips it.
            "url": _query(
                request,
                cursor=None,
                sort=(
                    (name if descending else f"-{name}")
                    if name == key_name
                    else (f"-{name}" if key.descending else name)
                ),
            ),
        }
        for name, key in sorts.items()
    }
    return {
        "filterset": filterset,
        "page": page,
        "rows": page.items,
        "total": rows.count(),
        "filtered": filtered,
        "sort": sort,
        "headers": headers,
        "filter_errors": filterset.form.errors if filterset.is_bound else {},
    }


def _apply_service_error(form, exc: Exception) -> None:
    """Put a service's complaint on the form field it names (or on the form)."""
    if isinstance(exc, ValidationError) and hasattr(exc, "message_dict"):
        for field, msgs in exc.message_dict.items():
            target = field if field in form.fields else None
            for msg in msgs:
                form.add_error(target, msg)
        return
    if isinstance(exc, ValidationError):
        form.add_error(None, " ".join(exc.messages))
        return
    form.apply_error(exc)


def _submit(request, form, save, *, message, redirect_to, on_error=None):
    """Run a valid POSTed form through its service.

    Returns the redirect after a save, or None to render the form again (unbound, invalid,
    or with the service's error put on the field it names).
    """
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        saved = save(form)
    except (ApplicationError, ValidationError) as exc:
        _apply_service_error(form, exc)
        if on_error:
            on_error()
        return None
    messages.success(request, message(saved))
    return redirect(redirect_to(saved))


def _owner_choices(request):
    return User.objects.filter(is_active=True).order_by("first_name", "last_name", "username")


def _form_context(form, heading: str, back_url: str, back_label: str, *, submit="Create") -> dict:
    return {
        "form": form,
        "heading": heading,
        "back_url": back_url,
        "back_label": back_label,
        "submit_label": submit,
    }


def _hx_trigger(response: HttpResponse, **events) -> HttpResponse:
    response["HX-Trigger"] = json.dumps(events)
    return response


# --- Accounts ---------------------------------------------------------------------------


@login_required
@require_GET
def account_list(request):
    context = _paged_list(
        request,
        queryset=selectors.account_list_queryset(),
        filterset_class=AccountFilter,
        sorts=selectors.ACCOUNT_SORTS,
        related=selectors.ACCOUNT_ROW_RELATED,
        default_sort="name",
    )
    counts = selectors.account_contact_counts([a.pk for a in context["rows"]])
    for account in context["rows"]:
        account.contact_count = counts.get(account.pk, 0)
    context.update(
        industries=Industry.choices,
        owners=_owner_choices(request),
        teams=Team.objects.all(),
        can_create=can_create(request.user, Account),
    )
    return render(request, "accounts/account_list.html", context)


@login_required
@require_POST
def account_bulk_target(request):
    """Mark or unmark the ticked accounts as targets; all or nothing."""
    back = safe_next_url(request, reverse("accounts:account_list"))
    action = request.POST.get("action")
    ids = request.POST.getlist("selected")
    try:
        if action == "mark":
            changed = services.accounts_mark_target(user=request.user, account_ids=ids)
            verb = "marked as target"
        elif action == "unmark":
            changed = services.accounts_unmark_target(user=request.user, account_ids=ids)
            verb = "removed from targets"
        else:
            raise ApplicationError("Choose 'Mark as target' or 'Remove target'.")
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect(back)
    unchanged = len(set(ids)) - changed
    text = f"{changed} account{'s' if changed != 1 else ''} {verb}."
    if unchanged:
        text += f" {unchanged} already {'were' if unchanged != 1 else 'was'}."
    messages.success(request, text)
    return redirect(back)


@login_required
@require_GET
def account_detail(request, pk: int):
    try:
        account = selectors.account_detail(pk=pk)
    except Account.DoesNotExist as exc:
        raise Http404("No such account.") from exc
    activities = selectors.timeline(account=account)
    deals = selectors.account_opportunities(account=account)
    context = {
        "account": account,
        "contact_links": selectors.account_contacts(account=account),
        "opportunities": deals,
        "open_value": sum((d.amount for d in deals if d.is_open), 0),
        "open_deals": sum(1 for d in deals if d.is_open),
        "tasks": selectors.open_tasks(account=account),
        "now": timezone.now(),
        "notes": selectors.notes_for(account=account),
        "activities": activities,
        "can_edit": can_write(request.user, account),
        "can_add_contact": can_create(request.user, Contact),
        "can_add_deal": can_create(request.user, Opportunity),
    }
    return render(request, "accounts/account_detail.html", context)


def _account_form(request, form_kwargs) -> AccountForm:
    return AccountForm(
        request.POST or None,
        user=request.user,
        lookup_url=reverse("accounts:account_lookup"),
        **form_kwargs,
    )


@login_required
def account_create(request):
    if not can_create(request.user, Account):
        messages.error(request, "Your role cannot create accounts.")
        return redirect("accounts:account_list")
    form = _account_form(request, {})
    done = _submit(
        request,
        form,
        lambda f: services.account_create(user=request.user, data=f.service_data()),
        message=lambda account: f"Account “{account.name}” created.",
        redirect_to=lambda account: reverse("accounts:account_detail", args=[account.pk]),
    )
    if done:
        return done
    return render(
        request,
        "accounts/account_form.html",
        _form_context(form, "New account", reverse("accounts:account_list"), "Accounts"),
    )


@login_required
def account_edit(request, pk: int):
    account = get_object_or_404(Account.objects.select_related("parent", "owner"), pk=pk)
    if not can_write(request.user, account):
        messages.error(request, "You cannot change this account: you do not own it.")
        return redirect("accounts:account_detail", pk=pk)
    form = _account_form(request, {"instance": account})
    done = _submit(
        request,
        form,
        lambda f: services.account_update(
            user=request.user, account=account, data=f.service_data()
        ),
        message=lambda account: f"Account “{account.name}” saved.",
        redirect_to=lambda account: reverse("accounts:account_detail", args=[account.pk]),
        on_error=account.refresh_from_db,
    )
    if done:
        return done
    return render(
        request,
        "accounts/account_form.html",
        _form_context(
            form,
            f"Edit {account.name}",
            reverse("accounts:account_detail", args=[account.pk]),
            account.name,
            submit="Save account",
        ),
    )


@login_required
def account_delete(request, pk: int):
    account = get_object_or_404(Account, pk=pk)
    if request.method == "POST":
        try:
            services.account_delete(user=request.user, account=account)
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return redirect("accounts:account_detail", pk=pk)
        messages.success(request, f"Account “{account.name}” deleted; its contacts were kept.")
        return redirect("accounts:account_list")
    template = "accounts/_confirm_delete.html" if request.htmx else "accounts/confirm_delete.html"
    return render(
        request,
        template,
        {
            "object": account,
            "kind": "account",
            "action": reverse("accounts:account_delete", args=[pk]),
            "cancel": reverse("accounts:account_detail", args=[pk]),
            "consequence": "Its deals, leads, notes and tasks are deleted too. "
            "Its contacts are kept, without this company.",
            "allowed": can_write(request.user, account),
        },
    )


@login_required
@require_GET
def account_lookup(request):
    """Datalist <option>s for the account pickers, as the user types."""
    text = request.GET.get("q") or next((v for v in request.GET.values() if v), "")
    accounts = selectors.account_suggestions(text=text)
    return render(request, "accounts/_account_options.html", {"accounts": accounts})


# --- Contacts ---------------------------------------------------------------------------


@login_required
@require_GET
def contact_list(request):
    context = _paged_list(
        request,
        queryset=selectors.contact_list_queryset(),
        filterset_class=ContactFilter,
        sorts=selectors.CONTACT_SORTS,
        related=selectors.CONTACT_ROW_RELATED,
        default_sort="name",
    )
    account_id = request.GET.get("account") or request.GET.get("associated_account") or ""
    context.update(
        owners=_owner_choices(request),
        roles=BuyingRole.choices,
        legal_bases=Contact.LegalBasis.choices,
        filter_account=(
            Account.objects.filter(pk=int(account_id)).first() if account_id.isdigit() else None
        ),
        can_create=can_create(request.user, Contact),
    )
    return render(request, "accounts/contact_list.html", context)


@login_required
@require_GET
def contact_detail(request, pk: int):
    try:
        contact = selectors.contact_detail(pk=pk)
    except Contact.DoesNotExist as exc:
        raise Http404("No such contact.") from exc
    context = {
        "contact": contact,
        "account_links": selectors.contact_accounts(contact=contact),
        "leads": selectors.contact_leads(contact=contact),
        "tasks": selectors.open_tasks(contact=contact),
        "now": timezone.now(),
        "notes": selectors.notes_for(contact=contact),
        "activities": selectors.timeline(contact=contact),
        "can_edit": can_write(request.user, contact),
        "can_add_lead": can_create(request.user, Lead),
    }
    return render(request, "accounts/contact_detail.html", context)


def _contact_form(request, **kwargs) -> ContactForm:
    return ContactForm(
        request.POST or None,
        user=request.user,
        lookup_url=reverse("accounts:account_lookup"),
        contact_lookup_url=reverse("accounts:contact_lookup"),
        **kwargs,
    )


@login_required
def contact_create(request):
    if not can_create(request.user, Contact):
        messages.error(request, "Your role cannot create contacts.")
        return redirect("accounts:contact_list")
    initial = None
    account_id = request.GET.get("account", "")
    if request.method == "GET" and account_id.isdigit():
        account = Account.objects.filter(pk=int(account_id)).first()
        if account:
            initial = {
                "account": account_input_value(account),
                "allow_email": True,
                "allow_bulk_email": True,
                "allow_prefill": True,
                "follow_email": True,
            }
    form = _contact_form(request, **({"initial": initial} if initial else {}))
    done = _submit(
        request,
        form,
        lambda f: services.contact_create(user=request.user, data=f.service_data()),
        message=lambda contact: f"Contact “{contact}” created.",
        redirect_to=lambda contact: reverse("accounts:contact_detail", args=[contact.pk]),
    )
    if done:
        return done
    return render(
        request,
        "accounts/contact_form.html",
        _form_context(form, "New contact", reverse("accounts:contact_list"), "Contacts"),
    )


@login_required
def contact_edit(request, pk: int):
    contact = get_object_or_404(
        Contact.objects.select_related("account", "guardian", "owner"), pk=pk
    )
    if not can_write(request.user, contact):
        messages.error(request, "You cannot change this contact: you do not own it.")
        return redirect("accounts:contact_detail", pk=pk)
    others = [
        link.account
        for link in selectors.contact_accounts(contact=contact)
        if link.account_id != contact.account_id
    ]
    form = _contact_form(request, instance=contact, other_accounts=others)
    done = _submit(
        request,
        form,
        lambda f: services.contact_update(
            user=request.user, contact=contact, data=f.service_data()
        ),
        message=lambda contact: f"Contact “{contact}” saved.",
        redirect_to=lambda contact: reverse("accounts:contact_detail", args=[contact.pk]),
        on_error=contact.refresh_from_db,
    )
    if done:
        return done
    return render(
        request,
        "accounts/contact_form.html",
        _form_context(
            form,
            f"Edit {contact}",
            reverse("accounts:contact_detail", args=[contact.pk]),
            str(contact),
            submit="Save contact",
        ),
    )


@login_required
@require_GET
def contact_lookup(request):
    text = request.GET.get("q") or next((v for v in request.GET.values() if v), "")
    contacts = selectors.contact_suggestions(text=text)
    return render(request, "accounts/_contact_options.html", {"contacts": contacts})


# --- Leads ------------------------------------------------------------------------------


@login_required
@require_GET
def lead_list(request):
    context = _paged_list(
        request,
        queryset=selectors.lead_list_queryset(),
        filterset_class=LeadFilter,
        sorts=selectors.LEAD_SORTS,
        related=selectors.LEAD_ROW_RELATED,
        default_sort="-created",
    )
    context.update(
        owners=_owner_choices(request),
        statuses=Lead.Status.choices,
        products=Product.objects.order_by("name"),
        can_create=can_create(request.user, Lead),
    )
    return render(request, "accounts/lead_list.html", context)


@login_required
@require_GET
def lead_detail(request, pk: int):
    try:
        lead = selectors.lead_detail(pk=pk)
    except Lead.DoesNotExist as exc:
        raise Http404("No such lead.") from exc
    steps = selectors.LEAD_LIFECYCLE
    at = steps.index(lead.status) if lead.status in steps else -1
    lifecycle = [
        {"label": step.label, "current": i == at, "done": i < at} for i, step in enumerate(steps)
    ]
    labels = dict(Lead.Status.choices)
    history = selectors.lead_status_history(lead=lead)
    for change in history:
        change.from_label = labels.get(change.metadata.get("from"), change.metadata.get("from"))
        change.to_label = labels.get(change.metadata.get("to"), change.metadata.get("to"))
    context = {
        "lead": lead,
        "lifecycle": lifecycle,
        "disqualified": lead.status == Lead.Status.DISQUALIFIED,
        "history": history,
        "can_edit": can_write(request.user, lead),
    }
    return render(request, "accounts/lead_detail.html", context)


def _lead_form(request, **kwargs) -> LeadForm:
    return LeadForm(
        request.POST or None,
        user=request.user,
        lookup_url=reverse("accounts:account_lookup"),
        contact_lookup_url=reverse("accounts:contact_lookup"),
        **kwargs,
    )


@login_required
def lead_create(request):
    if not can_create(request.user, Lead):
        messages.error(request, "Your role cannot create leads.")
        return redirect("accounts:lead_list")
    initial = {}
    if request.method == "GET":
        contact_id, account_id = request.GET.get("contact", ""), request.GET.get("account", "")
        if contact_id.isdigit():
            initial["contact"] = contact_input_value(
                Contact.objects.filter(pk=int(contact_id)).first()
            )
        if account_id.isdigit():
            initial["account"] = account_input_value(
                Account.objects.filter(pk=int(account_id)).first()
            )
    form = _lead_form(request, initial=initial)
    done = _submit(
        request,
        form,
        lambda f: services.lead_create(user=request.user, data=f.service_data()),
        message=lambda lead: "Lead created.",
        redirect_to=lambda lead: reverse("accounts:lead_detail", args=[lead.pk]),
    )
    if done:
        return done
    return render(
        request,
        "accounts/lead_form.html",
        _form_context(form, "New lead", reverse("accounts:lead_list"), "Leads"),
    )


@login_required
def lead_edit(request, pk: int):
    lead = get_object_or_404(Lead.objects.select_related("contact", "account"), pk=pk)
    if not can_write(request.user, lead):
        messages.error(request, "You cannot change this lead: you do not own it.")
        return redirect("accounts:lead_detail", pk=pk)
    form = _lead_form(request, instance=lead)
    done = _submit(
        request,
        form,
        lambda f: services.lead_update(user=request.user, lead=lead, data=f.service_data()),
        message=lambda lead: "Lead saved.",
        redirect_to=lambda lead: reverse("accounts:lead_detail", args=[lead.pk]),
        on_error=lead.refresh_from_db,
    )
    if done:
        return done
    return render(
        request,
        "accounts/lead_form.html",
        _form_context(
            form,
            "Edit lead",
            reverse("accounts:lead_detail", args=[lead.pk]),
            lead.topic or "Lead",
            submit="Save lead",
        ),
    )


# --- Opportunities ----------------------------------------------------------------------


@login_required
@require_GET
def opportunity_list(request):
    context = _paged_list(
        request,
        queryset=selectors.opportunity_list_queryset(),
        filterset_class=OpportunityFilter,
        sorts=selectors.OPPORTUNITY_SORTS,
        related=selectors.OPPORTUNITY_ROW_RELATED,
        default_sort="-created",
    )
    for deal in context["rows"]:
        deal.can_edit = can_write(request.user, deal)
    context.update(
        today=timezone.localdate(),
        owners=_owner_choices(request),
        stages=Opportunity.Stage.choices,
        can_create=can_create(request.user, Opportunity),
    )
    return render(request, "accounts/opportunity_list.html", context)


def _opportunity_form(request, **kwargs) -> OpportunityForm:
    return OpportunityForm(
        request.POST or None,
        user=request.user,
        lookup_url=reverse("accounts:account_lookup"),
        **kwargs,
    )


@login_required
def opportunity_create(request):
    if not can_create(request.user, Opportunity):
        messages.error(request, "Your role cannot create opportunities.")
        return redirect("accounts:opportunity_list")
    initial = {"currency": "USD", "amount": 0}
    account_id = request.GET.get("account", "")
    if request.method == "GET" and account_id.isdigit():
        initial["account"] = account_input_value(Account.objects.filter(pk=int(account_id)).first())
    form = _opportunity_form(request, initial=initial)
    done = _submit(
        request,
        form,
        lambda f: services.opportunity_create(user=request.user, data=f.cleaned_data),
        message=lambda deal: f"Opportunity “{deal.name}” created.",
        redirect_to=lambda deal: safe_next_url(request, reverse("accounts:opportunity_list")),
    )
    if done:
        return done
    return render(
        request,
        "accounts/opportunity_form.html",
        _form_context(
            form,
            "New opportunity",
            safe_next_url(request, reverse("accounts:opportunity_list")),
            "Back",
        ),
    )


@login_required
def opportunity_edit(request, pk: int):
    deal = get_object_or_404(Opportunity.objects.select_related("account"), pk=pk)
    if not can_write(request.user, deal):
        messages.error(request, "You cannot change this opportunity: you do not own it.")
        return redirect("accounts:opportunity_list")
    form = _opportunity_form(request, instance=deal)
    done = _submit(
        request,
        form,
        lambda f: services.opportunity_update(
            user=request.user, opportunity=deal, data=f.cleaned_data
        ),
        message=lambda deal: f"Opportunity “{deal.name}” saved.",
        redirect_to=lambda deal: safe_next_url(request, reverse("accounts:opportunity_list")),
        on_error=deal.refresh_from_db,
    )
    if done:
        return done
    return render(
        request,
        "accounts/opportunity_form.html",
        _form_context(
            form,
            f"Edit {deal.name}",
            safe_next_url(request, reverse("accounts:opportunity_list")),
            "Back",
            submit="Save opportunity",
        ),
    )


# --- Dialogs: add a task, add a note ------------------------------------------------------


def _dialog_subjects(request) -> tuple[Account | None, Contact | None]:
    """The account and/or contact named by ?account= / ?contact= (or the POSTed fields)."""
    source = request.POST if request.method == "POST" else request.GET
    account = contact = None
    account_id, contact_id = source.get("account", ""), source.get("contact", "")
    if account_id:
        if not account_id.isdigit():
            raise Http404("No such account.")
        account = get_object_or_404(Account, pk=int(account_id))
    if contact_id:
        if not contact_id.isdigit():
            raise Http404("No such contact.")
        contact = get_object_or_404(Contact.objects.select_related("account"), pk=int(contact_id))
    if account is None and contact is None:
        raise Http404("Say which account (?account=) or contact (?contact=) this is for.")
    return account, contact


def _record_url(account: Account | None, contact: Contact | None) -> str:
    if contact is not None:
        return reverse("accounts:contact_detail", args=[contact.pk])
    return reverse("accounts:account_detail", args=[account.pk])


def _dialog_done(request, message: str, event: str, account, contact) -> HttpResponse:
    if request.htmx:
        response = HttpResponse(status=204)
        return _hx_trigger(
            response,
            closeModal=True,
            flash={"level": "success", "message": message},
            **{event: True},
        )
    messages.success(request, message)
    return redirect(safe_next_url(request, _record_url(account, contact)))


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
            form.apply_error(exc)
        else:
            return _dialog_done(
                request, f"Task “{task.title}” added.", "taskCreated", account, contact
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
            form.apply_error(exc)
        else:
            return _dialog_done(request, "Note added.", "noteCreated", account, contact)
    return _dialog_render(
        request,
        "accounts/dialog_note.html",
        {"form": form, "account": account, "contact": contact},
        action=reverse("accounts:note_create"),
    )


urlpatterns = [
    path("accounts/", account_list, name="account_list"),
    path("accounts/new/", account_create, name="account_create"),
    path("accounts/bulk-target/", account_bulk_target, name="account_bulk_target"),
    path("accounts/lookup/", account_lookup, name="account_lookup"),
    path("accounts/<int:pk>/", account_detail, name="account_detail"),
    path("accounts/<int:pk>/edit/", account_edit, name="account_edit"),
    path("accounts/<int:pk>/delete/", account_delete, name="account_delete"),
    path("contacts/", contact_list, name="contact_list"),
    path("contacts/new/", contact_create, name="contact_create"),
    path("contacts/lookup/", contact_lookup, name="contact_lookup"),
    path("contacts/<int:pk>/", contact_detail, name="contact_detail"),
    path("contacts/<int:pk>/edit/", contact_edit, name="contact_edit"),
    path("leads/", lead_list, name="lead_list"),
    path("leads/new/", lead_create, name="lead_create"),
    path("leads/<int:pk>/", lead_detail, name="lead_detail"),
    path("leads/<int:pk>/edit/", lead_edit, name="lead_edit"),
    path("opportunities/", opportunity_list, name="opportunity_list"),
    path("opportunities/new/", opportunity_create, name="opportunity_create"),
    path("opportunities/<int:pk>/edit/", opportunity_edit, name="opportunity_edit"),
    path("tasks/new/", task_create, name="task_create"),
    path("notes/new/", note_create, name="note_create"),
]
