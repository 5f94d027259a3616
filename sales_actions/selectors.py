"""Every read of the sales-email area: scoping by workspace, lists and reports."""

from __future__ import annotations

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from abm.permissions import may_see_every_workspace
from sales_actions.models import EmailTemplate, SalesEmail, Workspace, WorkspaceAccess


def workspace_ids_limited(user) -> set[int] | None:
    """The workspaces a user is limited to, or None when they see every workspace."""
    if may_see_every_workspace(user):
        return None
    ids = set(WorkspaceAccess.objects.filter(user=user).values_list("workspace_id", flat=True))
    return ids or None


def workspace_allowed(*, user, workspace: Workspace) -> bool:
    limited = workspace_ids_limited(user)
    return limited is None or workspace.pk in limited


def workspace_list(*, user) -> QuerySet[Workspace]:
    qs = Workspace.objects.annotate(template_count=Count("templates"))
    limited = workspace_ids_limited(user)
    return qs if limited is None else qs.filter(pk__in=limited)


def email_template_list(*, user) -> QuerySet[EmailTemplate]:
    qs = EmailTemplate.objects.select_related("workspace", "owner", "approved_by")
    limited = workspace_ids_limited(user)
    return qs if limited is None else qs.filter(workspace_id__in=limited)


def email_template_latest(*, user) -> QuerySet[EmailTemplate]:
    """The newest version of each template the user may see."""
    newer = EmailTemplate.objects.filter(
        lineage=OuterRef("lineage"), version__gt=OuterRef("version")
    )
    return email_template_list(user=user).filter(~Exists(newer))


def approved_templates(*, user) -> QuerySet[EmailTemplate]:
    return email_template_list(user=user).filter(status=EmailTemplate.Status.APPROVED)


def approval_queue(*, user) -> QuerySet[EmailTemplate]:
    return (
        email_template_list(user=user)
        .filter(status=EmailTemplate.Status.SUBMITTED)
        .order_by("submitted_at", "pk")
    )


def sales_email_visible(*, user) -> QuerySet[SalesEmail]:
    """Sent emails the user may read: those of templates in workspaces they may use."""
    qs = SalesEmail.objects.all()
    limited = workspace_ids_limited(user)
    if limited is None:
        return qs
    # A personal email (no template) belongs to no workspace: its sender always reads it.
    return qs.filter(Q(template__workspace_id__in=limited) | Q(template__isnull=True, sender=user))


def sales_email_list(*, user) -> QuerySet[SalesEmail]:
    """The outbox rows the user may read (workspace limits), without their bodies."""
    return (
        sales_email_visible(user=user)
        .select_related("sender", "contact", "template", "account")
        .defer("body_html", "body_text")
    )


def _rates(rows: list[dict]) -> list[dict]:
    for row in rows:
        delivered = row["delivered"] or 0
        for name in ("opened", "clicked", "replied"):
            row[f"{name}_rate"] = round(100.0 * row[name] / delivered, 1) if delivered else 0.0
        row["delivered_rate"] = round(100.0 * delivered / row["sent"], 1) if row["sent"] else 0.0
    return rows


_REPORT = {
    "sent": Count("pk"),
    "delivered": Count("pk", filter=Q(status=SalesEmail.Status.SENT)),
    # opened_at / clicked_at hold human events only: machine events never set them.
    "opened": Count("pk", filter=Q(opened_at__isnull=False)),
    "clicked": Count("pk", filter=Q(clicked_at__isnull=False)),
    "replied": Count("pk", filter=Q(replied_at__isnull=False)),
}


def template_report(*, template_ids=None) -> list[dict]:
    """Sent, delivered, opened, clicked, replied (counts and rates) per template."""
    qs = SalesEmail.objects.all()
    if template_ids is not None:
        qs = qs.filter(template_id__in=template_ids)
    rows = list(
        qs.values("template_id", "template__name", "template__version")
        .annotate(**_REPORT)
        .order_by("template__name", "template__version")
    )
    return _rates(rows)


def sender_report(*, template_ids=None) -> list[dict]:
    """The same figures per sender (optionally for some templates only)."""
    qs = SalesEmail.objects.all()
    if template_ids is not None:
        qs = qs.filter(template_id__in=template_ids)
    rows = list(
        qs.values("sender_id", "sender__username", "sender__first_name", "sender__last_name")
        .annotate(**_REPORT)
        .order_by("sender__first_name", "sender__username")
    )
    for row in rows:
        full = f"{row['sender__first_name'] or ''} {row['sender__last_name'] or ''}".strip()
        row["sender_name"] = full or row["sender__username"] or "—"
    return _rates(rows)


def outbox_counts() -> dict[str, int]:
    """Rows per outbox status, every status present."""
    counts = dict.fromkeys(SalesEmail.Status.values, 0)
    for row in SalesEmail.objects.values("status").annotate(n=Count("pk")).order_by():
        counts[row["status"]] = row["n"]
    return counts
