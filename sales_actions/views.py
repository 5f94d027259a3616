"""Pages of sales emails: templates, approval, sending, emails tabs, outbox, tracking."""

from __future__ import annotations

import base64
import uuid
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import BadRequest, PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from abm.exceptions import ApplicationError
from abm.pages import flash_trigger, safe_next_url
from abm.paging import PAGE_SIZE, paginate_request_or_first
from abm.permissions import (
    may_approve_emails,
    may_archive_email_template,
    may_edit_email_template,
    may_view_outbox,
)
from accounts.models import Account, ConsentChange, Contact, Opportunity
from sales_actions import selectors, services
from sales_actions.filters import EmailTemplateFilter, SalesEmailFilter
from sales_actions.forms import EmailTemplateForm, PersonalEmailForm, SendEmailForm
from sales_actions.messages import message_build
from sales_actions.models import EmailTemplate, SalesEmail
from sales_actions.rendering import (
    TOKENS,
    TokenError,
    context_for,
    render_html,
    render_subject,
    sanitize_html,
    tokens_find,
)
from sales_actions.services.personal import personal_email_allowed, sales_email_send_personal
from sales_actions.services.sending import MAX_SELECTED, Attachment, recipients_resolve

PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")


def url_or_empty(name: str, *args) -> str:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


def _client_ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


def _tabs(request, active: str) -> list[dict]:
    tabs = [("templates", "Templates", "sales_actions:template_list")]
    if may_approve_emails(request.user):
        tabs.append(("approvals", "Approval queue", "sales_actions:approval_queue"))
    tabs.append(("report", "Report", "sales_actions:report"))
    if may_view_outbox(request.user):
        tabs.append(("outbox", "Outbox", "sales_actions:outbox"))
    return [
        {"key": k, "label": label, "url": reverse(n), "active": k == active} for k, label, n in tabs
    ]


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


# --- Sending --------------------------------------------------------------------------


def _send_target(params) -> dict:
    """Who the dialog addresses: ?contact=, ?selected= (repeated), ?contacts=1,2, ?account=
    or ?opportunity= (the buying-group members tab sends its ticked ``selected`` boxes)."""
    if params.get("account"):
        account = get_object_or_404(Account, pk=_int(params["account"]))
        return {
            "account_id": account.pk,
            "label": f"all contacts of {account.name}",
            "query": {"account": account.pk},
        }
    if params.get("opportunity"):
        opportunity = get_object_or_404(Opportunity, pk=_int(params["opportunity"]))
        return {
            "opportunity_id": opportunity.pk,
            "label": f"all contacts of the opportunity {opportunity.name}",
            "query": {"opportunity": opportunity.pk},
        }
    raw = (
        params.getlist("contact")
        + params.getlist("selected")
        + [part for value in params.getlist("contacts") for part in value.split(",")]
    )
    # A person ticked twice (two leads of one contact) is one recipient.
    ids = list(dict.fromkeys(_int(v) for v in raw if str(v).strip()))
    if not ids:
        raise BadRequest(_("Choose at least one recipient: a contact, an account or a deal."))
    label = "1 contact" if len(ids) == 1 else f"{len(ids)} selected contacts"
    return {"contact_ids": ids, "label": label, "query": {"contacts": ",".join(map(str, ids))}}


def _with_qs(target: dict) -> dict:
    target["qs"] = urlencode(target["query"])
    return target


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        raise BadRequest(_("“%(value)s” is not an id.") % {"value": value}) from exc


def _target_kwargs(target: dict) -> dict:
    return {k: target[k] for k in ("contact_ids", "account_id", "opportunity_id") if k in target}


@login_required
def send_check(request):
    """htmx: the recipients of the dialog with who will be skipped and why."""
    target = _with_qs(_send_target(request.GET))
    template_id = request.GET.get("template")
    context = {"target": target, "check": None}
    if template_id:
        try:
            context["result"] = services.sales_email_send(
                user=request.user, template_id=template_id, dry_run=True, **_target_kwargs(target)
            )
        except ApplicationError as exc:
            context["error"] = exc.message
    return render(request, "sales_actions/_send_check.html", context)


def _send_workspaces(request, templates) -> tuple[list, int | None]:
    """The workspaces the dialog offers first (those with approved emails the user may
    use, each with its count) and the one chosen: ?workspace=, the workspace of
    ?template=, or the first."""
    counts: dict[int, int] = {}
    for workspace_id in templates.values_list("workspace_id", flat=True):
        counts[workspace_id] = counts.get(workspace_id, 0) + 1
    workspaces = [
        {"pk": w.pk, "name": w.name, "count": counts[w.pk]}
        for w in selectors.workspace_list(user=request.user).order_by("name")
        if w.pk in counts
    ]
    source = request.POST if request.method == "POST" else request.GET
    chosen = source.get("workspace", "")
    if chosen:
        chosen = _int(chosen)
        if chosen not in counts:
            raise BadRequest(_("workspace: no approved email of yours is in that workspace."))
        return workspaces, chosen
    template_id = source.get("template", "")
    if str(template_id).isdigit():
        found = templates.filter(pk=int(template_id)).values_list("workspace_id", flat=True)
        if found:
            return workspaces, found[0]
    return workspaces, workspaces[0]["pk"] if workspaces else None


@login_required
@require_http_methods(["GET", "POST"])
def send_dialog(request):
    """Choose a workspace, then one of its approved emails, then send (htmx dialog, or a
    page of its own without JavaScript)."""
    target = _with_qs(_send_target(request.GET))
    approved = selectors.approved_templates(user=request.user)
    workspaces, workspace_id = _send_workspaces(request, approved)
    templates = approved.filter(workspace_id=workspace_id).order_by("name")
    form = SendEmailForm(
        request.POST or None,
        request.FILES or None,
        templates=templates,
        initial={"template": request.GET.get("template"), "include_signature": True},
    )
    context = {
        "form": form,
        "target": target,
        "workspaces": workspaces,
        "workspace_id": workspace_id,
        "max_selected": MAX_SELECTED,
        "idempotency_key": request.POST.get("idempotency_key") or uuid.uuid4().hex,
        "check_url": reverse("sales_actions:send_check"),
        "check": None,
    }
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            result = services.sales_email_send(
                user=request.user,
                template_id=data["template"].pk,
                cc=data["cc"],
                bcc=data["bcc"],
                personal_note=data["personal_note"],
                include_signature=data["include_signature"],
                attachments=[
                    Attachment(filename=f.name, content=f.read()) for f in data["attachments"]
                ],
                idempotency_key=request.POST.get("idempotency_key"),
                **_target_kwargs(target),
            )
        except ApplicationError as exc:
            form.add_application_error(exc)
        else:
            context["result"] = result
            text = f"Queued {len(result.queued)} email(s)"
            if result.skipped:
                text += f"; skipped {len(result.skipped)} without consent"
            response = render(request, "sales_actions/send_result.html", context)
            return flash_trigger(response, text + ".")
    if request.method == "GET" and templates:
        first = request.GET.get("template")
        if not (first and templates.filter(pk=_int(first)).exists()):
            first = templates[0].pk
        try:
            context["check"] = services.sales_email_send(
                user=request.user, template_id=first, dry_run=True, **_target_kwargs(target)
            )
        except ApplicationError as exc:
            context["check_error"] = exc.message
    elif request.method == "GET":
        try:  # no template to check with: still say when there are too many people
            recipients_resolve(**_target_kwargs(target))
        except ApplicationError as exc:
            context["check_error"] = exc.message
    template = "sales_actions/send_dialog.html" if request.htmx else "sales_actions/send_page.html"
    return render(request, template, context, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def personal_email(request):
    """Write a personal email (no template) to a person, an account's or a deal's contacts:
    sent through the same outbox, tracked and logged like any other."""
    if not personal_email_allowed():
        raise Http404(_("Personal emails are switched off."))
    target = _with_qs(_send_target(request.GET))
    form = PersonalEmailForm(request.POST or None, initial={"include_signature": True})
    context = {
        "form": form,
        "target": target,
        "idempotency_key": request.POST.get("idempotency_key") or uuid.uuid4().hex,
    }
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            result = sales_email_send_personal(
                user=request.user,
                subject=data["subject"],
                body=data["body"],
                cc=data["cc"],
                bcc=data["bcc"],
                include_signature=data["include_signature"],
                idempotency_key=request.POST.get("idempotency_key"),
                **_target_kwargs(target),
            )
        except ApplicationError as exc:
            form.add_application_error(exc)
        else:
            context["result"] = result
            text = _("Queued %(count)d personal email(s).") % {"count": len(result.queued)}
            response = render(request, "sales_actions/send_result.html", context)
            return flash_trigger(response, text)
    if request.method == "GET":
        try:
            context["check"] = sales_email_send_personal(
                user=request.user, subject="-", body="-", dry_run=True, **_target_kwargs(target)
            )
        except ApplicationError as exc:
            context["check_error"] = exc.message
    name = (
        "sales_actions/personal_dialog.html" if request.htmx else "sales_actions/personal_page.html"
    )
    return render(request, name, context, status=400 if form.errors else 200)


# --- Emails tabs and details ------------------------------------------------------------


def _emails_tab(request, *, contact=None, account=None, opportunity=None):
    qs = selectors.sales_email_list(user=request.user)
    if contact:
        qs = qs.filter(contact=contact)
        send_query, back_url = (
            f"?contact={contact.pk}",
            url_or_empty("accounts:contact_detail", contact.pk),
        )
    elif opportunity:
        # The deal's emails: sales emails to the contacts with a role on it.
        qs = qs.filter(
            contact_id__in=opportunity.contact_roles.values("contact_id"),
            account_id=opportunity.account_id,
        )
        send_query = f"?opportunity={opportunity.pk}"
        back_url = url_or_empty("accounts:opportunity_detail", opportunity.pk)
    else:
        qs = qs.filter(account=account)
        send_query, back_url = (
            f"?account={account.pk}",
            url_or_empty("accounts:account_detail", account.pk),
        )
    emails = list(qs.order_by("-queued_at", "-id")[:PAGE_SIZE])
    context = {
        "emails": emails,
        "contact": contact,
        # Rows say whom each email went to unless the page is one person's.
        "account": account or (opportunity.account if opportunity else None),
        "opportunity": opportunity,
        "send_url": reverse("sales_actions:send_dialog") + send_query,
        "personal_url": reverse("sales_actions:personal_email") + send_query
        if personal_email_allowed()
        else "",
        "back_url": back_url,
    }
    name = "sales_actions/_emails_table.html" if request.htmx else "sales_actions/emails_tab.html"
    return render(request, name, context)


@login_required
def contact_emails(request, pk):
    return _emails_tab(request, contact=get_object_or_404(Contact, pk=pk))


@login_required
def account_emails(request, pk):
    return _emails_tab(request, account=get_object_or_404(Account, pk=pk))


@login_required
def opportunity_emails(request, pk):
    return _emails_tab(
        request, opportunity=get_object_or_404(Opportunity.objects.select_related("account"), pk=pk)
    )


@login_required
def email_detail(request, pk):
    email = get_object_or_404(
        selectors.sales_email_visible(user=request.user).select_related(
            "template", "sender", "contact", "batch", "cadence_run__enrolment__cadence"
        ),
        pk=pk,
    )
    events = list(email.events.select_related("link")[:100])
    name = "sales_actions/email_detail.html" if request.htmx else "sales_actions/email_page.html"
    return render(request, name, {"email": email, "events": events})


# --- Outbox (admins) ------------------------------------------------------------------


@login_required
def outbox(request):
    if not may_view_outbox(request.user):
        raise PermissionDenied
    filterset = SalesEmailFilter(
        request.GET, queryset=selectors.sales_email_list(user=request.user)
    )
    page, cursor_error = paginate_request_or_first(request, filterset.qs, ordering=["-id"])
    if cursor_error:
        messages.error(request, cursor_error)
    return render(
        request,
        "sales_actions/outbox.html",
        {
            "emails": page.items,
            "page": page,
            "filter": filterset,
            "statuses": SalesEmail.Status.choices,
            "counts": selectors.outbox_counts(),
            "tabs": _tabs(request, "outbox"),
        },
        status=400 if cursor_error else 200,
    )


@login_required
@require_POST
def outbox_reconcile(request, pk):
    email = get_object_or_404(SalesEmail, pk=pk)
    try:
        status = services.sales_email_reconcile(
            email=email, outcome=request.POST.get("outcome", ""), user=request.user
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Email to {email.to_email} is now {status}.")
    return redirect(safe_next_url(request, reverse("sales_actions:outbox")))


@login_required
def outbox_raw(request, pk):
    if not may_view_outbox(request.user):
        raise PermissionDenied
    email = get_object_or_404(SalesEmail.objects.select_related("batch", "sender"), pk=pk)
    message = message_build(email, attachments=list(email.batch.attachments.all()))
    return HttpResponse(message.message().as_bytes(), content_type="text/plain; charset=utf-8")


# --- Public endpoints: tracking and unsubscribe -----------------------------------------


@require_http_methods(["GET", "HEAD"])
def track_open(request, token):
    event = services.email_open_record(
        token=token,
        user_agent=request.headers.get("User-Agent", ""),
        ip=_client_ip(request),
        method=request.method,
    )
    if event is None:
        raise Http404
    response = HttpResponse(PIXEL, content_type="image/gif")
    response["Cache-Control"] = "no-store, private"
    return response


@require_http_methods(["GET", "HEAD"])
def track_click(request, token):
    url = services.email_click_record(
        token=token,
        user_agent=request.headers.get("User-Agent", ""),
        ip=_client_ip(request),
        method=request.method,
    )
    if url is None:
        raise Http404
    # The URL is the link stored for this very message, never one from the request.
    response = HttpResponseRedirect(url)
    response["Cache-Control"] = "no-store, private"
    return response


@csrf_exempt  # RFC 8058 one-click POSTs come from mail providers, without a CSRF token
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token):
    from sales_actions.services.consent import unsubscribe_target

    target = unsubscribe_target(token)
    if target is None:
        raise Http404
    contact, _email = target
    done = False
    if request.method == "POST":
        one_click = request.POST.get("List-Unsubscribe") == "One-Click"
        source = (
            ConsentChange.Source.ONE_CLICK if one_click else ConsentChange.Source.UNSUBSCRIBE_PAGE
        )
        services.contact_unsubscribe(token=token, source=source)
        done = True
        contact.refresh_from_db()
    return render(
        request,
        "sales_actions/unsubscribe.html",
        {"contact": contact, "done": done, "token": token},
    )
