"""The records' business rules, each written once with one wording."""

from __future__ import annotations

from django.utils.translation import gettext as _

from abm.exceptions import ApplicationError
from accounts.models import (
    Account,
    Contact,
    Lead,
)


def _domain_taken(domain: str, *, exclude_pk: int | None) -> bool:
    return Account.objects.filter(domain=domain).exclude(pk=exclude_pk).exists()


def _email_taken(email: str, *, exclude_pk: int | None) -> bool:
    return Contact.objects.filter(email__iexact=email).exclude(pk=exclude_pk).exists()


def _rule_error(instance, field: str) -> ApplicationError:
    """The one message of the rule on ``field`` of ``instance`` (uniqueness, guardian)."""
    if isinstance(instance, Account) and field == "domain":
        return ApplicationError(
            _("An account with the domain %(domain)s already exists.")
            % {"domain": instance.domain},
            field="domain",
            code="unique",
        )
    if isinstance(instance, Contact) and field == "email":
        return ApplicationError(
            _("Another contact already has this email."), field="email", code="unique"
        )
    if isinstance(instance, Contact) and field == "guardian":
        return ApplicationError(_("Only a minor has a parent or guardian."), field="guardian")
    label = instance._meta.get_field(field).verbose_name
    return ApplicationError(
        _("A %(model)s with this %(field)s already exists.")
        % {"model": instance._meta.verbose_name, "field": label},
        field=field,
        code="unique",
    )


def account_rules_check(*, account: Account) -> None:
    """The rules an account must keep: a name, its own domain, not its own parent."""
    if not (account.name or "").strip():
        raise ApplicationError(_("An account needs a name."), field="name")
    if account.pk is not None and account.parent_id == account.pk:
        raise ApplicationError(_("An account cannot be its own parent."), field="parent")
    if account.domain and _domain_taken(account.domain, exclude_pk=account.pk):
        raise _rule_error(account, "domain")


def contact_rules_check(*, contact: Contact) -> None:
    """The rules a contact must keep: a unique email; a guardian only for a minor, not oneself."""
    if contact.email and _email_taken(contact.email, exclude_pk=contact.pk):
        raise _rule_error(contact, "email")
    if contact.guardian_id is not None:
        if contact.pk is not None and contact.guardian_id == contact.pk:
            raise ApplicationError(_("A contact cannot be their own guardian."), field="guardian")
        if not contact.is_minor:
            raise _rule_error(contact, "guardian")


def lead_rules_check(*, lead: Lead) -> None:
    """The rule a lead must keep: it belongs to a contact, an account, or both."""
    if lead.contact_id is None and lead.account_id is None:
        raise ApplicationError(_("A lead needs a contact or an account."), field="contact")
