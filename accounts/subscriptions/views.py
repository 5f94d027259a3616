"""Pages: the subscription lists (marketers manage, everybody reads), the contact page's
"Subscription lists" panel, and the public subscription centre."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from abm.exceptions import ApplicationError
from abm.pages import htmx_finish
from abm.permissions import may_manage_subscription_lists, may_write
from accounts.models import SUBSCRIPTION_FIELD, ConsentChange, Contact, SubscriptionList
from accounts.subscriptions import selectors, services
from accounts.subscriptions.forms import CentreForm, MembershipForm, SubscriptionListForm
from accounts.subscriptions.tokens import centre_token_read


def _check_manage(request) -> None:
    if not may_manage_subscription_lists(request.user):
        raise PermissionDenied(_("Only marketers and admins can manage subscription lists."))


@login_required
@require_GET
def list_index(request):
    return render(
        request,
        "accounts/subscriptions/list.html",
        {
            "lists": list(selectors.subscription_lists()),
            "can_manage": may_manage_subscription_lists(request.user),
        },
    )


def _form_values(form) -> dict:
    data = form.cleaned_data
    return {
        "name": data["name"],
        "description": data.get("description") or "",
        "is_public": bool(data.get("is_public")),
    }


@login_required
@require_http_methods(["GET", "POST"])
def list_create(request):
    _check_manage(request)
    form = SubscriptionListForm(request.POST or None, initial={"is_public": True})
    if request.method == "POST" and form.is_valid():
        try:
            services.subscription_list_create(user=request.user, **_form_values(form))
        except ApplicationError as exc:
            form.add_application_error(exc)
        else:
            return htmx_finish(
                request,
                message=_("Subscription list created."),
                redirect_to=reverse("subscriptions:list"),
            )
    return render(
        request,
        "accounts/subscriptions/form.html",
        {"form": form, "subscription_list": None},
        status=(getattr(form, "error_status", 400) if form.errors else 200),
    )


@login_required
@require_http_methods(["GET", "POST"])
def list_edit(request, pk: int):
    _check_manage(request)
    subscription_list = get_object_or_404(SubscriptionList, pk=pk)
    form = SubscriptionListForm(
        request.POST or None,
        initial={
            "name": subscription_list.name,
            "description": subscription_list.description,
            "is_public": subscription_list.is_public,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.subscription_list_update(
                user=request.user, subscription_list=subscription_list, **_form_values(form)
            )
        except ApplicationError as exc:
            form.add_application_error(exc)
        else:
            return htmx_finish(
                request,
                message=_("Subscription list saved."),
                redirect_to=reverse("subscriptions:list"),
            )
    return render(
        request,
        "accounts/subscriptions/form.html",
        {"form": form, "subscription_list": subscription_list},
        status=(getattr(form, "error_status", 400) if form.errors else 200),
    )


@login_required
@require_http_methods(["GET", "POST"])
def list_delete(request, pk: int):
    _check_manage(request)
    subscription_list = get_object_or_404(selectors.subscription_lists(), pk=pk)
    if request.method == "POST":
        count = services.subscription_list_delete(
            user=request.user, subscription_list=subscription_list
        )
        return htmx_finish(
            request,
            message=_("List deleted; %(count)s members taken off it.") % {"count": count},
            redirect_to=reverse("subscriptions:list"),
        )
    return render(
        request, "accounts/subscriptions/delete.html", {"subscription_list": subscription_list}
    )


# --- the contact page's panel ---------------------------------------------------------


def _panel(request, contact: Contact, *, form=None, status: int = 200, notice: str = ""):
    history = (
        ConsentChange.objects.filter(contact=contact, field=SUBSCRIPTION_FIELD)
        .select_related("user")
        .order_by("-occurred_at", "-id")[:5]
    )
    return render(
        request,
        "accounts/subscriptions/_panel.html",
        {
            "contact": contact,
            "memberships": list(selectors.contact_memberships(contact)),
            "addable": list(selectors.lists_to_add(contact)),
            "can_edit": may_write(request.user, contact),
            "form": form or MembershipForm(),
            "history": list(history),
            "notice": notice,
        },
        status=status,
    )


@login_required
@require_GET
def contact_panel(request, pk: int):
    contact = get_object_or_404(Contact, pk=pk)
    return _panel(request, contact)


@login_required
@require_POST
def contact_membership(request, pk: int):
    """Add to or remove from a list (``subscribed`` 1 or 0), through the consent service."""
    contact = get_object_or_404(Contact, pk=pk)
    form = MembershipForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.membership_set(
                user=request.user,
                contact=contact,
                subscription_list=data["subscription_list"],
                subscribed=data["subscribed"],
                reason=data.get("consent_reason") or "",
            )
        except ApplicationError as exc:
            form.add_application_error(exc)
        else:
            message = (
                _("Added to “%(name)s”.") if data["subscribed"] else _("Removed from “%(name)s”.")
            ) % {"name": data["subscription_list"].name}
            if not request.htmx:
                return htmx_finish(
                    request,
                    message=message,
                    redirect_to=reverse("accounts:contact_detail", args=[contact.pk]),
                )
            return _panel(request, contact, notice=message)
    return _panel(request, contact, form=form, status=getattr(form, "error_status", 400))


# --- the public subscription centre ---------------------------------------------------


@csrf_exempt  # RFC 8058 one-click POSTs come from mail providers; the signed link is the key
@require_http_methods(["GET", "POST"])
def centre(request, token: str):
    link = centre_token_read(token)
    contact = selectors.centre_contact(link.contact_id) if link else None
    if contact is None:
        raise Http404
    lists = selectors.centre_lists(contact)
    notice, status = "", 200
    form = CentreForm(
        initial={
            "lists": [sl.pk for sl in lists if sl.is_member],
            "allow_tracking": contact.follow_email,
        },
        lists=lists,
    )
    if request.method == "POST":
        action = request.POST.get("action", "")
        if request.POST.get("List-Unsubscribe") == "One-Click":
            services.centre_one_click(
                contact=contact, sales_email_id=link.sales_email_id, list_id=link.list_id
            )
            notice = _("You are unsubscribed.")
        elif action == "unsubscribe_all":
            services.centre_unsubscribe_all(contact=contact, sales_email_id=link.sales_email_id)
            notice = _("You are unsubscribed from all marketing email.")
        elif action == "resubscribe":
            services.centre_resubscribe(contact=contact, sales_email_id=link.sales_email_id)
            notice = _("Welcome back: marketing email is on again for the lists you chose.")
        elif action == "save":
            form = CentreForm(request.POST, lists=lists)
            if form.is_valid():
                try:
                    services.centre_save(
                        contact=contact,
                        list_ids=set(form.cleaned_data["lists"]),
                        allow_tracking=form.cleaned_data["allow_tracking"],
                        sales_email_id=link.sales_email_id,
                    )
                except ApplicationError as exc:
                    form.add_error(None, exc.message)
                else:
                    notice = _("Your choices are saved.")
            if form.errors:
                status = 400
        else:
            status = 400
            notice = _("Choose what to change.")
        if not form.errors:
            contact.refresh_from_db()
            lists = selectors.centre_lists(contact)
            form = CentreForm(
                initial={
                    "lists": [sl.pk for sl in lists if sl.is_member],
                    "allow_tracking": contact.follow_email,
                },
                lists=lists,
            )
    if form.is_bound:  # a refused save shows what the contact ticked
        checked = {int(v) for v in request.POST.getlist("lists") if v.isdecimal()}
        tracking_on = bool(request.POST.get("allow_tracking"))
    else:
        checked = {sl.pk for sl in lists if sl.is_member}
        tracking_on = contact.follow_email
    return render(
        request,
        "accounts/subscriptions/centre.html",
        {
            "contact": contact,
            "lists": lists,
            "form": form,
            "notice": notice,
            "checked": checked,
            "tracking_on": tracking_on,
        },
        status=status,
    )
