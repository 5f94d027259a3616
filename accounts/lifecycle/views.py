"""Pages of the lead lifecycle: the action dialogs on a lead (accept, convert, return to
marketing, disqualify), the leads pipeline and the disqualify reasons admins keep.

Each dialog opens in the lead page's modal with htmx and is a page of its own without
JavaScript; a done action reloads the lead page (``HX-Redirect``) with a flash.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from abm.exceptions import ApplicationError
from abm.pages import htmx_finish, safe_next_url
from abm.permissions import may_manage_disqualify_reasons, may_work_lead
from accounts.lifecycle import selectors, services
from accounts.lifecycle.forms import (
    DisqualifyReasonForm,
    LeadAcceptForm,
    LeadConvertForm,
    LeadDisqualifyForm,
    LeadReturnForm,
)
from accounts.lifecycle.selectors import pipeline_params
from accounts.models import DisqualifyReason, Lead, Product
from accounts.views.common import owner_choices

SOURCE = services.Source.USER


def _lead(pk: int) -> Lead:
    try:
        return Lead.objects.select_related("contact", "account", "product", "owner").get(pk=pk)
    except Lead.DoesNotExist as exc:
        raise Http404(_("No such lead.")) from exc


def _dialog(request, lead: Lead, template: str, context: dict, *, action: str, form):
    lead_url = reverse("accounts:lead_detail", args=[lead.pk])
    context.update(
        lead=lead,
        form=form,
        dialog_base=(
            "accounts/_dialog_fragment.html" if request.htmx else "accounts/_dialog_page.html"
        ),
        dialog_action=reverse(action, args=[lead.pk]),
        next_url=safe_next_url(request, lead_url),
        allowed=may_work_lead(request.user, lead),
    )
    return render(request, template, context, status=_status(request, form))


def _status(request, form) -> int:
    """A refused form answers its 4xx; inside the htmx modal a 200, so htmx swaps it in
    (htmx 2 does not swap error answers)."""
    if not form.errors or request.htmx:
        return 200
    return getattr(form, "error_status", 400)


def _run(request, lead: Lead, form, do, *, message: str):
    """Validate, run the service, and reload the lead page; None to show the form again."""
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        done = do(form)
    except ApplicationError as exc:
        form.add_application_error(exc)
        return None
    target = reverse("accounts:lead_detail", args=[lead.pk])
    if callable(message):
        message = message(done)
    return htmx_finish(request, message=message, redirect_to=target)


@login_required
@require_http_methods(["GET", "POST"])
def lead_accept(request, pk: int):
    lead = _lead(pk)
    form = LeadAcceptForm(request.POST or None)
    done = _run(
        request,
        lead,
        form,
        lambda f: services.lead_accept(
            user=request.user, lead=lead, reason=f.cleaned_data["reason"], source=SOURCE
        ),
        message=_("Lead accepted by sales."),
    )
    return done or _dialog(
        request,
        lead,
        "accounts/lifecycle/dialog_accept.html",
        {},
        action="accounts:lead_accept",
        form=form,
    )


@login_required
@require_http_methods(["GET", "POST"])
def lead_return(request, pk: int):
    lead = _lead(pk)
    form = LeadReturnForm(request.POST or None)
    done = _run(
        request,
        lead,
        form,
        lambda f: services.lead_return(
            user=request.user, lead=lead, reason=f.cleaned_data["reason"], source=SOURCE
        ),
        message=_("Lead returned to marketing (nurturing)."),
    )
    return done or _dialog(
        request,
        lead,
        "accounts/lifecycle/dialog_return.html",
        {},
        action="accounts:lead_return",
        form=form,
    )


@login_required
@require_http_methods(["GET", "POST"])
def lead_disqualify(request, pk: int):
    lead = _lead(pk)
    form = LeadDisqualifyForm(request.POST or None)
    done = _run(
        request,
        lead,
        form,
        lambda f: services.lead_disqualify(
            user=request.user,
            lead=lead,
            disqualify_reason=f.cleaned_data["disqualify_reason"],
            note=f.cleaned_data["reason"],
            source=SOURCE,
        ),
        message=_("Lead disqualified."),
    )
    return done or _dialog(
        request,
        lead,
        "accounts/lifecycle/dialog_disqualify.html",
        {"can_manage_reasons": may_manage_disqualify_reasons(request.user)},
        action="accounts:lead_disqualify",
        form=form,
    )


@login_required
@require_http_methods(["GET", "POST"])
def lead_convert(request, pk: int):
    lead = _lead(pk)
    form = LeadConvertForm(request.POST or None, lead=lead)
    done = _run(
        request,
        lead,
        form,
        lambda f: services.lead_convert(
            user=request.user, lead=lead, data=f.conversion(), source=SOURCE
        ),
        message=lambda opportunity: (
            _("Lead converted: opportunity “%(name)s” created.") % {"name": opportunity.name}
        ),
    )
    return done or _dialog(
        request,
        lead,
        "accounts/lifecycle/dialog_convert.html",
        {"account_has_contacts": services.lead_account_has_contacts(lead)},
        action="accounts:lead_convert",
        form=form,
    )


# --- The pipeline ---------------------------------------------------------------------

PIPELINE_PERIODS = [(30, _("Last 30 days")), (90, _("Last 90 days")), (365, _("Last year"))]


@login_required
@require_GET
def lead_pipeline(request):
    params = pipeline_params(request.GET)
    pipeline = selectors.lead_pipeline(**params)
    chart = {
        "steps": [
            {"label": s["label"], "reached": s["reached"], "conversion": s["conversion"]}
            for s in pipeline["steps"]
        ],
        "statuses": [
            {"label": s["label"], "median": s["median_days_in_status"]}
            for s in pipeline["statuses"]
            if s["status"] in services.OPEN_STATUSES  # the final ones have no stays
        ],
        "labels": {
            "reached": _("Leads that reached the step"),
            "days": _("Median days in status"),
        },
    }
    return render(
        request,
        "accounts/lifecycle/pipeline.html",
        {
            "pipeline": pipeline,
            "chart": chart,
            "owners": owner_choices(),
            "products": Product.objects.order_by("name"),
            "periods": PIPELINE_PERIODS,
            "can_manage_reasons": may_manage_disqualify_reasons(request.user),
        },
    )


# --- Disqualify reasons (admins) ------------------------------------------------------


def _check_reasons_admin(request) -> None:
    if not may_manage_disqualify_reasons(request.user):
        raise PermissionDenied(_("Only admins can edit the disqualify reasons."))


@login_required
@require_http_methods(["GET", "POST"])
def reason_list(request):
    _check_reasons_admin(request)
    form = DisqualifyReasonForm(request.POST or None, prefix="new")
    if request.method == "POST" and form.is_valid():
        try:
            reason = services.disqualify_reason_save(user=request.user, data=form.service_data())
        except ApplicationError as exc:
            form.add_application_error(exc)
        else:
            return htmx_finish(
                request,
                message=_("Reason “%(name)s” added.") % {"name": reason.name},
                redirect_to=reverse("accounts:disqualify_reason_list"),
            )
    return render(
        request,
        "accounts/lifecycle/reasons.html",
        {"form": form, "reasons": list(selectors.disqualify_reasons(active_only=False))},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def reason_edit(request, pk: int):
    _check_reasons_admin(request)
    reason = get_object_or_404(DisqualifyReason, pk=pk)
    form = DisqualifyReasonForm(
        request.POST or None,
        initial={"name": reason.name, "position": reason.position, "is_active": reason.is_active},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.disqualify_reason_save(
                user=request.user, reason=reason, data=form.service_data()
            )
        except ApplicationError as exc:
            form.add_application_error(exc)
        else:
            return htmx_finish(
                request,
                message=_("Reason “%(name)s” saved.") % {"name": reason.name},
                redirect_to=reverse("accounts:disqualify_reason_list"),
            )
    back = reverse("accounts:disqualify_reason_list")
    return render(
        request,
        "accounts/lifecycle/dialog_reason.html",
        {
            "form": form,
            "reason": reason,
            "dialog_base": (
                "accounts/_dialog_fragment.html" if request.htmx else "accounts/_dialog_page.html"
            ),
            "dialog_action": reverse("accounts:disqualify_reason_edit", args=[pk]),
            "next_url": safe_next_url(request, back),
        },
        status=_status(request, form),
    )


@login_required
@require_POST
def reason_delete(request, pk: int):
    _check_reasons_admin(request)
    reason = get_object_or_404(DisqualifyReason, pk=pk)
    back = reverse("accounts:disqualify_reason_list")
    try:
        services.disqualify_reason_delete(user=request.user, reason=reason)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return htmx_finish(request, message=None, redirect_to=back)
    return htmx_finish(
        request, message=_("Reason “%(name)s” deleted.") % {"name": reason.name}, redirect_to=back
    )
