"""Sending: the send dialog (workspace first, then its approved emails) and the personal email."""

from __future__ import annotations

import uuid
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import BadRequest
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from abm.exceptions import ApplicationError
from abm.pages import flash_trigger
from accounts.models import Account, Opportunity, SubscriptionList
from sales_actions import selectors, services
from sales_actions.forms import PersonalEmailForm, SendEmailForm
from sales_actions.services.personal import personal_email_allowed, sales_email_send_personal
from sales_actions.services.sending import MAX_SELECTED, Attachment, recipients_resolve

# --- Sending --------------------------------------------------------------------------


def _send_target(params) -> dict:
    """Who the dialog addresses: ?contact=, ?selected= (repeated), ?contacts=1,2, ?account=
    or ?opportunity= (the buying-group members tab sends its ticked ``selected`` boxes);
    ?subscription_list= a marketing email to a list's members (the lists page)."""
    if params.get("subscription_list"):
        sl = get_object_or_404(SubscriptionList, pk=_int(params["subscription_list"]))
        return {
            "subscription_list_id": sl.pk,
            "label": _("the members of the subscription list %(name)s") % {"name": sl.name},
            "query": {"subscription_list": sl.pk},
        }
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
    keys = ("contact_ids", "account_id", "opportunity_id", "subscription_list_id")
    return {k: target[k] for k in keys if k in target}


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
    if str(template_id).isdecimal():
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
    elif request.method == "GET" and "subscription_list_id" not in target:
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
