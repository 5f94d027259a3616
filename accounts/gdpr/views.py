"""The admins' "Personal data" page of a contact: what the hub holds, the JSON export,
and the confirmed erasure."""

from __future__ import annotations

import json

from django import forms
from django.apps import apps
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from abm.exceptions import ApplicationError
from abm.forms import ServiceForm
from abm.pages import htmx_finish
from abm.permissions import may_handle_personal_data
from accounts.gdpr import services
from accounts.models import Contact, ErasureRecord


class EraseForm(ServiceForm):
    confirm = forms.CharField(
        label=gettext_lazy("Type the contact's email address to confirm"), max_length=254
    )

    def __init__(self, *args, contact: Contact, **kwargs):
        super().__init__(*args, **kwargs)
        self.contact = contact

    def clean_confirm(self):
        value = self.cleaned_data["confirm"].strip()
        if value.lower() != (self.contact.email or "").lower():
            raise forms.ValidationError(_("That is not this contact's email address."))
        return value


def _contact(request, pk: int) -> Contact:
    if not may_handle_personal_data(request.user):
        raise PermissionDenied(_("Only admins can export or erase a person's data."))
    return get_object_or_404(Contact, pk=pk)


@login_required
@require_http_methods(["GET", "POST"])
def personal_data(request, pk: int):
    contact = _contact(request, pk)
    erasure = ErasureRecord.objects.filter(contact_id=contact.pk).first()
    form = EraseForm(request.POST or None, contact=contact)
    if request.method == "POST" and erasure is None and form.is_valid():
        try:
            services.person_erase(user=request.user, contact=contact)
        except ApplicationError as exc:
            form.add_application_error(exc)
        else:
            return htmx_finish(
                request,
                message=_("The person is erased."),
                redirect_to=reverse("gdpr:contact", args=[contact.pk]),
            )
    export = services.person_export(user=request.user, contact=contact)
    return render(
        request,
        "accounts/gdpr/personal_data.html",
        {
            "contact": contact,
            "erasure": erasure,
            "form": form,
            "counts": _labelled(export["counts"]),
        },
        status=(getattr(form, "error_status", 400) if form.errors else 200),
    )


def _labelled(counts: dict[str, int]) -> list[tuple[str, str, int]]:
    """(the model's name as people say it, its app.model code, rows), by name."""
    rows = []
    for label, count in counts.items():
        model = apps.get_model(label)
        name = str(model._meta.verbose_name_plural)
        rows.append((name[:1].upper() + name[1:], label, count))
    return sorted(rows)


@login_required
@require_GET
def personal_data_export(request, pk: int):
    contact = _contact(request, pk)
    data = services.person_export(user=request.user, contact=contact)
    response = HttpResponse(
        json.dumps(data, indent=2, ensure_ascii=False), content_type="application/json"
    )
    response["Content-Disposition"] = f'attachment; filename="contact-{contact.pk}-export.json"'
    response["Cache-Control"] = "no-store, private"
    return response
