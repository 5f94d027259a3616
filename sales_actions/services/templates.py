"""Workspaces and email templates: drafting, versions and approval."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from abm.exceptions import ApplicationError, ConflictError, ForbiddenError
from abm.permissions import (
    may_approve_emails,
    may_archive_email_template,
    may_edit_email_template,
    may_limit_workspaces,
    may_manage_workspaces,
)
from accounts.models import User
from sales_actions.models import EmailTemplate, Workspace, WorkspaceAccess
from sales_actions.rendering import TokenError, html_to_text, sanitize_html, tokens_find
from sales_actions.selectors import workspace_allowed

S = EmailTemplate.Status


def _require_workspace_manager(user: User) -> None:
    if not may_manage_workspaces(user):
        raise ForbiddenError("Only marketers and admins can manage workspaces.", code="forbidden")


def workspace_create(*, user: User, name: str, description: str = "") -> Workspace:
    """Create a workspace (marketers and admins)."""
    _require_workspace_manager(user)
    name = (name or "").strip()
    if not name:
        raise ApplicationError("A workspace needs a name.", field="name")
    if Workspace.objects.filter(name__iexact=name).exists():
        raise ApplicationError(f"A workspace named “{name}” exists.", field="name")
    return Workspace.objects.create(name=name[:120], description=description or "")


def workspace_update(*, user: User, workspace: Workspace, **fields) -> Workspace:
    """Rename or describe a workspace (marketers and admins)."""
    _require_workspace_manager(user)
    if "name" in fields:
        name = (fields["name"] or "").strip()
        if not name:
            raise ApplicationError("A workspace needs a name.", field="name")
        if Workspace.objects.filter(name__iexact=name).exclude(pk=workspace.pk).exists():
            raise ApplicationError(f"A workspace named “{name}” exists.", field="name")
        workspace.name = name[:120]
    if "description" in fields:
        workspace.description = fields["description"] or ""
    workspace.save()
    return workspace


def workspace_access_set(*, user: User, target: User, workspaces: list[Workspace]) -> None:
    """Limit ``target`` to these workspaces (an empty list lifts the limit). Admins only."""
    if not may_limit_workspaces(user):
        raise ForbiddenError("Only admins limit users to workspaces.", code="forbidden")
    with transaction.atomic():
        WorkspaceAccess.objects.filter(user=target).delete()
        WorkspaceAccess.objects.bulk_create(
            [WorkspaceAccess(user=target, workspace=w) for w in workspaces]
        )


def _clean_content(*, subject: str, body_html: str) -> tuple[str, str, str]:
    subject = " ".join((subject or "").split())
    if not subject:
        raise ApplicationError("A template needs a subject.", field="subject")
    if len(subject) > 255:
        raise ApplicationError("The subject is longer than 255 characters.", field="subject")
    body = sanitize_html(body_html)
    if not body.strip():
        raise ApplicationError("A template needs a body.", field="body_html")
    return subject, body, html_to_text(body)


def _check_tokens(template: EmailTemplate) -> None:
    for field, value in (("subject", template.subject), ("body_html", template.body_html)):
        try:
            tokens_find(value)
        except TokenError as exc:
            raise ApplicationError(str(exc), field=field, code="unknown_token") from exc


def email_template_create(
    *,
    user: User,
    workspace: Workspace,
    name: str,
    subject: str,
    body_html: str,
    kind: str = EmailTemplate.Kind.SALES,
) -> EmailTemplate:
    """Create a draft template (version 1) in a workspace the user may use."""
    if not workspace_allowed(user=user, workspace=workspace):
        raise ForbiddenError("You cannot use this workspace.", code="forbidden")
    name = (name or "").strip()
    if not name:
        raise ApplicationError("A template needs a name.", field="name")
    if kind not in EmailTemplate.Kind.values:
        raise ApplicationError(f"'{kind}' is not a template kind.", field="kind")
    subject, body, text = _clean_content(subject=subject, body_html=body_html)
    now = timezone.now()
    return EmailTemplate.objects.create(
        workspace=workspace,
        name=name[:200],
        kind=kind,
        subject=subject,
        body_html=body,
        body_text=text,
        lineage=uuid.uuid4(),
        version=1,
        owner=user,
        created_at=now,
        updated_at=now,
    )


def email_template_update(*, user: User, template: EmailTemplate, **fields) -> EmailTemplate:
    """Change a template. Drafts change in place; a submitted, approved or archived version
    never changes (what an approver reviews stays what they approve): the edit becomes a
    new draft version, and the submitted one stays in the approval queue until a newer
    version is submitted."""
    if not may_edit_email_template(user, template):
        raise ForbiddenError("Only the template's author or a marketer can edit it.")
    allowed = {"name", "subject", "body_html", "kind", "workspace"}
    unknown = set(fields) - allowed
    if unknown:
        raise ApplicationError(f"Unknown field {sorted(unknown)[0]}.", field=sorted(unknown)[0])
    name = (fields.get("name", template.name) or "").strip()
    if not name:
        raise ApplicationError("A template needs a name.", field="name")
    kind = fields.get("kind", template.kind)
    if kind not in EmailTemplate.Kind.values:
        raise ApplicationError(f"'{kind}' is not a template kind.", field="kind")
    workspace = fields.get("workspace", template.workspace)
    if not workspace_allowed(user=user, workspace=workspace):
        raise ForbiddenError("You cannot use this workspace.", code="forbidden")
    subject, body, text = _clean_content(
        subject=fields.get("subject", template.subject),
        body_html=fields.get("body_html", template.body_html),
    )
    now = timezone.now()
    with transaction.atomic():
        locked = EmailTemplate.objects.select_for_update().get(pk=template.pk)
        if locked.status == S.DRAFT:
            target = locked
        else:
            latest = (
                EmailTemplate.objects.filter(lineage=locked.lineage).order_by("-version").first()
            )
            if latest.status == S.DRAFT:
                raise ConflictError(
                    f"Version {latest.version} of this template is already being edited.",
                    field="version",
                    code="draft_exists",
                )
            target = EmailTemplate(
                lineage=locked.lineage,
                version=latest.version + 1,
                owner=user,
                created_at=now,
            )
        target.name = name[:200]
        target.kind = kind
        target.workspace = workspace
        target.subject = subject
        target.body_html = body
        target.body_text = text
        target.status = S.DRAFT
        target.submitted_at = None
        target.updated_at = now
        try:
            target.save()
        except IntegrityError as exc:
            raise ConflictError("Someone else saved a new version first.", field="version") from exc
    return target


def email_template_submit(*, user: User, template: EmailTemplate) -> EmailTemplate:
    """Send a draft for approval; a template with an unknown token cannot be submitted."""
    if not may_edit_email_template(user, template):
        raise ForbiddenError("Only the template's author or a marketer can submit it.")
    if template.status != S.DRAFT:
        raise ConflictError(
            f"Only drafts can be submitted; this one is {template.get_status_display().lower()}.",
            field="status",
        )
    _check_tokens(template)
    now = timezone.now()
    with transaction.atomic():
        updated = EmailTemplate.objects.filter(pk=template.pk, status=S.DRAFT).update(
            status=S.SUBMITTED, submitted_at=now, updated_at=now
        )
        if not updated:
            raise ConflictError("The template changed meanwhile; reload it.", field="status")
        # One version of a template waits for approval: a newer submission supersedes it.
        EmailTemplate.objects.filter(lineage=template.lineage, status=S.SUBMITTED).exclude(
            pk=template.pk
        ).update(status=S.ARCHIVED, archived_at=now, updated_at=now)
    template.refresh_from_db()
    return template


def _version_number(version) -> int:
    if isinstance(version, bool) or not isinstance(version, int | str):
        raise ApplicationError(
            _("Name the version you approve (the number you reviewed)."), field="version"
        )
    try:
        number = int(version)
    except ValueError:
        number = 0
    if number < 1:
        raise ApplicationError(_("The version is a positive whole number."), field="version")
    return number


def email_template_approve(*, user: User, template: EmailTemplate, version) -> EmailTemplate:
    """Approve the version the approver reviewed (marketers and admins).

    ``version`` must be the template's current submitted version, else 409: a newer
    submission or an edit made after the review is never approved unseen. With
    ``EMAIL_APPROVAL_REQUIRES_SECOND_PERSON`` the author cannot approve their own version.
    Older approved versions retire.
    """
    if not may_approve_emails(user):
        raise ForbiddenError("Only marketers and admins can approve templates.", code="forbidden")
    number = _version_number(version)
    with transaction.atomic():
        current = (
            EmailTemplate.objects.select_for_update()
            .filter(lineage=template.lineage, status=S.SUBMITTED)
            .order_by("-version")
            .first()
        )
        if current is None:
            raise ConflictError(
                _("No version of this template is waiting for approval."),
                field="version",
                code="not_submitted",
            )
        if current.version != number:
            raise ConflictError(
                _(
                    "You reviewed version %(reviewed)s, but version %(current)s is the one "
                    "waiting for approval: review it first."
                )
                % {"reviewed": number, "current": current.version},
                field="version",
                code="version_mismatch",
            )
        if (
            settings.EMAIL_APPROVAL_REQUIRES_SECOND_PERSON
            and current.owner_id is not None
            and current.owner_id == user.pk
        ):
            raise ForbiddenError(
                _("Somebody other than its author must approve this template."),
                field="version",
                code="second_person_required",
            )
        _check_tokens(current)
        now = timezone.now()
        EmailTemplate.objects.filter(pk=current.pk).update(
            status=S.APPROVED, approved_by=user, approved_at=now, updated_at=now
        )
        EmailTemplate.objects.filter(lineage=current.lineage, status=S.APPROVED).exclude(
            pk=current.pk
        ).update(status=S.ARCHIVED, archived_at=now, updated_at=now)
    current.refresh_from_db()
    return current


def email_template_archive(*, user: User, template: EmailTemplate) -> EmailTemplate:
    """Retire a template: it can no longer be sent. Marketers/admins, or the author of a draft."""
    if not may_archive_email_template(user, template):
        raise ForbiddenError("Only marketers and admins can archive approved templates.")
    if template.status == S.ARCHIVED:
        return template
    now = timezone.now()
    EmailTemplate.objects.filter(pk=template.pk).update(
        status=S.ARCHIVED, archived_at=now, updated_at=now
    )
    template.refresh_from_db()
    return template
