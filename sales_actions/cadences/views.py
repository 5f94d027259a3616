"""Pages of cadences: the list, create/edit, the cadence with its steps editor and people,
the enrol dialog, and the "Cadences" panels of contact, account and opportunity pages."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import BadRequest, PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from abm.exceptions import ApplicationError
from abm.pages import form_submit, htmx_finish, safe_next_url
from abm.paging import paginate_request_or_first
from abm.permissions import (
    may_enrol_in_cadence,
    may_manage_cadence,
    may_see_all_cadences,
)
from accounts.models import Account, Contact, Lead, Opportunity
from sales_actions.cadences import enrolment as people
from sales_actions.cadences import selectors, services
from sales_actions.cadences.forms import CadenceForm, EnrolForm, StepForm
from sales_actions.cadences.models import CadenceStep, Enrolment
from sales_actions.selectors import approved_templates

T = "sales_actions/cadences/"


def _cadence(request, pk, *, manage: bool = False):
    cadence = get_object_or_404(selectors.cadence_visible(user=request.user), pk=pk)
    if manage and not may_manage_cadence(request.user, cadence):
        raise PermissionDenied(_("Only the cadence's owner changes it."))
    return cadence


@login_required
def cadence_list(request):
    scope = request.GET.get("scope") or "mine"
    if scope not in selectors.SCOPES:
        raise BadRequest(_("scope: choose mine, team or all."))
    if scope == "all" and not may_see_all_cadences(request.user):
        raise PermissionDenied(_("Only admins and marketers see every cadence."))
    qs = selectors.cadence_list(user=request.user, scope=scope)
    page, cursor_error = paginate_request_or_first(request, qs, ordering=["name"])
    if cursor_error:
        messages.error(request, cursor_error)
    scopes = [("mine", _("Mine")), ("team", _("My team's"))]
    if may_see_all_cadences(request.user):
        scopes.append(("all", _("All")))
    context = {"cadences": page.items, "page": page, "scope": scope, "scopes": scopes}
    return render(request, T + "list.html", context, status=400 if cursor_error else 200)


@login_required
def cadence_create(request):
    form = CadenceForm(request.POST or None)
    done = form_submit(
        request,
        form,
        lambda f: services.cadence_create(
            user=request.user, **{k: v for k, v in f.cleaned_data.items() if k != "status"}
        ),
        message=lambda c: _("Cadence “%(name)s” created: add its steps.") % {"name": c.name},
        redirect_to=lambda c: reverse("cadences:detail", args=[c.pk]),
    )
    if done:
        return done
    context = {"form": form, "cadence": None}
    return render(request, T + "form.html", context, status=400 if form.errors else 200)


@login_required
def cadence_edit(request, pk):
    cadence = _cadence(request, pk, manage=True)
    initial = {name: getattr(cadence, name) for name in services.CADENCE_FIELDS}
    form = CadenceForm(request.POST or None, initial=initial)
    done = form_submit(
        request,
        form,
        lambda f: services.cadence_update(
            user=request.user,
            cadence=cadence,
            **{k: v for k, v in f.cleaned_data.items() if k != "status" or v},
        ),  # fmt: skip
        message=lambda c: _("Cadence saved."),
        redirect_to=lambda c: reverse("cadences:detail", args=[c.pk]),
        on_error=cadence.refresh_from_db,
    )
    if done:
        return done
    context = {"form": form, "cadence": cadence}
    return render(request, T + "form.html", context, status=400 if form.errors else 200)


@login_required
def cadence_detail(request, pk):
    cadence = _cadence(request, pk)
    status = request.GET.get("status") or ""
    if status and status not in Enrolment.Status.values:
        raise BadRequest(_("status: not a status of a person in a cadence."))
    steps = selectors.cadence_steps(cadence=cadence)
    figures = selectors.cadence_step_figures(cadence=cadence)
    for step in steps:
        step.figures = figures.get(step.pk, {})
    page, cursor_error = paginate_request_or_first(
        request, selectors.enrolment_list(cadence=cadence, status=status), ordering=["-id"]
    )
    if cursor_error:
        messages.error(request, cursor_error)
    may_manage = may_manage_cadence(request.user, cadence)
    context = {
        "cadence": cadence,
        "steps": steps,
        "enrolments": page.items,
        "page": page,
        "status": status,
        "statuses": Enrolment.Status.choices,
        "counts": selectors.cadence_status_counts(cadence=cadence),
        "may_manage": may_manage,
        "may_enrol": may_enrol_in_cadence(request.user, cadence),
        "step_form": StepForm(templates=approved_templates(user=request.user)),
    }
    return render(request, T + "detail.html", context, status=400 if cursor_error else 200)


def _step_page(request, cadence, step=None):
    """The add-a-step page, or (``step``) the edit page: one form, the service decides."""
    initial = (
        {"kind": step.kind, "day_offset": step.day_offset, "send_time": step.send_time,
         "template": step.template_id, "title": step.title}
        if step else None
    )  # fmt: skip
    form = StepForm(
        request.POST or None, initial=initial, templates=approved_templates(user=request.user)
    )

    def save(f):
        values = {
            "kind": f.cleaned_data["kind"], "day_offset": f.cleaned_data["day_offset"],
            "send_time": f.cleaned_data["send_time"], "title": f.cleaned_data["title"],
            "template_id": f.cleaned_data["template"].pk if f.cleaned_data["template"] else None,
        }  # fmt: skip
        if step is None:
            return services.cadence_step_add(user=request.user, cadence=cadence, **values)
        return services.cadence_step_update(user=request.user, step=step, **values)

    back = reverse("cadences:detail", args=[cadence.pk]) + "#steps"
    done = form_submit(
        request, form, save,
        message=lambda s: _("Step added.") if step is None else _("Step saved."),
        redirect_to=lambda s: back,
        on_error=step.refresh_from_db if step else None,
    )  # fmt: skip
    if done:
        return done
    context = {"form": form, "cadence": cadence, "step": step}
    return render(request, T + "step_form.html", context, status=400 if form.errors else 200)


@login_required
def step_add(request, pk):
    return _step_page(request, _cadence(request, pk, manage=True))


@login_required
def step_edit(request, pk):
    """Change a step's kind, timing, email or task title (the steps editor's Edit)."""
    step = get_object_or_404(CadenceStep.objects.select_related("cadence__owner"), pk=pk)
    return _step_page(request, _cadence(request, step.cadence_id, manage=True), step)


@login_required
@require_POST
def step_change(request, pk, action):
    step = get_object_or_404(CadenceStep.objects.select_related("cadence__owner"), pk=pk)
    _cadence(request, step.cadence_id, manage=True)
    back = reverse("cadences:detail", args=[step.cadence_id]) + "#steps"
    if action == "delete":
        services.cadence_step_delete(user=request.user, step=step)
        return htmx_finish(request, message=_("Step deleted."), redirect_to=back)
    if action in ("up", "down"):
        services.cadence_step_move(user=request.user, step=step, direction=action)
        return htmx_finish(request, message=None, redirect_to=back)
    raise Http404


@login_required
@require_POST
def people_change(request, pk):
    """Pause, resume or remove the ticked people (or the one a row's button names)."""
    cadence = _cadence(request, pk)
    action = request.POST.get("action", "")
    ids = request.POST.getlist("contact")
    back = safe_next_url(request, reverse("cadences:detail", args=[cadence.pk]))
    try:
        changed = people.enrolments_change(
            user=request.user, cadence=cadence, action=action, contact_ids=ids, strict=False
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect(back)
    text = {
        "remove": _("Removed %(n)s from the cadence."),
        "pause": _("Paused %(n)s."),
        "resume": _("Resumed %(n)s."),
    }[action] % {"n": changed}
    return htmx_finish(request, message=text, redirect_to=back)


# --- Enrol dialog -------------------------------------------------------------------------


def _people_query(params) -> dict:
    """The people the dialog is about, from ?contact=&lead=, ?account=, ?opportunity=."""
    return {
        # The buying-group Members tab sends its ticked boxes as ``selected``.
        "contact_ids": params.getlist("contact") + params.getlist("selected"),
        "lead_ids": params.getlist("lead"),
        "account_id": params.get("account") or None,
        "opportunity_id": params.get("opportunity") or None,
    }


def _source_label(params) -> str:
    if params.get("account"):
        account = Account.objects.filter(pk=_int(params.get("account"))).first()
        return _("every contact of %(name)s") % {"name": account.name} if account else ""
    if params.get("opportunity"):
        deal = Opportunity.objects.filter(pk=_int(params.get("opportunity"))).first()
        return _("every contact of %(name)s") % {"name": deal.name} if deal else ""
    return ""


def _int(value) -> int:
    return int(value) if str(value).isdecimal() else 0


@login_required
def cadence_enrol(request):
    """Choose a cadence, see who would be enrolled and who is skipped (and why), confirm."""
    params = request.POST if request.method == "POST" else request.GET
    try:
        contacts = people.people_resolve(**_people_query(params))
    except ApplicationError as exc:
        raise BadRequest(exc.message) from exc
    usable = selectors.cadence_list(user=request.user, scope="usable").filter(status="active")
    initial = {"cadence": params.get("cadence")} if params.get("cadence") else None
    form = EnrolForm(params if params.get("cadence") else None, cadences=usable, initial=initial)
    form_valid = form.is_bound and form.is_valid()
    cadence = form.cleaned_data["cadence"] if form_valid else None
    if cadence is None and request.method == "GET" and not form.is_bound:
        cadence = usable.first()
    plan = None
    if cadence is not None:
        try:
            plan = people.enrolment_plan(user=request.user, cadence=cadence, contacts=contacts)
        except ApplicationError as exc:
            form.add_application_error(exc)
    if request.method == "POST" and form_valid and plan is not None:
        try:
            plan = people.enrolments_add(user=request.user, cadence=cadence, contacts=contacts)
        except ApplicationError as exc:
            form.add_application_error(exc)
        else:
            text = _("Enrolled %(n)s in “%(name)s”; skipped %(s)s.") % {
                "n": len(plan.enrol), "name": cadence.name, "s": len(plan.skipped),
            }  # fmt: skip
            back = safe_next_url(request, reverse("cadences:detail", args=[cadence.pk]))
            return htmx_finish(
                request, message=text, redirect_to=back,
                events={"closeModal": True, "cadenceChanged": True} if request.htmx else None,
            )  # fmt: skip
    keys = ("contact", "selected", "lead", "account", "opportunity", "group", "next")
    hidden = [(k, v) for k in keys for v in params.getlist(k)]
    context = {
        "form": form,
        "plan": plan,
        "cadence": cadence,
        "count": len(contacts),
        "source": _source_label(params),
        "hidden": hidden,
        "action": reverse("sales_actions:cadence_enrol"),
    }
    name = T + ("enrol_dialog.html" if request.htmx else "enrol_page.html")
    return render(request, name, context, status=400 if form.errors else 200)


# --- Record panels ------------------------------------------------------------------------


def _panel(request, *, enrolments, enrol_query: str, back: str):
    context = {
        "enrolments": list(enrolments[:50]),
        "enrol_url": reverse("sales_actions:cadence_enrol") + enrol_query,
        "back": back,
    }
    return render(request, T + "panel.html", context)


@login_required
def contact_cadences(request, pk):
    contact = get_object_or_404(Contact, pk=pk)
    return _panel(
        request,
        enrolments=selectors.record_enrolments(user=request.user, contact_ids=[contact.pk]),
        enrol_query=f"?contact={contact.pk}",
        back=reverse("accounts:contact_detail", args=[contact.pk]),
    )


@login_required
def account_cadences(request, pk):
    account = get_object_or_404(Account, pk=pk)
    return _panel(
        request,
        enrolments=selectors.record_enrolments(user=request.user, account_id=account.pk),
        enrol_query=f"?account={account.pk}",
        back=reverse("accounts:account_detail", args=[account.pk]),
    )


@login_required
def opportunity_cadences(request, pk):
    deal = get_object_or_404(Opportunity, pk=pk)
    ids = list(deal.contact_roles.values_list("contact_id", flat=True))
    return _panel(
        request,
        enrolments=selectors.record_enrolments(user=request.user, contact_ids=ids),
        enrol_query=f"?opportunity={deal.pk}",
        back=request.GET.get("next") or "",
    )


@login_required
def lead_cadences(request, pk):
    lead = get_object_or_404(Lead, pk=pk)
    return _panel(
        request,
        enrolments=selectors.record_enrolments(
            user=request.user, contact_ids=[lead.contact_id] if lead.contact_id else []
        ),
        enrol_query=f"?lead={lead.pk}",
        back="",
    )
