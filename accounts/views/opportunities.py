"""Opportunity (deal) pages: the list, the deal's own page, create and edit."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from abm.pages import form_submit, safe_next_url
from abm.paging import list_page
from abm.permissions import may_create, may_write
from accounts import services
from accounts.filters import OpportunityFilter
from accounts.forms import OpportunityForm, account_input_value
from accounts.models import Account, Opportunity
from accounts.selectors import opportunities as deal_selectors
from accounts.selectors import records as selectors
from accounts.selectors.stages import opportunity_stage_history
from accounts.views.common import form_context, owner_choices, render_list


@login_required
@require_GET
def opportunity_list(request):
    context = list_page(
        request,
        queryset=selectors.opportunity_list_queryset(),
        filterset_class=OpportunityFilter,
        sorts=selectors.OPPORTUNITY_SORTS,
        related=selectors.OPPORTUNITY_ROW_RELATED,
        default_sort="-created",
    )
    for deal in context["rows"]:
        deal.can_edit = may_write(request.user, deal)
    context.update(
        today=timezone.localdate(),
        owners=owner_choices(),
        stages=Opportunity.Stage.choices,
        can_create=may_create(request.user, Opportunity),
    )
    return render_list(request, "accounts/opportunity_list.html", context)


@login_required
@require_GET
def opportunity_detail(request, pk: int):
    """The deal: its fields, stage history, contacts with their roles, the panels the apps
    above add (emails, calls, tasks, cadences) and its activity timeline."""
    try:
        deal = deal_selectors.opportunity_detail(pk=pk)
    except Opportunity.DoesNotExist as exc:
        raise Http404(_("No such opportunity.")) from exc
    activities = list(
        deal_selectors.opportunity_activities(opportunity=deal)[: deal_selectors.TIMELINE_SIZE]
    )
    context = {
        "deal": deal,
        "roles": list(deal_selectors.opportunity_contact_roles(opportunity=deal)),
        "stage_history": opportunity_stage_history(opportunity=deal),
        "activities": activities,
        "show_contact": True,
        "today": timezone.localdate(),
        "can_edit": may_write(request.user, deal),
        # A project setting (the dialog itself lives in sales_actions).
        "personal_email_allowed": getattr(settings, "SALES_EMAIL_ALLOW_PERSONAL", True),
    }
    return render(request, "accounts/opportunity_detail.html", context)


def _opportunity_form(request, **kwargs) -> OpportunityForm:
    return OpportunityForm(
        request.POST or None,
        user=request.user,
        lookup_url=reverse("accounts:account_lookup"),
        **kwargs,
    )


@login_required
def opportunity_create(request):
    if not may_create(request.user, Opportunity):
        messages.error(request, _("Your role cannot create opportunities."))
        return redirect("accounts:opportunity_list")
    initial = {"currency": "USD", "amount": 0}
    account_id = request.GET.get("account", "")
    if request.method == "GET" and account_id.isdecimal():
        initial["account"] = account_input_value(Account.objects.filter(pk=int(account_id)).first())
    form = _opportunity_form(request, initial=initial)
    done = form_submit(
        request,
        form,
        lambda f: services.opportunity_create(user=request.user, data=f.cleaned_data),
        message=lambda deal: _("Opportunity “%(name)s” created.") % {"name": deal.name},
        redirect_to=lambda deal: safe_next_url(request, reverse("accounts:opportunity_list")),
    )
    if done:
        return done
    return render(
        request,
        "accounts/opportunity_form.html",
        form_context(
            form,
            _("New opportunity"),
            safe_next_url(request, reverse("accounts:opportunity_list")),
            _("Back"),
        ),
    )


@login_required
def opportunity_edit(request, pk: int):
    deal = get_object_or_404(Opportunity.objects.select_related("account"), pk=pk)
    if not may_write(request.user, deal):
        messages.error(request, _("You cannot change this opportunity: you do not own it."))
        return redirect("accounts:opportunity_list")
    form = _opportunity_form(request, instance=deal)
    done = form_submit(
        request,
        form,
        lambda f: services.opportunity_update(
            user=request.user, opportunity=deal, data=f.cleaned_data
        ),
        message=lambda deal: _("Opportunity “%(name)s” saved.") % {"name": deal.name},
        redirect_to=lambda deal: safe_next_url(request, reverse("accounts:opportunity_list")),
        on_error=deal.refresh_from_db,
    )
    if done:
        return done
    return render(
        request,
        "accounts/opportunity_form.html",
        {
            **form_context(
                form,
                _("Edit %(name)s") % {"name": deal.name},
                safe_next_url(request, reverse("accounts:opportunity_list")),
                _("Back"),
                submit=_("Save opportunity"),
            ),
            "stage_history": opportunity_stage_history(opportunity=deal),
        },
    )
