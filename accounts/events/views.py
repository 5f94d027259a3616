"""Event pages: the list, an event with its registrations and report, the forms, the
import, and the two sections of a contact's page (event information, events attended)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from abm.exceptions import ApplicationError
from abm.pages import form_submit, htmx_finish
from abm.paging import list_page
from abm.permissions import may_manage_events, may_register_for_event
from accounts.events import selectors, services
from accounts.events.forms import EventForm, ImportForm, RegisterForm, RegistrationFilterForm
from accounts.models import Contact, EventRegistration, MarketingEvent
from accounts.services.imports import ImportRejected, import_upload_read


def _forbidden(request, message: str) -> HttpResponse:
    return render(request, "accounts/events/forbidden.html", {"message": message}, status=403)


@login_required
def event_list(request):
    context = list_page(
        request,
        queryset=selectors.event_list(),
        sorts=selectors.EVENT_SORTS,
        default_sort="-starts",
    )
    context["can_manage"] = may_manage_events(request.user)
    status = 400 if context.get("cursor_error") else 200
    return render(request, "accounts/events/list.html", context, status=status)


def _event_form_page(request, form, event=None):
    status = getattr(form, "error_status", 400) if form.errors else 200
    return render(
        request, "accounts/events/form.html", {"form": form, "event": event}, status=status
    )


@login_required
def event_create(request):
    if not may_manage_events(request.user):
        return _forbidden(request, _("Only marketers and admins can create events."))
    form = EventForm(request.POST or None)
    done = form_submit(
        request,
        form,
        lambda f: services.event_create(user=request.user, data=f.service_data()),
        message=lambda e: _("Event “%(name)s” created.") % {"name": e.name},
        redirect_to=lambda e: reverse("events:detail", args=[e.pk]),
    )
    return done or _event_form_page(request, form)


@login_required
def event_edit(request, pk: int):
    event = get_object_or_404(MarketingEvent, pk=pk)
    if not may_manage_events(request.user):
        return _forbidden(request, _("Only marketers and admins can edit events."))
    form = EventForm(request.POST or None, initial=EventForm.initial_of(event))
    done = form_submit(
        request,
        form,
        lambda f: services.event_update(user=request.user, event=event, data=f.service_data(event)),
        message=lambda e: _("Event “%(name)s” saved.") % {"name": e.name},
        redirect_to=lambda e: reverse("events:detail", args=[e.pk]),
        on_error=lambda: event.refresh_from_db(),
    )
    return done or _event_form_page(request, form, event)


@login_required
def event_delete(request, pk: int):
    event = get_object_or_404(MarketingEvent, pk=pk)
    if not may_manage_events(request.user):
        return _forbidden(request, _("Only marketers and admins can delete events."))
    if request.method == "POST":
        services.event_delete(user=request.user, event=event)
        return htmx_finish(
            request,
            message=_("Event “%(name)s” deleted.") % {"name": event.name},
            redirect_to=reverse("events:list"),
        )
    return render(request, "accounts/events/confirm_delete.html", {"event": event})


def _chart(report: dict) -> dict:
    counts = report["counts"]
    return {
        "labels": [_("Registered"), _("Attended"), _("Waitlisted"), _("Cancelled")],
        "values": [
            counts["registered"],
            counts["attended"],
            counts["waitlisted"],
            counts["cancelled"],
        ],
    }


@login_required
def event_detail(request, pk: int):
    event = get_object_or_404(MarketingEvent.objects.select_related("campaign"), pk=pk)
    queryset = selectors.registration_list(event)
    filters = RegistrationFilterForm(request.GET or None)
    status = filters.cleaned_data.get("status") if filters.is_valid() else ""
    if status == "attended":
        queryset = queryset.filter(checked_in_at__isnull=False)
    elif status:
        queryset = queryset.filter(status=status)
    context = list_page(
        request,
        queryset=queryset,
        sorts=selectors.REGISTRATION_SORTS,
        default_sort="-registered",
    )
    report = selectors.event_report(event)
    context.update(
        event=event,
        report=report,
        chart=_chart(report),
        filters=filters,
        can_manage=may_manage_events(request.user),
    )
    for registration in context["rows"]:
        registration.may_change = may_register_for_event(request.user, registration.contact)
    code = 400 if context.get("cursor_error") or filters.errors else 200
    return render(request, "accounts/events/detail.html", context, status=code)


@login_required
def event_register(request, pk: int):
    event = get_object_or_404(MarketingEvent, pk=pk)
    form = RegisterForm(request.POST or None, event=event)
    if request.method == "POST" and form.is_valid():
        # Every role reads every contact (abm/permissions.py); writing is checked below.
        contact = Contact.objects.filter(email__iexact=form.cleaned_data["email"]).first()
        if contact is None:
            form.add_error("email", _("No contact has this email: create the contact first."))
        else:
            try:
                registration = services.registration_create(
                    user=request.user, event=event, contact=contact, answers=form.answers()
                )
            except ApplicationError as exc:
                form.add_application_error(exc)
            else:
                return htmx_finish(
                    request,
                    message=_("%(name)s: %(status)s.")
                    % {
                        "name": contact.full_name or contact.email,
                        "status": registration.get_status_display(),
                    },
                    redirect_to=reverse("events:detail", args=[event.pk]),
                )
    return render(
        request,
        "accounts/events/register.html",
        {"event": event, "form": form},
        status=getattr(form, "error_status", 400) if form.errors else 200,
    )


def _registration(pk: int, registration_id: int) -> EventRegistration:
    return get_object_or_404(
        EventRegistration.objects.select_related("event", "contact"),
        pk=registration_id,
        event_id=pk,
    )


@login_required
@require_POST
def registration_check_in(request, pk: int, registration_id: int):
    registration = _registration(pk, registration_id)
    try:
        _checked, now_in = services.registration_check_in(
            user=request.user, event=registration.event, contact=registration.contact
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("events:detail", pk)
    name = registration.contact.full_name or registration.contact.email
    message = (_("%(name)s checked in.") if now_in else _("%(name)s had already checked in.")) % {
        "name": name
    }
    return htmx_finish(request, message=message, redirect_to=reverse("events:detail", args=[pk]))


@login_required
@require_POST
def registration_cancel(request, pk: int, registration_id: int):
    registration = _registration(pk, registration_id)
    try:
        promoted = services.registration_cancel(user=request.user, registration=registration)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("events:detail", pk)
    message = _("Registration cancelled.")
    if promoted:
        message += " " + _("%(name)s moved up from the waitlist.") % {
            "name": ", ".join(r.contact.full_name or r.contact.email for r in promoted)
        }
    return htmx_finish(request, message=message, redirect_to=reverse("events:detail", args=[pk]))


@login_required
def event_import(request, pk: int):
    event = get_object_or_404(MarketingEvent, pk=pk)
    if not may_manage_events(request.user):
        return _forbidden(request, _("Only marketers and admins can import registrations."))
    form = ImportForm(request.POST or None, request.FILES or None)
    rejected, result, status = None, None, 200
    if request.method == "POST" and form.is_valid():
        try:
            result = services.registrations_import(
                user=request.user, event=event, raw=import_upload_read(form.cleaned_data["file"])
            )
        except ImportRejected as exc:
            rejected, status = exc, 400
            form.add_error("file", exc.message)
        except ApplicationError as exc:
            form.add_application_error(exc)
            status = exc.status_code
        else:
            messages.success(
                request,
                _("Imported %(rows)s rows: %(registered)s registered, %(attended)s attended.")
                % result,
            )
    elif form.errors:
        status = 400
    columns = services.IMPORT_COLUMNS + [q["key"] for q in event.questions]
    return render(
        request,
        "accounts/events/import.html",
        {"event": event, "form": form, "rejected": rejected, "result": result, "columns": columns},
        status=status,
    )


# --- The contact page's sections (record panels) ------------------------------------


def _contact(request, pk: int) -> Contact:
    return get_object_or_404(Contact, pk=pk)


@login_required
def contact_event_information(request, pk: int):
    registrations = [
        r for r in selectors.contact_registrations(_contact(request, pk)) if r.answer_rows
    ]
    return render(
        request, "accounts/events/_contact_information.html", {"registrations": registrations}
    )


@login_required
def contact_events_attended(request, pk: int):
    registrations = selectors.contact_registrations(_contact(request, pk))
    return render(
        request, "accounts/events/_contact_attended.html", {"registrations": registrations}
    )
