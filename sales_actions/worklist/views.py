"""The tasks page (today / overdue / upcoming / done), its actions and the task panels.

Completing a call task opens the call-log dialog (``sales_actions:call_log_dialog``) and
an email task the send dialog: the answer's ``openDialog`` event names the URL and
static/js/hub.js loads it into the page's modal.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import BadRequest
from django.db.models import prefetch_related_objects
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from abm.exceptions import ApplicationError, ForbiddenError
from abm.pages import htmx_finish, safe_next_url, url_with_query
from abm.paging import paginate_request_or_first
from abm.permissions import may_choose_owner, may_write
from accounts import services
from accounts.models import Account, Contact, Lead, Opportunity, Task
from accounts.services.tasks import user_time_zone
from sales_actions.worklist import selectors
from sales_actions.worklist.forms import (
    TaskFilterForm,
    TaskNewForm,
    TaskReassignForm,
    TaskSnoozeForm,
)

CHANGED = "taskChanged"


def _url_or_empty(name: str, *args) -> str:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


def cadences_available() -> bool:
    """The cadence filter appears once cadence step runs link their tasks."""
    return hasattr(Task, "cadence_run")


def _cadence_choices(user) -> list:
    if not cadences_available():
        return []
    from sales_actions.models import Cadence

    return list(Cadence.objects.order_by("name").values_list("pk", "name")[:200])


def _decorate(tasks, user) -> None:
    """What each row may offer, asked once per row of the page (no query)."""
    chooser = may_choose_owner(user)
    for task in tasks:
        task.can_write = may_write(user, task)
        task.can_reassign = task.can_write and chooser


@login_required
@require_GET
def task_list(request):
    user = request.user
    tab = request.GET.get("tab") or "today"
    scope = request.GET.get("scope") or "mine"
    filters = TaskFilterForm(request.GET)
    if not filters.is_valid():
        field, errors = next(iter(filters.errors.items()))
        raise BadRequest(f"{field}: {' '.join(errors)}")
    data = filters.cleaned_data
    try:
        scoped = selectors.task_scope_queryset(user=user, scope=scope)
        day = selectors.user_day(user=user)
        filtered = selectors.task_filter(
            scoped,
            type=data["type"],
            due=data["due"],
            account_id=data["account"],
            cadence_id=data["cadence"] if cadences_available() else None,
            user=user,
        )
        rows = selectors.task_tab(filtered, tab=tab, day=day)
    except ForbiddenError:
        raise  # the styled 403
    except ApplicationError as exc:
        raise BadRequest(f"{exc.field}: {exc.message}") from exc
    page, cursor_error = paginate_request_or_first(
        request, rows, ordering=selectors.task_ordering(tab)
    )
    prefetch_related_objects(page.items, *selectors.ROW_RELATED)
    _decorate(page.items, user)
    counts = selectors.task_tab_counts(filtered, day=day)
    tabs = [
        {
            "key": key,
            "label": label,
            "count": counts[key],
            "url": url_with_query(request, tab=key, cursor=None),
            "active": key == tab,
        }
        for key, label in selectors.TABS.items()
    ]
    scopes = [
        {"key": key, "label": label, "url": url_with_query(request, scope=key, cursor=None)}
        for key, label in selectors.task_scopes(user=user).items()
    ]
    context = {
        "tab": tab,
        "tabs": tabs,
        "scope": scope,
        "scopes": scopes,
        "filters": filters,
        "accounts": selectors.task_accounts(scoped),
        "cadences": _cadence_choices(user),
        "rows": page.items,
        "page": page,
        "now": day.now,
        "day_end": day.end,
        "snooze_choices": [c for c in TaskSnoozeForm.base_fields["snooze"].choices],
        "next_url": request.get_full_path(),
        "filtered": any(data.get(k) for k in ("type", "due", "account", "cadence")),
    }
    if cursor_error:
        messages.error(request, cursor_error)
    return render(
        request, "sales_actions/tasks/task_list.html", context, status=400 if cursor_error else 200
    )


def _task_or_404(pk: int) -> Task:
    return get_object_or_404(Task.objects.select_related("contact", "account", "owner"), pk=pk)


def _follow_up_url(task: Task) -> str:
    """The dialog that a completed call or email task opens next, if that dialog exists."""
    if not task.contact_id:
        return ""
    if task.type == Task.Type.CALL:
        url = _url_or_empty("sales_actions:call_log_dialog")
        query = {"contact": task.contact_id, "task": task.pk}
    elif task.type == Task.Type.EMAIL:
        url = _url_or_empty("sales_actions:send_dialog")
        query = {"contact": task.contact_id}
    else:
        return ""
    return f"{url}?{urlencode(query)}" if url else ""


def _back(request, task: Task) -> str:
    return safe_next_url(request, reverse("tasks:task_list"))


def _done(request, task: Task, message: str, *, follow_up: str = "") -> HttpResponse:
    events: dict = {CHANGED: {"task": task.pk}}
    if follow_up:
        events["openDialog"] = {"url": follow_up}
    else:
        events["closeModal"] = True
    if not request.htmx and follow_up:
        messages.success(request, message)
        return redirect(follow_up)
    return htmx_finish(request, message=message, redirect_to=_back(request, task), events=events)


def _refused(request, task: Task, exc: ApplicationError) -> HttpResponse:
    if request.htmx:
        return htmx_finish(
            request, message=exc.message, level="error", redirect_to=_back(request, task), events={}
        )
    messages.error(request, exc.message)
    return redirect(_back(request, task))


@login_required
@require_POST
def task_complete(request, pk: int):
    task = _task_or_404(pk)
    try:
        services.task_complete(user=request.user, task=task)
    except ApplicationError as exc:
        return _refused(request, task, exc)
    return _done(
        request,
        task,
        _("Task “%(title)s” done.") % {"title": task.title},
        follow_up=_follow_up_url(task),
    )


@login_required
@require_POST
def task_reopen(request, pk: int):
    task = _task_or_404(pk)
    try:
        services.task_reopen(user=request.user, task=task)
    except ApplicationError as exc:
        return _refused(request, task, exc)
    return _done(request, task, _("Task “%(title)s” is open again.") % {"title": task.title})


@login_required
@require_POST
def task_snooze(request, pk: int):
    task = _task_or_404(pk)
    form = TaskSnoozeForm(request.POST)
    if not form.is_valid():
        field, errors = next(iter(form.errors.items()))
        exc = ApplicationError(f"{form.fields[field].label}: {' '.join(errors)}", field=field)
        if request.htmx:
            return _refused(request, task, exc)
        raise BadRequest(exc.message)
    try:
        services.task_snooze(user=request.user, task=task, until=form.until_value())
    except ApplicationError as exc:
        if not request.htmx and exc.field == "until":
            raise BadRequest(exc.message) from exc
        return _refused(request, task, exc)
    local = task.due_at.astimezone(user_time_zone(request.user))
    return _done(
        request,
        task,
        _("Task “%(title)s” snoozed until %(when)s.")
        % {"title": task.title, "when": local.strftime("%Y-%m-%d %H:%M")},
    )


@login_required
@require_http_methods(["GET", "POST"])
def task_reassign(request, pk: int):
    task = _task_or_404(pk)
    form = TaskReassignForm(
        request.POST or None, user=request.user, initial={"owner": task.owner_id}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.task_reassign(user=request.user, task=task, owner=form.cleaned_data["owner"])
        except ApplicationError as exc:
            form.add_application_error(exc)
        else:
            return _done(
                request,
                task,
                _("Task “%(title)s” now belongs to %(owner)s.")
                % {"title": task.title, "owner": task.owner.display_name},
            )
    return _dialog(
        request,
        "sales_actions/tasks/dialog_reassign.html",
        {"form": form, "task": task},
        action=reverse("tasks:task_reassign", args=[task.pk]),
        status=400 if form.errors else 200,
    )


def _dialog(request, template: str, context: dict, *, action: str, status: int = 200):
    context.update(
        dialog_base=(
            "accounts/_dialog_fragment.html" if request.htmx else "accounts/_dialog_page.html"
        ),
        dialog_action=action,
        next_url=safe_next_url(request, reverse("tasks:task_list")),
    )
    return render(request, template, context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def task_new(request):
    """A task for any contact or account, picked in the dialog."""
    form = TaskNewForm(
        request.POST or None,
        user=request.user,
        contact_lookup_url=reverse("accounts:contact_lookup"),
        account_lookup_url=reverse("accounts:account_lookup"),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            task = services.task_create(
                user=request.user,
                title=data["title"],
                type=data["type"],
                due_at=data.get("due_at"),
                description=data.get("description") or "",
                owner=data.get("owner") or request.user,
                contact=data.get("contact"),
                account=data.get("account"),
            )
        except ApplicationError as exc:
            form.add_application_error(exc)
        else:
            return htmx_finish(
                request,
                message=_("Task “%(title)s” added.") % {"title": task.title},
                redirect_to=safe_next_url(request, reverse("tasks:task_list")),
                events={"closeModal": True, "taskCreated": True},
            )
    return _dialog(
        request,
        "sales_actions/tasks/dialog_new.html",
        {"form": form},
        action=reverse("tasks:task_new"),
        status=400 if form.errors else 200,
    )


# --- Task panels on record pages --------------------------------------------------------


def _panel(request, *, tasks, add_query: dict, record_url: str):
    _decorate(tasks, request.user)
    context = {
        "tasks": tasks,
        "now": timezone.now(),
        "add_url": f"{reverse('accounts:task_create')}?{urlencode(add_query)}" if add_query else "",
        "next_url": record_url,
        "snooze_choices": TaskSnoozeForm.base_fields["snooze"].choices,
    }
    return render(request, "sales_actions/tasks/_panel.html", context)


@login_required
@require_GET
def contact_tasks(request, pk: int):
    contact = get_object_or_404(Contact, pk=pk)
    return _panel(
        request,
        tasks=selectors.record_tasks(contact=contact),
        add_query={"contact": contact.pk},
        record_url=reverse("accounts:contact_detail", args=[pk]),
    )


@login_required
@require_GET
def account_tasks(request, pk: int):
    account = get_object_or_404(Account, pk=pk)
    return _panel(
        request,
        tasks=selectors.record_tasks(account_id=account.pk),
        add_query={"account": account.pk},
        record_url=reverse("accounts:account_detail", args=[pk]),
    )


@login_required
@require_GET
def lead_tasks(request, pk: int):
    """A lead's tasks are its contact's (or, without one, its account's)."""
    lead = get_object_or_404(Lead, pk=pk)
    if lead.contact_id:
        tasks = selectors.record_tasks(contact=lead.contact)
        query = {"contact": lead.contact_id}
    elif lead.account_id:
        tasks, query = (
            selectors.record_tasks(account_id=lead.account_id),
            {"account": lead.account_id},
        )
    else:
        tasks, query = [], {}
    return _panel(
        request,
        tasks=tasks,
        add_query=query,
        record_url=reverse("accounts:lead_detail", args=[pk]),
    )


@login_required
@require_GET
def opportunity_tasks(request, pk: int):
    deal = get_object_or_404(Opportunity, pk=pk)
    return _panel(
        request,
        tasks=selectors.record_tasks(opportunity=deal),
        add_query={"account": deal.account_id},
        record_url=_url_or_empty("accounts:opportunity_detail", pk),
    )
