"""Email templates: list, editor, preview, approval queue and the report."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from abm.exceptions import ApplicationError
from abm.pages import safe_next_url
from abm.permissions import (
    may_approve_emails,
    may_archive_email_template,
    may_edit_email_template,
)
from accounts.models import Contact
from sales_actions import selectors, services
from sales_actions.filters import EmailTemplateFilter
from sales_actions.forms import EmailTemplateForm
from sales_actions.models import EmailTemplate
from sales_actions.rendering import (
    TOKENS,
    TokenError,
    context_for,
    render_html,
    render_subject,
    sanitize_html,
    tokens_find,
)
from sales_actions.views.common import _tabs

# --- Templates ------------------------------------------------------------------------


@login_required
def template_list(request):
    qs = selectors.email_template_latest(user=request.user).order_by("name")
    filterset = EmailTemplateFilter(request.GET, queryset=qs)
    templates = list(filterset.qs[:200])
    report = {
        r["template_id"]: r
        for r in selectors.template_report(template_ids=[t.pk for t in templates])
    }
    rows = [{"template": t, "report": report.get(t.pk)} for t in templates]
    return render(
        request,
        "sales_actions/template_list.html",
        {
            "rows": rows,
            "filter": filterset,
            "workspaces": selectors.workspace_list(user=request.user),
            "tabs": _tabs(request, "templates"),
            "pending": selectors.approval_queue(user=request.user).count()
            if may_approve_emails(request.user)
            else 0,
        },
    )


def _template_form_page(request, form, template=None):
    return render(
        request,
        "sales_actions/template_form.html",
        {
            "form": form,
            "template": template,
            "tokens": TOKENS,
            "contacts": Contact.objects.order_by("-id")[:50],
            "tabs": _tabs(request, "templates"),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def template_create(request):
    workspaces = selectors.workspace_list(user=request.user)
    form = EmailTemplateForm(
        request.POST or None, workspaces=workspaces, initial={"kind": EmailTemplate.Kind.SALES}
    )
    if request.method == "POST" and form.is_valid():
        try:
            template = services.email_template_create(user=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            form.add_application_error(exc)
        else:
            messages.success(request, f"Draft “{template.name}” saved.")
            return redirect("sales_actions:template_detail", pk=template.pk)
    return _template_form_page(request, form)


def _template_or_404(request, pk) -> EmailTemplate:
    return get_object_or_404(selectors.email_template_list(user=request.user), pk=pk)


@login_required
@require_http_methods(["GET", "POST"])
def template_edit(request, pk):
    template = _template_or_404(request, pk)
    if not may_edit_email_template(request.user, template):
        raise PermissionDenied
    workspaces = selectors.workspace_list(user=request.user)
    initial = {
        "name": template.name,
        "workspace": template.workspace_id,
        "kind": template.kind,
        "subject": template.subject,
        "body_html": template.body_html,
    }
    form = EmailTemplateForm(request.POST or None, initial=initial, workspaces=workspaces)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.email_template_update(
                user=request.user, template=template, **form.cleaned_data
            )
        except ApplicationError as exc:
            form.add_application_error(exc)
        else:
            if saved.pk != template.pk:
                messages.success(
                    request,
                    f"Version {template.version} stays approved; saved as draft v{saved.version}.",
                )
            else:
                messages.success(request, "Draft saved.")
            return redirect("sales_actions:template_detail", pk=saved.pk)
    return _template_form_page(request, form, template)


@login_required
@require_POST
def template_preview(request):
    """htmx: the editor's live preview for a chosen contact."""
    contact = (
        Contact.objects.select_related("account")
        .filter(pk=request.POST.get("contact") or 0)
        .first()
    )
    subject = request.POST.get("subject", "")
    body = sanitize_html(request.POST.get("body_html", ""))
    problems = []
    for value in (subject, body):
        try:
            tokens_find(value)
        except TokenError as exc:
            problems.append(str(exc))
    values = context_for(
        contact=contact, account=contact.account if contact else None, sender=request.user
    )
    return render(
        request,
        "sales_actions/_preview.html",
        {
            "subject": render_subject(subject, values),
            "html": render_html(body, values),
            "contact": contact,
            "problems": problems,
        },
    )


@login_required
def template_detail(request, pk):
    template = _template_or_404(request, pk)
    contact = (
        Contact.objects.select_related("account").filter(pk=request.GET.get("contact") or 0).first()
    )
    values = context_for(
        contact=contact, account=contact.account if contact else None, sender=request.user
    )
    versions = (
        EmailTemplate.objects.filter(lineage=template.lineage)
        .select_related("approved_by", "owner")
        .order_by("-version")
    )
    return render(
        request,
        "sales_actions/template_detail.html",
        {
            "template": template,
            "preview_subject": render_subject(template.subject, values),
            "preview_html": render_html(template.body_html, values),
            "versions": versions,
            "report": selectors.template_report(template_ids=[template.pk]),
            "senders": selectors.sender_report(template_ids=[template.pk]),
            "can_edit": may_edit_email_template(request.user, template),
            "can_archive": may_archive_email_template(request.user, template),
            "tabs": _tabs(request, "templates"),
        },
    )


@login_required
@require_POST
def template_transition(request, pk, action):
    template = _template_or_404(request, pk)
    fn = {
        "submit": services.email_template_submit,
        "approve": services.email_template_approve,
        "archive": services.email_template_archive,
    }.get(action)
    if fn is None:
        raise Http404
    # Approve names the version the page showed: a newer one is never approved unseen.
    extra = {"version": request.POST.get("version", "")} if action == "approve" else {}
    try:
        fn(user=request.user, template=template, **extra)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"“{template.name}” v{template.version}: {action} done.")
    return redirect(safe_next_url(request, reverse("sales_actions:template_detail", args=[pk])))


@login_required
def approval_queue(request):
    if not may_approve_emails(request.user):
        raise PermissionDenied
    return render(
        request,
        "sales_actions/approvals.html",
        {
            "templates": selectors.approval_queue(user=request.user),
            "tabs": _tabs(request, "approvals"),
        },
    )


@login_required
def report(request):
    template_ids = list(
        selectors.email_template_list(user=request.user).values_list("pk", flat=True)
    )
    return render(
        request,
        "sales_actions/report.html",
        {
            "templates": selectors.template_report(template_ids=template_ids),
            # Only the senders of templates the user may see (workspace limits).
            "senders": selectors.sender_report(template_ids=template_ids),
            "tabs": _tabs(request, "report"),
        },
    )
