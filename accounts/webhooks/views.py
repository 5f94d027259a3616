"""The webhook pages (admins): subscriptions, their delivery log, replay, ping, rotation.

A new secret (at creation or rotation) is shown once: the write puts it in the session,
the subscription page takes it out as it shows it.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from abm.exceptions import ApplicationError
from abm.pages import htmx_finish
from abm.paging import Sort, list_page
from abm.permissions import may_manage_webhooks
from accounts.models import WebhookDelivery, WebhookSubscription
from accounts.webhooks import selectors, services
from accounts.webhooks.filters import EVENT_TYPE_CHOICES, WebhookDeliveryFilter
from accounts.webhooks.forms import WebhookSubscriptionForm
from accounts.webhooks.sender import body_bytes
from accounts.webhooks.signing import DELIVERY_HEADER, EVENT_HEADER, SIGNATURE_HEADER

_SECRET_KEY = "webhooks_new_secret"
EVENT_LABELS = dict(EVENT_TYPE_CHOICES)
SORTS = {"created": Sort(gettext_lazy("Created"), ("id",), descending=True)}


def _check(request) -> None:
    if not may_manage_webhooks(request.user):
        raise PermissionDenied(_("Only admins can manage webhooks."))


def _subscription(request, pk: int) -> WebhookSubscription:
    _check(request)
    return get_object_or_404(WebhookSubscription.objects.select_related("owner"), pk=pk)


def _secret_show_once(request, subscription: WebhookSubscription, secret: str) -> None:
    request.session[_SECRET_KEY] = {"id": subscription.pk, "secret": secret}


@login_required
@require_GET
def webhook_list(request):
    _check(request)
    subscriptions = list(selectors.subscription_list())
    for subscription in subscriptions:
        subscription.event_labels = [EVENT_LABELS.get(k, k) for k in subscription.event_types]
    return render(request, "accounts/webhooks/list.html", {"subscriptions": subscriptions})


def _form_values(form) -> dict:
    data = form.cleaned_data
    return {
        "url": data["url"],
        "event_types": list(data["event_types"]),
        "description": data.get("description") or "",
        "owner": data["owner"],
        "is_active": bool(data.get("is_active")),
    }


@login_required
@require_http_methods(["GET", "POST"])
def webhook_create(request):
    _check(request)
    form = WebhookSubscriptionForm(
        request.POST or None, initial={"owner": request.user.pk, "is_active": True}
    )
    if request.method == "POST" and form.is_valid():
        try:
            subscription, secret = services.subscription_create(
                user=request.user, **_form_values(form)
            )
        except ApplicationError as exc:
            form.add_application_error(exc)
        else:
            _secret_show_once(request, subscription, secret)
            return htmx_finish(
                request,
                message=_("Webhook created. Copy its signing secret now."),
                redirect_to=reverse("webhooks:detail", args=[subscription.pk]),
            )
    return render(
        request,
        "accounts/webhooks/form.html",
        {"form": form, "subscription": None},
        status=(getattr(form, "error_status", 400) if form.errors else 200),
    )


@login_required
@require_http_methods(["GET", "POST"])
def webhook_edit(request, pk: int):
    subscription = _subscription(request, pk)
    form = WebhookSubscriptionForm(
        request.POST or None,
        initial={
            "url": subscription.url,
            "description": subscription.description,
            "event_types": subscription.event_types,
            "owner": subscription.owner_id,
            "is_active": subscription.is_active,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.subscription_update(
                user=request.user, subscription=subscription, **_form_values(form)
            )
        except ApplicationError as exc:
            form.add_application_error(exc)
        else:
            return htmx_finish(
                request,
                message=_("Webhook saved."),
                redirect_to=reverse("webhooks:detail", args=[subscription.pk]),
            )
    return render(
        request,
        "accounts/webhooks/form.html",
        {"form": form, "subscription": subscription},
        status=(getattr(form, "error_status", 400) if form.errors else 200),
    )


@login_required
@require_GET
def webhook_detail(request, pk: int):
    subscription = _subscription(request, pk)
    new_secret = None
    shown = request.session.get(_SECRET_KEY)
    if isinstance(shown, dict) and shown.get("id") == subscription.pk:
        new_secret = shown.get("secret")
        del request.session[_SECRET_KEY]
    context = list_page(
        request,
        queryset=selectors.delivery_list(subscription),
        filterset_class=WebhookDeliveryFilter,
        sorts=SORTS,
        default_sort="-created",
    )
    for row in context["rows"]:
        row.event_label = EVENT_LABELS.get(row.event_type, row.event_type)
    if context["cursor_error"]:
        messages.error(request, context["cursor_error"])
    context.update(
        subscription=subscription,
        new_secret=new_secret,
        event_labels=[EVENT_LABELS.get(k, k) for k in subscription.event_types],
        statuses=WebhookDelivery.Status.choices,
        event_choices=EVENT_TYPE_CHOICES,
        in_grace=len(services.subscription_secrets(subscription, timezone.now())) > 1,
    )
    bad = bool(context["filter_errors"] or context["cursor_error"])
    return render(request, "accounts/webhooks/detail.html", context, status=400 if bad else 200)


@login_required
@require_GET
def delivery_detail(request, pk: int, delivery_pk: int):
    subscription = _subscription(request, pk)
    delivery = get_object_or_404(WebhookDelivery, pk=delivery_pk, subscription=subscription)
    return render(
        request,
        "accounts/webhooks/delivery.html",
        {
            "subscription": subscription,
            "delivery": delivery,
            "event_label": EVENT_LABELS.get(delivery.event_type, delivery.event_type),
            "body": body_bytes(delivery.body).decode(),
            "headers": [
                ("Content-Type", "application/json"),
                (SIGNATURE_HEADER, "t=…,v1=…"),
                (EVENT_HEADER, delivery.event_type),
                (DELIVERY_HEADER, str(delivery.pk)),
            ],
        },
    )


@login_required
@require_POST
def webhook_rotate(request, pk: int):
    subscription = _subscription(request, pk)
    secret = services.subscription_rotate_secret(user=request.user, subscription=subscription)
    _secret_show_once(request, subscription, secret)
    return htmx_finish(
        request,
        message=_("New signing secret made. The old one keeps signing too for %(hours)s hours.")
        % {"hours": f"{services.rotation_grace().total_seconds() / 3600:g}"},
        redirect_to=reverse("webhooks:detail", args=[subscription.pk]),
    )


@login_required
@require_POST
def webhook_delete(request, pk: int):
    subscription = _subscription(request, pk)
    name = str(subscription)
    services.subscription_delete(user=request.user, subscription=subscription)
    return htmx_finish(
        request,
        message=_("Webhook “%(name)s” deleted.") % {"name": name},
        redirect_to=reverse("webhooks:list"),
    )


@login_required
@require_POST
def webhook_ping(request, pk: int):
    subscription = _subscription(request, pk)
    delivery = services.subscription_ping(user=request.user, subscription=subscription)
    if delivery.status == WebhookDelivery.Status.SUCCEEDED:
        message, level = (
            _("Ping delivered: HTTP %(code)s in %(ms)s ms.")
            % {"code": delivery.response_code, "ms": delivery.response_ms},
            "success",
        )
    else:
        message, level = (
            _("Ping failed: %(error)s") % {"error": delivery.last_error},
            "error",
        )
    return htmx_finish(
        request,
        message=message,
        level=level,
        redirect_to=reverse("webhooks:detail", args=[subscription.pk]),
    )


@login_required
@require_POST
def delivery_replay(request, pk: int, delivery_pk: int):
    subscription = _subscription(request, pk)
    delivery = get_object_or_404(WebhookDelivery, pk=delivery_pk, subscription=subscription)
    try:
        services.delivery_replay(user=request.user, delivery=delivery)
    except ApplicationError as exc:
        return htmx_finish(
            request,
            message=exc.message,
            level="error",
            redirect_to=reverse("webhooks:detail", args=[subscription.pk]),
        )
    return htmx_finish(
        request,
        message=_("Delivery queued for a new attempt."),
        redirect_to=reverse("webhooks:detail", args=[subscription.pk]),
    )
