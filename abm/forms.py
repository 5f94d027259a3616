"""The one form base every page uses to show a service's ``ApplicationError``.

A page validates the shape of its input with a form and calls a service; when the
service refuses (``ApplicationError(message, field=…, extra=…)``), the form shows the
message on the field it names, or above the form when the form has no such field::

    class AccountForm(ServiceForm): ...

    try:
        services.account_create(user=request.user, data=form.cleaned_data)
    except ApplicationError as exc:
        form.add_application_error(exc)

``abm.pages.form_submit`` does this round trip (and the flash and redirect) in one call.
"""

from __future__ import annotations

from django import forms

from abm.exceptions import ApplicationError


class ApplicationErrorFormMixin:
    """Puts a service's ApplicationError on a form."""

    def add_application_error(self, exc: ApplicationError) -> None:
        """Show ``exc`` on the field it names (``field``, ``extra``), else on the form."""
        # A page may answer with the refusal's status (403 for a role), as the API does.
        self.error_status = exc.status_code
        self.add_error(self._field_or_none(exc.field), exc.message)
        for field, detail in (exc.extra or {}).items():
            if field == exc.field or field not in self.fields:
                continue  # keys such as "rows" are structured detail, not form fields
            for message in detail if isinstance(detail, list | tuple) else [detail]:
                if isinstance(message, str):
                    self.add_error(field, message)

    def _field_or_none(self, field: str | None) -> str | None:
        return field if field and field in self.fields else None


class ServiceForm(ApplicationErrorFormMixin, forms.Form):
    """A plain form whose data a service writes."""


class ServiceModelForm(ApplicationErrorFormMixin, forms.ModelForm):
    """A model form whose data a service writes (the form never saves by itself)."""
