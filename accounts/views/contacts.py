"""Contact pages: the list, detail, create, edit and the picker's lookup."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from abm.exceptions import ApplicationError
from abm.pages import form_submit
from abm.paging import list_page
from abm.permissions import may_create, may_write
from accounts import services
from accounts.filters import ContactFilter
from accounts.forms import ContactForm, account_input_value
from accounts.models import Account, BuyingRole, ConsentChange, Contact, Lead, RelationshipType
from accounts.selectors import records as selectors
from accounts.selectors.consent import contact_consent_history
from accounts.views.common import form_context, owner_choices, render_list


@login_required
@require_GET
def contact_list(request):
    context = list_page(
        request,
        queryset=selectors.contact_list_queryset(),
        filterset_class=ContactFilter,
        sorts=selectors.CONTACT_SORTS,
        related=selectors.CONTACT_ROW_RELATED,
        default_sort="name",
    )
    account_id = request.GET.get("account") or request.GET.get("associated_account") or ""
    context.update(
        owners=owner_choices(),
        roles=BuyingRole.choices,
        legal_bases=Contact.LegalBasis.choices,
        relationship_types=RelationshipType.choices,
        filter_account=(
            Account.objects.filter(pk=int(account_id)).first() if account_id.isdecimal() else None
        ),
        can_create=may_create(request.user, Contact),
    )
    return render_list(request, "accounts/contact_list.html", context)


@login_required
@require_GET
def contact_detail(request, pk: int):
    try:
        contact = selectors.contact_detail(pk=pk)
    except Contact.DoesNotExist as exc:
        raise Http404(_("No such contact.")) from exc
    context = {
        "contact": contact,
        "account_links": selectors.contact_accounts(contact=contact),
        "leads": selectors.contact_leads(contact=contact),
        "tasks": selectors.open_tasks(contact=contact),
        "now": timezone.now(),
        "notes": selectors.notes_for(contact=contact),
        "activities": selectors.timeline(contact=contact),
        "consent_history": contact_consent_history(contact=contact),
        "can_edit": may_write(request.user, contact),
        "can_add_lead": may_create(request.user, Lead),
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
    if not may_create(request.user, Contact):
        messages.error(request, _("Your role cannot create contacts."))
        return redirect("accounts:contact_list")
    initial = None
    account_id = request.GET.get("account", "")
    if request.method == "GET" and account_id.isdecimal():
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
    done = form_submit(
        request,
        form,
        lambda f: services.contact_create(
            user=request.user, data=f.service_data(), consent_source=ConsentChange.Source.FORM
        ),
        message=lambda contact: _("Contact “%(name)s” created.") % {"name": contact},
        redirect_to=lambda contact: reverse("accounts:contact_detail", args=[contact.pk]),
    )
    if done:
        return done
    return render(
        request,
        "accounts/contact_form.html",
        form_context(form, _("New contact"), reverse("accounts:contact_list"), _("Contacts")),
    )


@login_required
def contact_edit(request, pk: int):
    contact = get_object_or_404(
        Contact.objects.select_related("account", "guardian", "owner"), pk=pk
    )
    if not may_write(request.user, contact):
        messages.error(request, _("You cannot change this contact: you do not own it."))
        return redirect("accounts:contact_detail", pk=pk)
    others = [
        link.account
        for link in selectors.contact_accounts(contact=contact)
        if link.account_id != contact.account_id
    ]
    form = _contact_form(request, instance=contact, other_accounts=others)
    done = form_submit(
        request,
        form,
        lambda f: services.contact_update(
            user=request.user,
            contact=contact,
            data=f.service_data(),
            consent_source=ConsentChange.Source.FORM,
        ),
        message=lambda contact: _("Contact “%(name)s” saved.") % {"name": contact},
        redirect_to=lambda contact: reverse("accounts:contact_detail", args=[contact.pk]),
        on_error=contact.refresh_from_db,
    )
    if done:
        return done
    return render(
        request,
        "accounts/contact_form.html",
        form_context(
            form,
            _("Edit %(name)s") % {"name": contact},
            reverse("accounts:contact_detail", args=[contact.pk]),
            str(contact),
            submit=_("Save contact"),
        ),
        # A refused consent reversal (a sales rep) is a 403, as in the API.
        status=403 if getattr(form, "error_status", None) == 403 else 200,
    )


@login_required
@require_GET
def contact_lookup(request):
    text = request.GET.get("q") or next((v for v in request.GET.values() if v), "")
    contacts = selectors.contact_suggestions(text=text)
    return render(request, "accounts/_contact_options.html", {"contacts": contacts})


@login_required
def contact_delete(request, pk: int):
    """Confirm, then delete a contact (its leads, roles and activities go with it)."""
    contact = get_object_or_404(Contact, pk=pk)
    if request.method == "POST":
        try:
            services.contact_delete(user=request.user, contact=contact)
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return redirect("accounts:contact_detail", pk=pk)
        messages.success(request, _("Contact “%(name)s” deleted.") % {"name": contact})
        return redirect("accounts:contact_list")
    template = "accounts/_confirm_delete.html" if request.htmx else "accounts/confirm_delete.html"
    return render(
        request,
        template,
        {
            "object": contact,
            "kind": _("contact"),
            "action": reverse("accounts:contact_delete", args=[pk]),
            "cancel": reverse("accounts:contact_detail", args=[pk]),
            "consequence": _(
                "Their leads, deal roles, activities, consent history, notes and tasks are "
                "deleted too. "
                "Their accounts are kept."
            ),
            "allowed": may_write(request.user, contact),
        },
    )
