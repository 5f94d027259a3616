"""Lead pages: the list, detail (with its lifecycle), create, edit and delete.

The lifecycle actions' dialogs, the pipeline and the disqualify reasons are in
``accounts.lifecycle.views``."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from abm.exceptions import ApplicationError
from abm.pages import form_submit
from abm.paging import list_page
from abm.permissions import may_create, may_write
from accounts import services
from accounts.filters import LeadFilter
from accounts.forms import LeadForm, account_input_value, contact_input_value
from accounts.lifecycle import selectors as lifecycle
from accounts.lifecycle.services import lead_account_has_contacts
from accounts.models import Account, Contact, Lead, Product
from accounts.selectors import records as selectors
from accounts.views.common import form_context, owner_choices, render_list


@login_required
@require_GET
def lead_list(request):
    context = list_page(
        request,
        queryset=selectors.lead_list_queryset(),
        filterset_class=LeadFilter,
        sorts=selectors.LEAD_SORTS,
        related=selectors.LEAD_ROW_RELATED,
        default_sort="-created",
    )
    context.update(
        owners=owner_choices(),
        statuses=Lead.Status.choices,
        products=Product.objects.order_by("name"),
        can_create=may_create(request.user, Lead),
    )
    return render_list(request, "accounts/lead_list.html", context)


@login_required
@require_GET
def lead_detail(request, pk: int):
    try:
        lead = selectors.lead_detail(pk=pk)
    except Lead.DoesNotExist as exc:
        raise Http404(_("No such lead.")) from exc
    steps = selectors.LEAD_LIFECYCLE
    history = lifecycle.lead_history(lead=lead)
    at = steps.index(lead.status) if lead.status in steps else -1
    done_below = at
    if at < 0:  # disqualified: the steps it walked before leaving the path stay done
        reached = [steps.index(c.to_status) for c in history if c.to_status in steps]
        done_below = max(reached, default=-1) + 1
    lifecycle_steps = [
        {"label": step.label, "current": i == at, "done": i < done_below}
        for i, step in enumerate(steps)
    ]
    context = {
        "lead": lead,
        "lifecycle": lifecycle_steps,
        "disqualified": lead.status == Lead.Status.DISQUALIFIED,
        "history": history,
        "actions": lifecycle.lead_actions(user=request.user, lead=lead),
        # The seed's rule: an account-based lead's account needs a contact (warned here,
        # refused on conversion).
        "account_without_contacts": (
            lead.contact_id is None
            and lead.account_id is not None
            and not lead_account_has_contacts(lead)
        ),
        "can_edit": may_write(request.user, lead),
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
    if not may_create(request.user, Lead):
        messages.error(request, _("Your role cannot create leads."))
        return redirect("accounts:lead_list")
    initial = {}
    if request.method == "GET":
        contact_id, account_id = request.GET.get("contact", ""), request.GET.get("account", "")
        if contact_id.isdecimal():
            initial["contact"] = contact_input_value(
                Contact.objects.filter(pk=int(contact_id)).first()
            )
        if account_id.isdecimal():
            initial["account"] = account_input_value(
                Account.objects.filter(pk=int(account_id)).first()
            )
    form = _lead_form(request, initial=initial)
    done = form_submit(
        request,
        form,
        lambda f: services.lead_create(user=request.user, data=f.service_data()),
        message=lambda lead: _("Lead created."),
        redirect_to=lambda lead: reverse("accounts:lead_detail", args=[lead.pk]),
    )
    if done:
        return done
    return render(
        request,
        "accounts/lead_form.html",
        form_context(form, _("New lead"), reverse("accounts:lead_list"), _("Leads")),
    )


@login_required
def lead_edit(request, pk: int):
    lead = get_object_or_404(Lead.objects.select_related("contact", "account"), pk=pk)
    if not may_write(request.user, lead):
        messages.error(request, _("You cannot change this lead: you do not own it."))
        return redirect("accounts:lead_detail", pk=pk)
    form = _lead_form(request, instance=lead)
    done = form_submit(
        request,
        form,
        lambda f: services.lead_update(user=request.user, lead=lead, data=f.service_data()),
        message=lambda lead: _("Lead saved."),
        redirect_to=lambda lead: reverse("accounts:lead_detail", args=[lead.pk]),
        on_error=lead.refresh_from_db,
    )
    if done:
        return done
    return render(
        request,
        "accounts/lead_form.html",
        form_context(
            form,
            _("Edit lead"),
            reverse("accounts:lead_detail", args=[lead.pk]),
            lead.topic or _("Lead"),
            submit=_("Save lead"),
        ),
    )


@login_required
def lead_delete(request, pk: int):
    """Confirm, then delete a lead (its history goes with it; a converted deal stays)."""
    lead = get_object_or_404(Lead.objects.select_related("contact", "account", "product"), pk=pk)
    if request.method == "POST":
        try:
            services.lead_delete(user=request.user, lead=lead)
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return redirect("accounts:lead_detail", pk=pk)
        messages.success(request, _("Lead “%(name)s” deleted.") % {"name": lead})
        return redirect("accounts:lead_list")
    template = "accounts/_confirm_delete.html" if request.htmx else "accounts/confirm_delete.html"
    return render(
        request,
        template,
        {
            "object": lead,
            "kind": _("lead"),
            "action": reverse("accounts:lead_delete", args=[pk]),
            "cancel": reverse("accounts:lead_detail", args=[pk]),
            "consequence": _(
                "Its status history is deleted too. A deal it was converted into is kept, "
                "and so are the contact and the account."
            ),
            "allowed": may_write(request.user, lead),
        },
    )
