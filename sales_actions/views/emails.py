"""Sent emails: the emails panels of records, the email card, and the outbox for admins."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from abm.exceptions import ApplicationError
from abm.pages import safe_next_url
from abm.paging import PAGE_SIZE, paginate_request_or_first
from abm.permissions import (
    may_view_outbox,
)
from accounts.models import Account, Contact, Opportunity
from sales_actions import selectors, services
from sales_actions.filters import SalesEmailFilter
from sales_actions.messages import message_build
from sales_actions.models import SalesEmail
from sales_actions.services.personal import personal_email_allowed
from sales_actions.views.common import _tabs, url_or_empty

# --- Emails tabs and details ------------------------------------------------------------


def _emails_tab(request, *, contact=None, account=None, opportunity=None):
    qs = selectors.sales_email_list(user=request.user)
    if contact:
        qs = qs.filter(contact=contact)
        send_query, back_url = (
            f"?contact={contact.pk}",
            url_or_empty("accounts:contact_detail", contact.pk),
        )
    elif opportunity:
        # The deal's emails: sales emails to the contacts with a role on it.
        qs = qs.filter(
            contact_id__in=opportunity.contact_roles.values("contact_id"),
            account_id=opportunity.account_id,
        )
        send_query = f"?opportunity={opportunity.pk}"
        back_url = url_or_empty("accounts:opportunity_detail", opportunity.pk)
    else:
        qs = qs.filter(account=account)
        send_query, back_url = (
            f"?account={account.pk}",
            url_or_empty("accounts:account_detail", account.pk),
        )
    emails = list(qs.order_by("-queued_at", "-id")[:PAGE_SIZE])
    context = {
        "emails": emails,
        "contact": contact,
        # Rows say whom each email went to unless the page is one person's.
        "account": account or (opportunity.account if opportunity else None),
        "opportunity": opportunity,
        "send_url": reverse("sales_actions:send_dialog") + send_query,
        "personal_url": reverse("sales_actions:personal_email") + send_query
        if personal_email_allowed()
        else "",
        "back_url": back_url,
    }
    name = "sales_actions/_emails_table.html" if request.htmx else "sales_actions/emails_tab.html"
    return render(request, name, context)


@login_required
def contact_emails(request, pk):
    return _emails_tab(request, contact=get_object_or_404(Contact, pk=pk))


@login_required
def account_emails(request, pk):
    return _emails_tab(request, account=get_object_or_404(Account, pk=pk))


@login_required
def opportunity_emails(request, pk):
    return _emails_tab(
        request, opportunity=get_object_or_404(Opportunity.objects.select_related("account"), pk=pk)
    )


@login_required
def email_detail(request, pk):
    email = get_object_or_404(
        selectors.sales_email_visible(user=request.user).select_related(
            "template", "sender", "contact", "batch", "cadence_run__enrolment__cadence"
        ),
        pk=pk,
    )
    events = list(email.events.select_related("link")[:100])
    name = "sales_actions/email_detail.html" if request.htmx else "sales_actions/email_page.html"
    return render(request, name, {"email": email, "events": events})


# --- Outbox (admins) ------------------------------------------------------------------


@login_required
def outbox(request):
    if not may_view_outbox(request.user):
        raise PermissionDenied
    filterset = SalesEmailFilter(
        request.GET, queryset=selectors.sales_email_list(user=request.user)
    )
    page, cursor_error = paginate_request_or_first(request, filterset.qs, ordering=["-id"])
    if cursor_error:
        messages.error(request, cursor_error)
    return render(
        request,
        "sales_actions/outbox.html",
        {
            "emails": page.items,
            "page": page,
            "filter": filterset,
            "statuses": SalesEmail.Status.choices,
            "counts": selectors.outbox_counts(),
            "tabs": _tabs(request, "outbox"),
        },
        status=400 if cursor_error else 200,
    )


@login_required
@require_POST
def outbox_reconcile(request, pk):
    email = get_object_or_404(SalesEmail, pk=pk)
    try:
        status = services.sales_email_reconcile(
            email=email, outcome=request.POST.get("outcome", ""), user=request.user
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Email to {email.to_email} is now {status}.")
    return redirect(safe_next_url(request, reverse("sales_actions:outbox")))


@login_required
def outbox_raw(request, pk):
    if not may_view_outbox(request.user):
        raise PermissionDenied
    email = get_object_or_404(SalesEmail.objects.select_related("batch", "sender"), pk=pk)
    message = message_build(email, attachments=list(email.batch.attachments.all()))
    return HttpResponse(message.message().as_bytes(), content_type="text/plain; charset=utf-8")
