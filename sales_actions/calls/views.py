"""The call pages: the call-log dialog (what every ``tel:`` link also opens), a call's card,
the global calls page, the calls panels of record pages and the outcome list (admins).

Logging a call answers the htmx event ``callLogged``: the calls and tasks panels and the
tasks page refresh on it.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from abm.exceptions import ApplicationError
from abm.filters import IdField
from abm.pages import htmx_finish, safe_next_url
from abm.paging import Key, Sort, list_page
from abm.permissions import may_manage_call_outcomes, may_write
from accounts.models import Account, Contact, Opportunity, Task
from sales_actions.calls import selectors, services
from sales_actions.calls.filters import CallFilter
from sales_actions.calls.forms import CallEditForm, CallLogForm, CallOutcomeForm
from sales_actions.calls.models import Call, CallOutcome
from sales_actions.dialer import dialer_get, tel_uri

LOGGED = "callLogged"

SORTS = {
    "started": Sort(gettext_lazy("Call time"), ("started_at",), descending=True),
    "duration": Sort(
        gettext_lazy("Duration"), (Key("duration_seconds", nulls="low"),), descending=True
    ),
}


def _url_or_empty(name: str, *args) -> str:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


def _id_param(request, name: str, *, required: bool = False):
    """``?name=<id>`` as an int; a bad value is a 400 naming it."""
    raw = request.POST.get(name) or request.GET.get(name)
    if not raw:
        if required:
            raise ApplicationError(_("%(name)s is required.") % {"name": name}, field=name)
        return None
    try:
        return IdField().clean(raw)
    except Exception as exc:  # noqa: BLE001 - any invalid id is the caller's error
        raise ApplicationError(
            _("%(name)s must be a record id.") % {"name": name}, field=name
        ) from exc


def _dialog(request, template: str, context: dict, *, action: str, status: int = 200):
    context.update(
        dialog_base=(
            "accounts/_dialog_fragment.html" if request.htmx else "accounts/_dialog_page.html"
        ),
        dialog_action=action,
        next_url=safe_next_url(request, reverse("calls:call_list")),
    )
    return render(request, template, context, status=status)


# --- The call-log dialog ---------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def call_log_dialog(request):
    """Log a call with a contact: opened by a ``tel:`` link, a panel or a done call task."""
    contact = get_object_or_404(
        Contact.objects.select_related("account"), pk=_id_param(request, "contact", required=True)
    )
    task_id = _id_param(request, "task")
    task = get_object_or_404(Task, pk=task_id) if task_id else None
    deal_id = _id_param(request, "opportunity")
    opportunity = get_object_or_404(Opportunity, pk=deal_id) if deal_id else None
    number = (request.GET.get("number") or "").strip()[:50] or contact.phone
    form = CallLogForm(request.POST or None, user=request.user, initial={"number": number})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            call = services.call_log(
                user=request.user,
                contact=contact,
                number=data["number"],
                direction=data["direction"],
                status=data["status"],
                outcome=data.get("outcome"),
                notes=data.get("notes") or "",
                started_at=data["started_at"],
                duration_seconds=data.get("duration"),
                recording_url=data.get("recording_url") or "",
                caller=data.get("caller"),
                opportunity=opportunity,
                task=task,
            )
        except ApplicationError as exc:
            form.add_application_error(exc)
        else:
            return htmx_finish(
                request,
                message=_("Call with %(name)s logged.") % {"name": contact},
                redirect_to=safe_next_url(
                    request, reverse("accounts:contact_detail", args=[contact.pk])
                ),
                events={"closeModal": True, LOGGED: {"call": call.pk, "contact": contact.pk}},
            )
    query = {"contact": contact.pk}
    if task:
        query["task"] = task.pk
    if opportunity:
        query["opportunity"] = opportunity.pk
    dialer = dialer_get()
    return _dialog(
        request,
        "sales_actions/calls/dialog_log.html",
        {
            "form": form,
            "contact": contact,
            "task": task,
            "opportunity": opportunity,
            "tel": tel_uri(number or ""),
            "dialer_places_calls": dialer.reports_status,
            "place_url": reverse("calls:call_place") + "?" + urlencode(query),
        },
        action=reverse("calls:call_log_dialog") + "?" + urlencode(query),
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def call_place(request):
    """Dial through the configured backend; the answer is the new call's card."""
    contact = get_object_or_404(Contact, pk=_id_param(request, "contact", required=True))
    deal_id = _id_param(request, "opportunity")
    task_id = _id_param(request, "task")
    try:
        call, placed = services.call_place(
            user=request.user,
            contact=contact,
            opportunity=get_object_or_404(Opportunity, pk=deal_id) if deal_id else None,
            task=get_object_or_404(Task, pk=task_id) if task_id else None,
        )
    except ApplicationError as exc:
        return htmx_finish(
            request,
            message=exc.message,
            level="error",
            redirect_to=reverse("accounts:contact_detail", args=[contact.pk]),
            events={},
        )
    if call is None:  # the built-in dialer: the rep's phone dials
        return htmx_finish(
            request,
            message=_("Dial %(uri)s on your phone, then log the call.") % {"uri": placed.dial_uri},
            redirect_to=reverse("accounts:contact_detail", args=[contact.pk]),
            events={},
        )
    return _card(request, call, placed_now=True)


# --- A call's card ---------------------------------------------------------------------------


def _call_or_404(request, pk: int) -> Call:
    try:
        return selectors.call_detail(user=request.user, pk=pk)
    except Call.DoesNotExist as exc:
        from django.http import Http404

        raise Http404 from exc


def _edit_form(call: Call) -> CallEditForm:
    return CallEditForm(call=call, initial={"outcome": call.outcome_id, "notes": call.notes})


def _card(request, call: Call, *, form=None, placed_now: bool = False, status: int = 200):
    can_edit = may_write(request.user, call)
    dialer = dialer_get()
    context = {
        "call": call,
        "can_edit": can_edit,
        "form": form or _edit_form(call) if can_edit else None,
        "placed_now": placed_now,
        "recording": dialer.recording_link(call=call),
        "voicemails": (
            dialer.voicemail_messages()
            if can_edit and not call.is_final and call.provider == dialer.name
            else []
        ),
        "dialog_base": (
            "accounts/_dialog_fragment.html" if request.htmx else "accounts/_dialog_page.html"
        ),
        "dialog_action": reverse("calls:call_edit", args=[call.pk]),
        "next_url": safe_next_url(request, reverse("calls:call_list")),
    }
    return render(request, "sales_actions/calls/call_card.html", context, status=status)


@login_required
@require_GET
def call_card(request, pk: int):
    return _card(request, _call_or_404(request, pk))


@login_required
@require_POST
def call_edit(request, pk: int):
    call = _call_or_404(request, pk)
    if not may_write(request.user, call):
        raise PermissionDenied(_("Only the caller or an admin can change this call."))
    form = CallEditForm(request.POST, call=call)
    if form.is_valid():
        try:
            services.call_update(
                user=request.user,
                call=call,
                notes=form.cleaned_data.get("notes") or "",
                outcome=form.cleaned_data.get("outcome"),
            )
        except ApplicationError as exc:
            form.add_application_error(exc)
        else:
            return htmx_finish(
                request,
                message=_("Call saved."),
                redirect_to=safe_next_url(request, reverse("calls:call_list")),
                events={"closeModal": True, LOGGED: {"call": call.pk, "contact": call.contact_id}},
            )
    return _card(request, call, form=form, status=400)


@login_required
@require_POST
def call_voicemail(request, pk: int):
    """Drop a pre-recorded voicemail into a call the dialer placed."""
    call = _call_or_404(request, pk)
    try:
        services.call_voicemail_drop(
            user=request.user, call=call, message_key=request.POST.get("message", "")
        )
    except ApplicationError as exc:
        if not request.htmx:
            messages.error(request, exc.message)
        return htmx_finish(
            request,
            message=exc.message if request.htmx else None,
            level="error",
            redirect_to=reverse("calls:call_card", args=[call.pk]),
            events={} if request.htmx else None,
        )
    return htmx_finish(
        request,
        message=_("Voicemail dropped."),
        redirect_to=reverse("calls:call_card", args=[call.pk]),
        events={"closeModal": True, LOGGED: {"call": call.pk, "contact": call.contact_id}},
    )


# --- The calls page --------------------------------------------------------------------


@login_required
@require_GET
def call_list(request):
    context = list_page(
        request,
        queryset=selectors.call_list(user=request.user),
        filterset_class=CallFilter,
        sorts=SORTS,
        default_sort="-started",
    )
    context.update(
        outcomes=selectors.call_outcome_list(),
        callers=selectors.call_callers(),
        statuses=Call.Status.choices,
        can_manage_outcomes=may_manage_call_outcomes(request.user),
    )
    bad = bool(context["filter_errors"] or context["cursor_error"])
    if context["cursor_error"]:
        messages.error(request, context["cursor_error"])
    return render(
        request, "sales_actions/calls/call_list.html", context, status=400 if bad else 200
    )


# --- Record panels ---------------------------------------------------------------------


def _panel(request, *, calls, log_query: dict | None, record_url: str, record_filter: dict):
    context = {
        "calls": calls,
        "log_url": (
            reverse("calls:call_log_dialog") + "?" + urlencode(log_query) if log_query else ""
        ),
        "next_url": record_url,
        "all_url": reverse("calls:call_list") + "?" + urlencode(record_filter),
    }
    return render(request, "sales_actions/calls/_panel.html", context)


@login_required
@require_GET
def contact_calls(request, pk: int):
    contact = get_object_or_404(Contact, pk=pk)
    return _panel(
        request,
        calls=selectors.record_calls(user=request.user, contact_id=contact.pk),
        log_query={"contact": contact.pk},
        record_url=reverse("accounts:contact_detail", args=[pk]),
        record_filter={"contact": contact.pk},
    )


@login_required
@require_GET
def account_calls(request, pk: int):
    account = get_object_or_404(Account, pk=pk)
    return _panel(
        request,
        calls=selectors.record_calls(user=request.user, account_id=account.pk),
        log_query=None,  # a call is with a person: log it from a phone number or a contact
        record_url=reverse("accounts:account_detail", args=[pk]),
        record_filter={"account": account.pk},
    )


@login_required
@require_GET
def opportunity_calls(request, pk: int):
    deal = get_object_or_404(Opportunity, pk=pk)
    return _panel(
        request,
        calls=selectors.record_calls(user=request.user, opportunity=deal),
        log_query=None,
        record_url=_url_or_empty("accounts:opportunity_detail", pk),
        record_filter={"opportunity": deal.pk},
    )


# --- The outcome list (admins) ---------------------------------------------------------


def _check_outcomes_admin(request) -> None:
    if not may_manage_call_outcomes(request.user):
        raise PermissionDenied(_("Only admins can change the call outcomes."))


@login_required
@require_http_methods(["GET", "POST"])
def outcome_list(request):
    _check_outcomes_admin(request)
    form = CallOutcomeForm(request.POST or None, prefix="new")
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            outcome = services.call_outcome_create(
                user=request.user,
                name=data["name"],
                description=data.get("description") or "",
                position=data.get("position") or 0,
                is_active=data.get("is_active", True),
            )
        except ApplicationError as exc:
            form.add_application_error(exc)
        else:
            return htmx_finish(
                request,
                message=_("Outcome “%(name)s” added.") % {"name": outcome.name},
                redirect_to=reverse("calls:outcome_list"),
            )
    outcomes = list(selectors.call_outcome_list())
    return render(
        request,
        "sales_actions/calls/outcomes.html",
        {"form": form, "outcomes": outcomes},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def outcome_edit(request, pk: int):
    _check_outcomes_admin(request)
    outcome = get_object_or_404(CallOutcome, pk=pk)
    form = CallOutcomeForm(
        request.POST or None,
        initial={
            "name": outcome.name,
            "description": outcome.description,
            "position": outcome.position,
            "is_active": outcome.is_active,
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.call_outcome_update(
                user=request.user,
                outcome=outcome,
                name=data["name"],
                description=data.get("description") or "",
                position=data.get("position") or 0,
                is_active=data.get("is_active", False),
            )
        except ApplicationError as exc:
            form.add_application_error(exc)
        else:
            return htmx_finish(
                request,
                message=_("Outcome “%(name)s” saved.") % {"name": outcome.name},
                redirect_to=reverse("calls:outcome_list"),
            )
    return _dialog(
        request,
        "sales_actions/calls/dialog_outcome.html",
        {"form": form, "outcome": outcome},
        action=reverse("calls:outcome_edit", args=[outcome.pk]),
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def outcome_delete(request, pk: int):
    _check_outcomes_admin(request)
    outcome = get_object_or_404(CallOutcome, pk=pk)
    try:
        services.call_outcome_delete(user=request.user, outcome=outcome)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return htmx_finish(request, message=None, redirect_to=reverse("calls:outcome_list"))
    return htmx_finish(
        request,
        message=_("Outcome “%(name)s” deleted.") % {"name": outcome.name},
        redirect_to=reverse("calls:outcome_list"),
    )
