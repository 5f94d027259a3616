"""Pages of buying groups: list, detail (overview, members), dialogs, role templates, generation."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from abm.exceptions import ApplicationError
from abm.pages import form_submit, htmx_finish
from abm.paging import paginate_request_or_first
from abm.permissions import (
    may_manage_group,
    may_manage_marketing,
    may_manage_role_templates,
)
from accounts.models import Account
from buying_groups import selectors
from buying_groups.conditions import conditions_parse
from buying_groups.filters import BuyingGroupFilter
from buying_groups.forms import (
    BuyingGroupCreateForm,
    BuyingGroupEditForm,
    GenerateForm,
    RoleForm,
    RoleFormSet,
    RoleTemplateForm,
)
from buying_groups.models import BuyingGroup, GenerationJob, Member, RoleTemplate
from buying_groups.services import generation, groups, summaries, templates
from buying_groups.services.scores import engagement_explanation

ACCOUNT_CHOICES_MAX = 2000


def _group(pk: int) -> BuyingGroup:
    return get_object_or_404(
        BuyingGroup.objects.select_related(
            "account", "account__owner", "solution_interest", "stage", "role_template"
        ),
        pk=pk,
    )


def _ids(values) -> list[int]:
    out = []
    for value in values:
        try:
            out.append(int(value))
        except (TypeError, ValueError):
            continue
    return out


# --- List --------------------------------------------------------------------------------------


@login_required
def group_list(request):
    """Newest first, keyset-paged (``?cursor=``); a filter that does not parse is ignored."""
    filterset = BuyingGroupFilter(request.GET or None, queryset=selectors.buying_group_list())
    rows = (
        filterset.qs
        if filterset.is_bound and filterset.is_valid()
        else selectors.buying_group_list()
    )
    page, cursor_error = paginate_request_or_first(request, rows, ordering=["-id"])
    if cursor_error:
        messages.error(request, cursor_error)
    return render(
        request,
        "buying_groups/group_list.html",
        {
            "filter": filterset,
            "groups": page.items,
            "page": page,
            "engagement_help": engagement_explanation(),
        },
        status=400 if cursor_error else 200,
    )


@login_required
def group_create(request):
    # The first target accounts by name (and the account the page was opened for): ids
    # first, so the field's queryset is unsliced and can both order and look up a choice.
    targets = Account.objects.filter(is_target=True)
    if not may_manage_marketing(request.user):
        targets = targets.filter(owner=request.user)  # the groups a rep may create
    ids = list(targets.order_by("name", "id").values_list("pk", flat=True)[:ACCOUNT_CHOICES_MAX])
    initial_account = request.GET.get("account")
    if initial_account and initial_account.isdecimal():
        ids.append(int(initial_account))
    form = BuyingGroupCreateForm(
        request.POST or None,
        accounts=Account.objects.filter(pk__in=ids).order_by("name", "id"),
        initial={"account": initial_account, "stage": "awareness"},
    )
    done = form_submit(
        request,
        form,
        lambda f: groups.buying_group_create(user=request.user, data=f.cleaned_data),
        message=lambda group: _("Buying group “%(name)s” created.") % {"name": group.name},
        redirect_to=lambda group: reverse("buying_groups:members", args=[group.pk]),
    )
    return done or render(request, "buying_groups/group_form.html", {"form": form})


@login_required
def group_edit(request, pk: int):
    group = _group(pk)
    form = BuyingGroupEditForm(
        request.POST or None, initial={"name": group.name, "stage": group.stage.key}
    )
    error = ""
    if request.method == "POST" and form.is_valid():
        try:
            groups.buying_group_update(user=request.user, group=group, data=form.cleaned_data)
        except ApplicationError as exc:
            error = exc.message
        else:
            return htmx_finish(
                request,
                message=_("Buying group saved."),
                redirect_to=reverse("buying_groups:detail", args=[pk]),
            )
    return render(
        request,
        "buying_groups/dialog_edit_group.html",
        {"group": group, "form": form, "error": error},
    )


@login_required
def group_delete(request, pk: int):
    group = _group(pk)
    error = ""
    if request.method == "POST":
        try:
            groups.buying_group_delete(user=request.user, group=group)
        except ApplicationError as exc:
            error = exc.message
        else:
            return htmx_finish(
                request,
                message=_("Deleted “%(name)s”.") % {"name": group.name},
                redirect_to=reverse("buying_groups:list"),
            )
    return render(
        request, "buying_groups/dialog_delete_group.html", {"group": group, "error": error}
    )


# --- Detail ------------------------------------------------------------------------------------


def _detail_context(request, group: BuyingGroup) -> dict:
    return {
        "group": group,
        "can_manage": may_manage_group(request.user, group),
        "engagement_help": engagement_explanation(),
    }


@login_required
def group_detail(request, pk: int):
    group = _group(pk)
    members = selectors.group_members(group)
    roles = selectors.group_roles(group)
    fill = selectors.role_fill(group, roles, members)
    context = _detail_context(request, group)
    context.update(
        {
            "tab": "overview",
            "fill": fill,
            "empty_roles": [f["role"] for f in fill if not f["count"]],
            "rows": selectors.member_rows(group, members),
            "account": selectors.account_overview(group.account),
            "intent": selectors.group_intent(group),
            "group_summary": selectors.summary_of("group", group.pk),
            "account_summary": selectors.summary_of("account", group.account_id),
        }
    )
    return render(request, "buying_groups/group_overview.html", context)


@login_required
def group_members(request, pk: int):
    group = _group(pk)
    context = _detail_context(request, group)
    context.update(
        {"tab": "members", "members": selectors.group_members(group), "bulk_max": groups.bulk_max()}
    )
    return render(request, "buying_groups/group_members.html", context)


@login_required
def summary_fragment(request, subject: str, object_id: int):
    """The summary block: shows what is stored at once, queues a rewrite if stale, polls."""
    if subject not in summaries.SUBJECTS:
        raise Http404
    summary, current = summaries.summary_request(
        subject, object_id, retry=request.GET.get("retry") == "1"
    )
    error = None if current else summaries.summary_error(subject, object_id)
    tries = int(request.GET.get("n", "0")) + 1 if request.GET.get("n", "0").isdecimal() else 1
    return render(
        request,
        "buying_groups/_summary.html",
        {
            "summary": summary,
            "current": current,
            "subject": subject,
            "object_id": object_id,
            "poll": not current and not error and tries <= 30,
            "tries": tries,
            "error": error,
            "gave_up": not current and not error and tries > 30,
        },
    )


@login_required
def member_details(request, pk: int, contact_id: int):
    group = _group(pk)
    member = get_object_or_404(
        Member.objects.select_related("contact", "role", "group"),
        group=group,
        contact_id=contact_id,
    )
    context = selectors.member_details(member)
    context.update({"group": group, "contact_summary": selectors.summary_of("contact", contact_id)})
    return render(request, "buying_groups/dialog_member.html", context)


# --- Member actions (dialogs) ------------------------------------------------------------------


@login_required
def members_assign(request, pk: int):
    """Step 1 lists the account's contacts who are not members; step 2 picks a role each."""
    group = _group(pk)
    roles = selectors.group_roles(group)
    step = request.POST.get("step", "pick")
    error = ""
    chosen = _ids(request.POST.getlist("contact"))
    if request.method == "POST" and step == "save":
        items = [{"contact": c, "role": request.POST.get(f"role_{c}")} for c in chosen]
        try:
            groups.buying_group_members_assign(user=request.user, group=group, items=items)
        except ApplicationError as exc:
            error, step = exc.message, "roles"
        else:
            n = len(items)
            return htmx_finish(
                request,
                message=ngettext("Added %(n)d member.", "Added %(n)d members.", n) % {"n": n},
                redirect_to=reverse("buying_groups:members", args=[pk]),
            )
    candidates = selectors.account_contacts_not_members(group)
    if request.method == "POST" and step == "roles":
        if not chosen:
            error, step = _("Select at least one contact."), "pick"
        elif len(chosen) > groups.bulk_max():
            error, step = (
                _("At most %(max)d members can be added at once; %(n)d were selected.")
                % {"max": groups.bulk_max(), "n": len(chosen)},
                "pick",
            )
    by_id = {c.pk: c for c in candidates}
    picked = [by_id[c] for c in chosen if c in by_id]
    return render(
        request,
        "buying_groups/dialog_assign.html",
        {
            "group": group,
            "roles": roles,
            "step": "roles" if step in ("roles", "save") and picked else "pick",
            "candidates": candidates,
            "picked": picked,
            "chosen": set(chosen),
            "selected_roles": {c: request.POST.get(f"role_{c}", "") for c in chosen},
            "error": error,
        },
    )


def _too_many(n: int) -> str:
    return _("At most %(max)d members can be changed at once; %(n)d were selected.") % {
        "max": groups.bulk_max(),
        "n": n,
    }


def _selected_members(request, group):
    ids = _ids(request.POST.getlist("selected") or request.GET.getlist("selected"))
    members = [m for m in selectors.group_members(group) if m.contact_id in set(ids)]
    return ids, members


@login_required
def members_remove(request, pk: int):
    group = _group(pk)
    ids, members = _selected_members(request, group)
    error = ""
    if len(ids) > groups.bulk_max():
        error = _too_many(len(ids))
    elif request.method == "POST":
        try:
            n = groups.buying_group_members_remove(user=request.user, group=group, contact_ids=ids)
        except ApplicationError as exc:
            error = exc.message
        else:
            return htmx_finish(
                request,
                message=ngettext("Removed %(n)d member.", "Removed %(n)d members.", n) % {"n": n},
                redirect_to=reverse("buying_groups:members", args=[pk]),
            )
    return render(
        request,
        "buying_groups/dialog_remove.html",
        {
            "group": group,
            "members": members,
            "error": error,
            "too_many": len(ids) > groups.bulk_max(),
        },
    )


@login_required
def members_roles(request, pk: int):
    group = _group(pk)
    ids, members = _selected_members(request, group)
    roles = selectors.group_roles(group)
    error = ""
    if len(ids) > groups.bulk_max():
        error = _too_many(len(ids))
    elif request.method == "POST" and request.POST.get("step") == "save":
        items = [{"contact": c, "role": request.POST.get(f"role_{c}")} for c in ids]
        try:
            n = groups.buying_group_members_set_roles(user=request.user, group=group, items=items)
        except ApplicationError as exc:
            error = exc.message
        else:
            return htmx_finish(
                request,
                message=ngettext(
                    "Updated the role of %(n)d member.", "Updated the role of %(n)d members.", n
                )
                % {"n": n},
                redirect_to=reverse("buying_groups:members", args=[pk]),
            )
    return render(
        request,
        "buying_groups/dialog_roles.html",
        {
            "group": group,
            "members": members,
            "roles": roles,
            "error": error,
            "too_many": len(ids) > groups.bulk_max(),
        },
    )


# --- Role templates ----------------------------------------------------------------------------


@login_required
def template_list(request):
    return render(
        request, "buying_groups/template_list.html", {"templates": selectors.role_template_list()}
    )


def _template_payload(form, formset) -> dict:
    roles = []
    for index, role_form in enumerate(formset.forms):
        data = role_form.cleaned_data
        if not data or data.get("DELETE") or not (data.get("name") or "").strip():
            continue
        try:
            conditions = conditions_parse(data.get("conditions") or "")
        except ApplicationError as exc:
            role_form.add_error("conditions", exc.message)
            raise ApplicationError(
                _("Role %(n)d: %(message)s") % {"n": index + 1, "message": exc.message},
                field="roles",
            ) from None
        roles.append(
            {
                "id": data.get("id"),
                "name": data["name"],
                "weight": data.get("weight") or 1,
                "required": data.get("required", False),
                "is_decision_maker": data.get("is_decision_maker", False),
                "match": data.get("match") or "all",
                "conditions": conditions,
            }
        )
    return {**form.cleaned_data, "roles": roles}


@login_required
def template_edit(request, pk: int | None = None):
    template = get_object_or_404(RoleTemplate, pk=pk) if pk else None
    if not may_manage_role_templates(request.user):
        raise PermissionDenied(_("Only marketers and admins can change role templates."))
    initial = (
        {
            "name": template.name,
            "solution_interest": template.solution_interest_id,
            "description": template.description,
        }
        if template
        else {}
    )
    roles_initial = (
        [RoleForm.initial_for(r) for r in template.roles.order_by("position", "id")]
        if template
        else [
            {
                "name": "Decision maker",
                "weight": 3,
                "required": True,
                "is_decision_maker": True,
                "conditions": "seniority at_least VP",
            },
            {"name": "Influencer", "weight": 2, "conditions": "seniority is Director, Manager"},
        ]
    )
    form = RoleTemplateForm(request.POST or None, initial=initial)
    formset = RoleFormSet(request.POST or None, initial=roles_initial, prefix="roles")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        try:
            payload = _template_payload(form, formset)
            if template:
                templates.role_template_update(user=request.user, template=template, data=payload)
            else:
                template = templates.role_template_create(user=request.user, data=payload)
        except ApplicationError as exc:
            form.add_application_error(exc)
        else:
            saved = _("Role template “%(name)s” saved.") % {"name": template.name}
            messages.success(request, saved)
            return redirect("buying_groups:templates")
    return render(
        request,
        "buying_groups/template_form.html",
        {"template": template, "form": form, "formset": formset},
    )


@login_required
@require_POST
def template_delete(request, pk: int):
    template = get_object_or_404(RoleTemplate, pk=pk)
    try:
        templates.role_template_delete(user=request.user, template=template)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Deleted “%(name)s”.") % {"name": template.name})
    return redirect("buying_groups:templates")


# --- Generation --------------------------------------------------------------------------------


@login_required
def generate(request):
    form = GenerateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            job = generation.generation_job_start(
                user=request.user,
                role_template=data["role_template"],
                solution_interest=data["solution_interest"],
                all_targets=data["scope"] == "targets",
                account_filter=form.account_filter() if data["scope"] == "filter" else None,
            )
        except ApplicationError as exc:
            form.add_application_error(exc)
        else:
            return redirect("buying_groups:job", pk=job.pk)
    return render(
        request,
        "buying_groups/generate.html",
        {
            "form": form,
            "jobs": GenerationJob.objects.select_related("role_template", "solution_interest")[:10],
        },
    )


@login_required
def job_detail(request, pk: int):
    job = get_object_or_404(
        GenerationJob.objects.select_related("role_template", "solution_interest", "created_by"),
        pk=pk,
    )
    template_name = (
        "buying_groups/_job_status.html" if request.htmx else "buying_groups/job_detail.html"
    )
    return render(request, template_name, {"job": job, "skipped_json": json.dumps(job.skipped)})
