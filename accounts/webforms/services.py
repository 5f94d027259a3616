"""Hosted forms: building them, and what a submission writes.

A submission, in one transaction, through the record services only:
- finds the contact by email (case-insensitive) and updates the fields the visitor filled,
  or creates it; its account is matched by the email's domain (unless a free-mail
  domain), else by the company name (case-insensitive, the oldest when several), else
  created from the company name (with the email's business domain);
- creates the lead (a contact lead: topic, product, the form's campaign) unless the contact
  already has an open lead with the same topic and product, which is reused;
- writes the ``form_submitted`` activity (subject = the form's name, the campaign);
- changes consent through ``accounts.services.consent`` only, source "form", no user (the
  contact acted). Marketing email with the form's double opt-in, and any field the
  contact had opted out of themselves, stays pending until the contact clicks the signed
  link emailed to them (``webform_opt_in_confirm``).

The records are written with the rights of the form's builder (``created_by``), owned by
the form's ``record_owner``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from abm.exceptions import ApplicationError, ForbiddenError
from abm.permissions import may_manage_webforms
from accounts.domains import normalize_domain
from accounts.models import (
    Account,
    Activity,
    Campaign,
    ConsentChange,
    Contact,
    Lead,
    Product,
    User,
    WebForm,
    WebFormSubmission,
)
from accounts.services.activities import activity_record
from accounts.services.consent import contact_consent_update, contact_opt_outs
from accounts.services.records import (
    account_create,
    account_update,
    contact_create,
    contact_update,
    lead_create,
)
from accounts.webforms.catalog import CONSENT_KEYS, CONTACT_KEYS, FIELD_CATALOG
from accounts.webforms.tokens import (  # noqa: F401 - the views and tests use them from here
    OPT_IN_SALT,
    PREFILL_SALT,
    STAMP_SALT,
    min_fill_seconds,
    opt_in_max_age,
    opt_in_submission,
    opt_in_token,
    prefill_contact,
    prefill_initial,
    prefill_token,
    prefill_url,
    rate_limit,
    rate_limited,
    spam_count,
    stamp_check,
    stamp_make,
)

log = logging.getLogger(__name__)

# Addresses at these domains say nothing about the company: the account is matched by name.
FREE_MAIL_DOMAINS = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "yahoo.com",
        "yahoo.co.uk",
        "outlook.com",
        "hotmail.com",
        "live.com",
        "msn.com",
        "icloud.com",
        "me.com",
        "aol.com",
        "proton.me",
        "protonmail.com",
        "gmx.de",
        "gmx.net",
        "web.de",
        "mail.ru",
        "yandex.ru",
        "qq.com",
        "163.com",
    }
)
OPEN_LEAD_STATUSES = (
    Lead.Status.NEW,
    Lead.Status.NURTURING,
    Lead.Status.MQL,
    Lead.Status.SALES_ACCEPTED,
)
WEBFORM_FIELDS = {
    "name",
    "fields",
    "intro",
    "submit_label",
    "thank_you_message",
    "campaign",
    "lead_topic",
    "lead_product",
    "record_owner",
    "is_active",
    "double_opt_in",
    "embed_origins",
}
LABEL_MAX = 200


# --- Building forms ----------------------------------------------------------------------


def webform_fields_check(fields) -> list[dict]:
    """The shape of a form's fields: known keys once each, email always there and required."""
    if not isinstance(fields, list):
        raise ApplicationError(_("fields must be a list."), field="fields")
    cleaned: list[dict] = []
    seen: set[str] = set()
    for spec in fields:
        if not isinstance(spec, dict):
            raise ApplicationError(_("Each field must be an object with a key."), field="fields")
        key = spec.get("key")
        if not isinstance(key, str) or key not in FIELD_CATALOG:
            raise ApplicationError(
                _("'%(key)s' is not a form field; choose from %(keys)s.")
                % {"key": key, "keys": ", ".join(FIELD_CATALOG)},
                field="fields",
            )
        if key in seen:
            raise ApplicationError(
                _("The field '%(key)s' is listed twice.") % {"key": key}, field="fields"
            )
        seen.add(key)
        label = spec.get("label") or ""
        if not isinstance(label, str) or len(label) > LABEL_MAX:
            raise ApplicationError(
                _("A field's label is text of at most %(max)s characters.") % {"max": LABEL_MAX},
                field="fields",
            )
        required = spec.get("required", False)
        if not isinstance(required, bool):
            raise ApplicationError(_("required must be true or false."), field="fields")
        cleaned.append({"key": key, "label": label.strip(), "required": required or key == "email"})
    if "email" not in seen:
        cleaned.insert(0, {"key": "email", "label": "", "required": True})
    return cleaned


def embed_origins_check(text) -> str:
    """One origin a line (https://example.com[:port]); they go into a CSP header."""
    if text is None:
        return ""
    if not isinstance(text, str):
        raise ApplicationError(_("List one site a line."), field="embed_origins")
    origins = []
    for line in text.splitlines():
        origin = line.strip().rstrip("/")
        if not origin:
            continue
        scheme, sep, host = origin.partition("://")
        if scheme not in ("http", "https") or not sep or not host:
            raise ApplicationError(
                _("'%(origin)s' is not a site address such as https://www.example.com.")
                % {"origin": origin[:100]},
                field="embed_origins",
            )
        name, _colon, port = host.partition(":")
        try:
            normalize_domain(name) if name != "localhost" else None
        except ApplicationError as exc:
            raise ApplicationError(exc.message, field="embed_origins") from exc
        if port and not port.isdecimal() or any(c in host for c in "/ ;,'\"*"):
            raise ApplicationError(
                _("'%(origin)s' is not a site address such as https://www.example.com.")
                % {"origin": origin[:100]},
                field="embed_origins",
            )
        origins.append(f"{scheme}://{host.lower()}")
    return "\n".join(dict.fromkeys(origins))


def _check_manage(user: User) -> None:
    if not may_manage_webforms(user):
        raise ForbiddenError(_("Only marketers and admins can build forms."), code="forbidden")


def _clean(data: dict) -> dict:
    data = dict(data)
    unknown = set(data) - WEBFORM_FIELDS
    if unknown:
        key = sorted(unknown)[0]
        raise ApplicationError(_("Unknown field: %(key)s.") % {"key": key}, field=key)
    if "fields" in data:
        data["fields"] = webform_fields_check(data["fields"])
    if "embed_origins" in data:
        data["embed_origins"] = embed_origins_check(data["embed_origins"])
    for name in ("name", "thank_you_message"):
        if name in data:
            value = (data[name] or "").strip()
            if not value:
                raise ApplicationError(_("This field is required."), field=name)
            data[name] = value
    owner = data.get("record_owner")
    if owner is not None and not owner.is_active:
        raise ApplicationError(_("Choose an active user."), field="record_owner")
    return data


def _save(webform: WebForm) -> None:
    try:
        webform.full_clean(exclude=["public_key", "created_by"], validate_unique=False)
    except ValidationError as exc:
        field_name, messages = next(iter(exc.message_dict.items()))
        raise ApplicationError(messages[0], field=field_name) from exc
    webform.save()


def webform_create(*, user: User, data: dict) -> WebForm:
    """A new form; its builder's rights write the records its submissions make."""
    _check_manage(user)
    data = _clean(data)
    data.setdefault("fields", webform_fields_check([]))
    webform = WebForm(created_by=user)
    for key, value in data.items():
        setattr(webform, key, value)
    _save(webform)
    return webform


def webform_update(*, user: User, webform: WebForm, data: dict) -> WebForm:
    _check_manage(user)
    data = _clean(data)
    for key, value in data.items():
        setattr(webform, key, value)
    webform.updated_at = timezone.now()
    # A form whose builder can no longer write records is taken over by who edits it.
    if not may_manage_webforms(webform.created_by):
        webform.created_by = user
    _save(webform)
    return webform


def webform_delete(*, user: User, webform: WebForm) -> None:
    """Delete a form and its stored submissions (the contacts, leads and activities stay)."""
    _check_manage(user)
    webform.delete()


def webform_actor(webform: WebForm) -> User | None:
    """Whose rights write a submission's records: the builder, while they may build forms."""
    actor = webform.created_by
    return actor if actor is not None and may_manage_webforms(actor) and actor.is_active else None


# --- Submitting ----------------------------------------------------------------------------


@dataclass
class SubmissionResult:
    submission: WebFormSubmission
    consent_changes: list[ConsentChange] = field(default_factory=list)


def _email_domain(email: str) -> str | None:
    domain = email.rsplit("@", 1)[-1].lower()
    if domain in FREE_MAIL_DOMAINS:
        return None
    try:
        return normalize_domain(domain)
    except ApplicationError:
        return None


def _account_for(
    *, email: str, company: str, country: str, actor: User, owner: User | None
) -> Account | None:
    """The account by the email's business domain, else by company name; else a new one."""
    domain = _email_domain(email)
    if domain:
        account = Account.objects.filter(domain=domain).first()
        if account is not None:
            return account
    if not company:
        return None
    account = Account.objects.filter(name__iexact=company).order_by("pk").first()
    if account is not None:
        return account
    data = {"name": company, "domain": domain, "country": country}
    if owner is not None:
        data["owner"] = owner
    return account_create(user=actor, data=data)


def _consent_plan(
    *,
    webform: WebForm,
    values: dict,
    contact: Contact,
    created: bool,
    prefilled: bool,
) -> tuple[dict[str, bool], list[str]]:
    """(changes to make now, fields waiting for the contact's confirmation)."""
    asked = [spec["key"] for spec in webform.fields if spec["key"] in CONSENT_KEYS]
    given = [key for key in asked if values.get(key)]
    own_opt_outs = {key for (_pk, key) in contact_opt_outs(contact_ids=[contact.pk], fields=given)}
    now: dict[str, bool] = {}
    pending: list[str] = []
    for key in asked:
        if values.get(key):
            if getattr(contact, key) and not created:
                continue
            if (key == "allow_bulk_email" and webform.double_opt_in) or key in own_opt_outs:
                pending.append(key)
                if created:
                    now[key] = False
            else:
                now[key] = True
        elif created or (key == "allow_prefill" and prefilled):
            # A new contact gave no consent; a known one unticked "remember me".
            now[key] = False
    return now, pending


def webform_submit(
    *,
    webform: WebForm,
    values: dict,
    ip: str | None = None,
    prefill_contact_id: int | None = None,
) -> SubmissionResult:
    """Write what one valid submission says (``values`` by catalog key, already cleaned).

    ``prefill_contact_id``: the contact a valid prefill link named; when it is the contact
    the email finds, unticking "remember me" turns prefill off.
    """
    if not webform.is_active:
        raise ApplicationError(_("This form no longer takes submissions."), code="inactive")
    actor = webform_actor(webform)
    if actor is None:
        raise ApplicationError(_("This form cannot take submissions right now."), code="no_actor")
    email = (values.get("email") or "").strip().lower()
    if not email:
        raise ApplicationError(_("This field is required."), field="email")
    owner = webform.record_owner
    product = values.get("product") or webform.lead_product
    topic = (values.get("topic") or "").strip() or webform.lead_topic or webform.name
    company = (values.get("company") or "").strip()
    country = (values.get("country") or "").strip()
    contact_data = {k: values[k].strip() for k in CONTACT_KEYS if (values.get(k) or "").strip()}
    campaign: Campaign | None = webform.campaign
    with transaction.atomic():
        contact = (
            Contact.objects.select_for_update(of=("self",))
            .select_related("account")
            .filter(email__iexact=email)
            .first()
        )
        created = contact is None
        if created:
            account = _account_for(
                email=email, company=company, country=country, actor=actor, owner=owner
            )
            data = {**contact_data, "email": email, "account": account}
            if owner is not None:
                data["owner"] = owner
            if campaign is not None:
                data["source_campaign"] = campaign
            contact = contact_create(user=actor, data=data)
        else:
            data = dict(contact_data)
            if contact.account_id is None:
                account = _account_for(
                    email=email, company=company, country=country, actor=actor, owner=owner
                )
                if account is not None:
                    data["account"] = account
            if data:
                contact = contact_update(user=actor, contact=contact, data=data)
        account = contact.account
        if account is not None and country and not account.country:
            account_update(user=actor, account=account, data={"country": country})

        prefilled = prefill_contact_id is not None and prefill_contact_id == contact.pk
        changes, pending = _consent_plan(
            webform=webform, values=values, contact=contact, created=created, prefilled=prefilled
        )
        consent_rows = contact_consent_update(
            contact=contact,
            changes=changes,
            source=ConsentChange.Source.FORM,
            user=None,
            reason=_("On the hosted form “%(name)s”.") % {"name": webform.name},
        )

        lead = (
            Lead.objects.filter(
                contact=contact,
                status__in=OPEN_LEAD_STATUSES,
                topic=topic,
                product=product,
            )
            .order_by("-pk")
            .first()
        )
        if lead is None:
            lead_data = {"contact": contact, "topic": topic, "product": product}
            if campaign is not None:
                lead_data["source_campaign"] = campaign
            lead_data["owner"] = owner or contact.owner
            lead = lead_create(user=actor, data=lead_data)

        stored = {
            key: (value.pk if isinstance(value, Product) else value)
            for key, value in values.items()
            if key in FIELD_CATALOG
        }
        submission = WebFormSubmission.objects.create(
            form=webform,
            contact=contact,
            lead=lead,
            data=stored,
            contact_created=created,
            prefilled=prefilled,
            ip_address=ip,
            opt_in_status=WebFormSubmission.OptIn.PENDING if pending else "",
            opt_in_fields=pending,
        )
        activity = activity_record(
            contact=contact,
            type=Activity.Type.FORM_SUBMITTED,
            campaign=campaign,
            subject=webform.name,
            # An absolute address, as every activity URL is (the API documents a URI).
            url=settings.SITE_URL.rstrip("/")
            + reverse("webforms_public:form", args=[webform.public_key]),
            metadata={
                "webform": webform.pk,
                "submission": submission.pk,
                "lead": lead.pk,
                **({"message": stored["message"]} if stored.get("message") else {}),
            },
        )
        WebFormSubmission.objects.filter(pk=submission.pk).update(activity=activity)
        submission.activity = activity
        if pending:
            transaction.on_commit(_opt_in_enqueue)
    return SubmissionResult(submission=submission, consent_changes=consent_rows)


def _opt_in_enqueue() -> None:
    from abm.tasks import enqueue
    from accounts.webforms.tasks import webform_opt_in_emails_send_task

    enqueue(webform_opt_in_emails_send_task)


# --- Double opt-in -------------------------------------------------------------------------


def opt_in_url(submission: WebFormSubmission) -> str:
    path = reverse("webforms_public:opt_in", args=[opt_in_token(submission)])
    return f"{settings.SITE_URL.rstrip('/')}{path}"


def webform_opt_in_emails_send(*, limit: int = 200) -> int:
    """Send the confirmation email of each pending submission not sent yet; return how many.

    Each row is claimed (SKIP LOCKED) and marked sent in the transaction that sends it; a
    failed send leaves it for the next run (beat, every minute).
    """
    cutoff = timezone.now() - timezone.timedelta(seconds=opt_in_max_age())
    sent = 0
    ids = list(
        WebFormSubmission.objects.filter(
            opt_in_status=WebFormSubmission.OptIn.PENDING,
            opt_in_sent_at__isnull=True,
            submitted_at__gte=cutoff,
        )
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    for pk in ids:
        with transaction.atomic():
            submission = (
                WebFormSubmission.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("form", "contact")
                .filter(pk=pk, opt_in_sent_at__isnull=True)
                .first()
            )
            if submission is None or submission.contact is None:
                continue
            send_mail(
                _("Please confirm: %(name)s") % {"name": submission.form.name},
                _(
                    "You asked to receive email from us on the form “%(name)s”.\n\n"
                    "Confirm it here (the link works for %(days)s days):\n%(url)s\n\n"
                    "If it was not you, ignore this email: nothing changes."
                )
                % {
                    "name": submission.form.name,
                    "days": opt_in_max_age() // 86400,
                    "url": opt_in_url(submission),
                },
                settings.DEFAULT_FROM_EMAIL,
                [submission.contact.email],
            )
            WebFormSubmission.objects.filter(pk=pk).update(opt_in_sent_at=timezone.now())
            sent += 1
    return sent


def webform_opt_in_confirm(*, submission: WebFormSubmission) -> list[ConsentChange]:
    """The contact clicked their link: grant the pending consent (once)."""
    with transaction.atomic():
        locked = (
            WebFormSubmission.objects.select_for_update(of=("self",))
            .select_related("form", "contact")
            .get(pk=submission.pk)
        )
        if locked.opt_in_status != WebFormSubmission.OptIn.PENDING:
            return []
        if locked.contact is None:
            raise ApplicationError(_("The contact no longer exists."), field="contact")
        rows = contact_consent_update(
            contact=locked.contact,
            changes={key: True for key in locked.opt_in_fields if key in CONSENT_KEYS},
            source=ConsentChange.Source.FORM,
            user=None,
            reason=_("Confirmed by the double opt-in link of the hosted form “%(name)s”.")
            % {"name": locked.form.name},
            confirmed_by_contact=True,
        )
        locked.opt_in_status = WebFormSubmission.OptIn.CONFIRMED
        locked.opt_in_confirmed_at = timezone.now()
        locked.save(update_fields=["opt_in_status", "opt_in_confirmed_at"])
    submission.opt_in_status = locked.opt_in_status
    submission.opt_in_confirmed_at = locked.opt_in_confirmed_at
    return rows


def webform_submissions_erase(*, contact_id: int) -> int:
    """Drop the personal data of a contact's stored submissions (for a GDPR erasure)."""
    return WebFormSubmission.objects.filter(contact_id=contact_id).update(
        data={}, ip_address=None, contact=None
    )
