"""Pages of the target-accounts area (namespace ``targets``, mounted at /target-accounts/).

Thin views over accounts.selectors.targets and the target, rule and recommendation
services; the API (accounts.api.targets) is the other door onto the same functions.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from abm.exceptions import ApplicationError
from abm.pages import htmx_finish, safe_next_url, url_with_query
from abm.paging import InvalidCursor
from abm.permissions import may_manage_targeting_rules, may_write
from abm.templatetags.hub import _relative as relative_time
from abm.templatetags.hub import money as money_html
from abm.templatetags.hub import money_text
from accounts.models import Account, Industry, TargetingRule
from accounts.selectors import money
from accounts.selectors import targets as selectors
from accounts.services import recommendations, rules
from accounts.services.targets import accounts_mark_target, accounts_unmark_target

COLUMNS = [
    ("name", "Name"),
    ("owner", "Owner"),
    ("contacts", "Contacts"),
    ("open_deals", "Open deals"),
    ("open_deal_value", "Open deal value"),
    ("last_touch", "Last touch"),
    ("last_engagement", "Last engagement"),
    ("next_scheduled", "Next scheduled"),
    ("health", "Health"),
]
NUMERIC = {"contacts", "open_deals", "open_deal_value"}


def _done(request, message: str, default_url: str, *, level: str = "success") -> HttpResponse:
    """Finish a write: htmx follows HX-Redirect (keeping filters), others a 302."""
    return htmx_finish(
        request, message=message, redirect_to=safe_next_url(request, default_url), level=level
    )


def _owner_name(row: dict) -> str:
    full = f"{row['owner__first_name']} {row['owner__last_name']}".strip()
    return full or row["owner__username"] or ""


_ID = 987654321  # a stand-in id: each link is reversed once per page, not once per row


_EMPTY_TIME = mark_safe('<span class="faint">—</span>')


def _time_cell(value, now, zone) -> str:
    """The {% reltime %} markup ("3 days ago", exact time on hover), for one table cell.

    Only digits, letters and punctuation of a formatted datetime go in, nothing typed by
    a user, so the markup is safe as built.
    """
    if value is None:
        return _EMPTY_TIME
    local = value.astimezone(zone)
    return mark_safe(
        f'<time datetime="{value.isoformat()}" title="{local.strftime("%Y-%m-%d %H:%M %Z")}">'
        f"{relative_time(value, now)}</time>"
    )


def _row_links(rows: list[dict], *, next_url: str) -> None:
    """Owner name and the row actions' URLs, built by string substitution per row."""
    overview = reverse("targets:overview", args=[_ID])
    record = reverse("accounts:account_detail", args=[_ID])
    remove = reverse("targets:remove", args=[_ID]) + "?" + urlencode({"next": next_url})
    task = reverse("accounts:task_create") + "?account="
    note = reverse("accounts:note_create") + "?account="
    marker = str(_ID)
    now, zone = timezone.now(), timezone.get_current_timezone()
    base = money.base_currency()
    for row in rows:
        pk = str(row["id"])
        row["owner_name"] = _owner_name(row) if row["owner_id"] else ""
        row["overview_url"] = overview.replace(marker, pk)
        row["record_url"] = record.replace(marker, pk)
        row["remove_url"] = remove.replace(marker, pk, 1)
        row["task_url"] = task + pk
        row["note_url"] = note + pk
        # Cells formatted here once (template filters cost more at 50 rows x 8 columns).
        row["contacts_display"] = f"{row['rollup__contacts_count'] or 0:,}"
        # Open deal value: the base-currency sum (rollup), each currency's own total on hover
        # and, when another currency is in it, under it; deals without a rate are counted.
        totals = row["rollup__open_deal_values"] or []
        converted = (row["rollup__open_deals_count"] or 0) > (
            row["rollup__open_deals_unconverted"] or 0
        )
        row["value_html"] = (
            money_html(row["rollup__open_deal_value"], base) if converted else _EMPTY_TIME
        )
        row["value_title"] = " · ".join(money_text(t["amount"], t["currency"]) for t in totals)
        row["value_totals"] = totals if any(t["currency"] != base for t in totals) else []
        row["last_touch_html"] = _time_cell(row["rollup__last_touch_at"], now, zone)
        row["last_engagement_html"] = _time_cell(row["last_engagement"], now, zone)
        row["next_scheduled_html"] = _time_cell(row["rollup__next_scheduled_at"], now, zone)
        row["health_pending"] = row["rollup__health_computed_at"] is None


@login_required
@require_GET
def index(request):
    """The command centre: metric cards, categories, filters and the target table."""
    error = None
    try:
        filters = selectors.target_filters_parse(request.GET)
    except ApplicationError as exc:
        error = exc.message
        filters = selectors.TargetFilters()
    sort = request.GET.get("sort") or selectors.DEFAULT_SORT
    if sort.lstrip("-") not in dict(COLUMNS):
        sort = selectors.DEFAULT_SORT
    status = 200
    try:
        page = selectors.target_page(
            filters=filters, sort=sort, cursor=request.GET.get("cursor") or None
        )
    except InvalidCursor as exc:  # hand-edited, or for another sort: the first page, a 400
        error, status = exc.message, 400
        page = selectors.target_page(filters=filters, sort=sort)
    current_url = request.get_full_path()
    _row_links(page.rows, next_url=current_url)
    headers = []
    for key, label in COLUMNS:
        active = sort.lstrip("-") == key
        descending = sort.startswith("-")
        next_sort = ("" if descending else "-") + key if active else key
        headers.append(
            {
                "key": key,
                "label": label,
                "active": active,
                "descending": descending,
                "url": url_with_query(request, sort=next_sort, cursor=None),
                "numeric": key in NUMERIC,
            }
        )
    summary, counts = selectors.target_summary_and_counts(filters=filters)
    categories = [
        {
            "key": key,
            "label": label,
            "count": counts[key],
            "url": url_with_query(request, category=None if key == "all" else key, cursor=None),
            "active": filters.category == key,
        }
        for key, (label, _) in selectors.CATEGORIES.items()
    ]
    context = {
        "filters": filters,
        "error": error,
        "summary": summary,
        "categories": categories,
        "headers": headers,
        "rows": page.rows,
        "page": {
            "has_next": bool(page.next_cursor),
            "has_previous": bool(page.previous_cursor),
            "next_url": url_with_query(request, cursor=page.next_cursor),
            "previous_url": url_with_query(request, cursor=page.previous_cursor),
        },
        "owners": selectors.owner_choices(),
        "teams": selectors.team_choices(),
        "gdpr_mode": settings.GDPR_MODE,
        "current_url": current_url,
        "can_manage_rules": may_manage_targeting_rules(request.user),
    }
    return render(request, "accounts/targets/index.html", context, status=status)


def _selected_ids(params) -> list[int]:
    """The ticked accounts: kept ticks (``selected``, from every search so far) and ticks in
    the list on screen (``pick``, which is all a browser without script sends)."""
    ids: list[int] = []
    for raw in [*params.getlist("selected"), *params.getlist("pick")]:
        try:
            pk = int(raw)
        except (TypeError, ValueError):
            continue  # accounts_mark_target names a bad id; a stray one is not a tick
        if pk not in ids:
            ids.append(pk)
    return ids


def _select_context(request, params, *, q: str, error: str | None = None) -> dict:
    kept_ids = _selected_ids(params)
    return {
        "results": selectors.non_target_search(q=q),
        "q": q,
        "kept": selectors.accounts_named(ids=kept_ids),
        "kept_ids": kept_ids,
        "error": error,
        "next_url": safe_next_url(request, reverse("targets:index")),
    }


@login_required
def select(request):
    """The "select target accounts" panel: search non-targets, tick several, confirm.

    Ticks survive a new search: each tick is kept in the form (a hidden ``selected`` input
    per account, shown as a removable chip), the search sends them along so a list shows
    them ticked, and "Make targets" adds every kept account, whichever search showed it.
    """
    if request.method == "POST":
        raw = [*request.POST.getlist("selected"), *request.POST.getlist("pick")]
        ids = _selected_ids(request.POST)
        try:
            added = accounts_mark_target(
                user=request.user, account_ids=ids if len(ids) == len(set(raw)) else raw
            )
        except ApplicationError as exc:
            context = _select_context(
                request, request.POST, q=request.POST.get("q", ""), error=exc.message
            )
            return render(request, "accounts/targets/_select.html", context, status=400)
        return _done(
            request,
            f"{added} account{'s' if added != 1 else ''} added to targets.",
            reverse("targets:index"),
        )
    context = _select_context(request, request.GET, q=request.GET.get("q", ""))
    template = (
        "accounts/targets/_select_results.html"
        if request.GET.get("partial")
        else ("accounts/targets/_select.html")
    )
    if not request.htmx and not request.GET.get("partial"):
        template = "accounts/targets/select_page.html"
    return render(request, template, context)


@login_required
def remove(request, pk: int):
    """Confirm, then take an account off the targets (the account and its data stay)."""
    account = get_object_or_404(Account.objects.select_related("owner"), pk=pk)
    next_url = safe_next_url(request, reverse("targets:index"))
    if request.method == "POST":
        try:
            accounts_unmark_target(user=request.user, account_ids=[account.pk])
        except ApplicationError as exc:
            return _done(request, exc.message, next_url, level="error")
        return _done(request, f"{account.name} is no longer a target account.", next_url)
    template = (
        "accounts/targets/_remove.html" if request.htmx else "accounts/targets/remove_page.html"
    )
    return render(
        request,
        template,
        {"account": account, "next_url": next_url, "can_edit": may_write(request.user, account)},
    )


@login_required
@require_GET
def overview(request, pk: int):
    """Account overview: activities, contacts, internal stakeholders, deals, pages viewed."""
    account = get_object_or_404(Account.objects.select_related("owner", "rollup"), pk=pk)
    context = {"account": account, **selectors.account_overview(account=account)}
    context["rollup"] = getattr(account, "rollup", None)
    context["open_deal_values"] = money.open_deal_value_by_currency(account_ids=[account.pk])
    context["base_currency"] = money.base_currency()
    context["gdpr_mode"] = settings.GDPR_MODE
    return render(request, "accounts/targets/overview.html", context)


@login_required
@require_GET
def prospects(request):
    """Non-targets whose contacts engaged in the last 30 days, most engaged first."""
    return render(
        request,
        "accounts/targets/prospects.html",
        {"rows": selectors.prospects(limit=50), "days": selectors.PROSPECT_DAYS},
    )


@login_required
@require_GET
def recommendation_list(request):
    return render(
        request,
        "accounts/targets/recommendations.html",
        {"rows": recommendations.recommendations_list(), "method": recommendations.METHOD},
    )


@login_required
@require_POST
def mark_one(request, pk: int):
    """Make one account a target (from prospects or recommendations)."""
    account = get_object_or_404(Account, pk=pk)
    try:
        recommendations.recommendation_select(user=request.user, account_id=account.pk)
    except ApplicationError as exc:
        return _done(request, exc.message, reverse("targets:index"), level="error")
    return _done(request, f"{account.name} is now a target account.", reverse("targets:index"))


@login_required
@require_POST
def recommendation_dismiss(request, pk: int):
    account = get_object_or_404(Account, pk=pk)
    try:
        recommendations.recommendation_dismiss(user=request.user, account_id=account.pk)
    except ApplicationError as exc:
        return _done(request, exc.message, reverse("targets:recommendations"), level="error")
    return _done(
        request,
        f"{account.name} dismissed; it returns only if its data change markedly.",
        reverse("targets:recommendations"),
    )


# --- Targeting rules --------------------------------------------------------------------

RULE_ROWS = 4


def _conditions_from_post(post) -> list[dict]:
    """Rows of the rule form: field_i, op_i, value_i; ``between`` takes "low, high"."""
    conditions = []
    for i in range(RULE_ROWS):
        name = post.get(f"field_{i}", "").strip()
        op = post.get(f"op_{i}", "").strip()
        raw = post.get(f"value_{i}", "").strip()
        if not name and not raw:
            continue
        value: object = raw
        if op in ("between", "in"):
            value = [v.strip() for v in raw.split(",") if v.strip()]
        conditions.append({"field": name, "op": op, "value": value})
    return conditions


def _rule_rows(conditions: list[dict]) -> list[dict]:
    rows = []
    for i in range(RULE_ROWS):
        cond = conditions[i] if i < len(conditions) else {}
        value = cond.get("value", "")
        if isinstance(value, list):
            value = ", ".join(map(str, value))
        rows.append(
            {"i": i, "field": cond.get("field", ""), "op": cond.get("op", ""), "value": value}
        )
    return rows


def _rule_context(request, rule=None, conditions=None, error=None, name=""):
    conditions = conditions if conditions is not None else (rule.conditions if rule else [])
    return {
        "rule": rule,
        "name": name or (rule.name if rule else ""),
        "rows": _rule_rows(conditions),
        "fields": [(k, label) for k, (label, _) in rules.RULE_FIELDS.items()],
        "ops": [">=", "<=", ">", "<", "=", "between", "in", "contains"],
        "industries": Industry.choices,
        "error": error,
        "can_manage": may_manage_targeting_rules(request.user),
    }


@login_required
def rule_list(request):
    """Rules with their descriptions; marketers and admins add one below (with a preview)."""
    context = _rule_context(request)
    if request.method == "POST":
        if not context["can_manage"]:
            messages.error(request, "Only marketers and admins can manage targeting rules.")
            return redirect("targets:rules")
        conditions = _conditions_from_post(request.POST)
        try:
            rule = rules.targeting_rule_create(
                user=request.user,
                name=request.POST.get("name", ""),
                conditions=conditions,
                is_active=bool(request.POST.get("is_active")),
            )
        except ApplicationError as exc:
            context = _rule_context(
                request, conditions=conditions, error=exc.message, name=request.POST.get("name", "")
            )
            context["rule_list"] = _rule_rows_list()
            return render(request, "accounts/targets/rules.html", context, status=400)
        messages.success(request, f"Rule “{rule.name}” saved; a worker applies it to accounts.")
        return redirect("targets:rules")
    context["rule_list"] = _rule_rows_list()
    return render(request, "accounts/targets/rules.html", context)


def _rule_rows_list() -> list[dict]:
    return [
        {"rule": rule, "description": rules.rule_describe(rule.conditions)}
        for rule in TargetingRule.objects.select_related("created_by")
    ]


@login_required
@require_POST
def rule_preview(request):
    """htmx: how many accounts the conditions in the form would match and add."""
    if not may_manage_targeting_rules(request.user):  # as the API: previews are for rule-makers
        raise PermissionDenied(_("Only marketers and admins can manage targeting rules."))
    try:
        preview = rules.targeting_rule_preview(conditions=_conditions_from_post(request.POST))
    except ApplicationError as exc:
        return render(request, "accounts/targets/_rule_preview.html", {"error": exc.message})
    return render(request, "accounts/targets/_rule_preview.html", {"preview": preview})


@login_required
def rule_edit(request, pk: int):
    rule = get_object_or_404(TargetingRule, pk=pk)
    context = _rule_context(request, rule=rule)
    if request.method == "POST":
        conditions = _conditions_from_post(request.POST)
        try:
            rules.targeting_rule_update(
                user=request.user,
                rule=rule,
                name=request.POST.get("name", ""),
                conditions=conditions,
                is_active=bool(request.POST.get("is_active")),
            )
        except ApplicationError as exc:
            context = _rule_context(
                request,
                rule=rule,
                conditions=conditions,
                error=exc.message,
                name=request.POST.get("name", ""),
            )
            return render(request, "accounts/targets/rule_edit.html", context, status=400)
        messages.success(request, f"Rule “{rule.name}” saved.")
        return redirect("targets:rules")
    return render(request, "accounts/targets/rule_edit.html", context)


@login_required
@require_POST
def rule_delete(request, pk: int):
    rule = get_object_or_404(TargetingRule, pk=pk)
    try:
        rules.targeting_rule_delete(user=request.user, rule=rule)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("targets:rules")
    messages.success(request, f"Rule “{rule.name}” deleted.")
    return redirect("targets:rules")


@login_required
@require_POST
def rule_run(request, pk: int):
    rule = get_object_or_404(TargetingRule, pk=pk)
    if not may_manage_targeting_rules(request.user):
        messages.error(request, "Only marketers and admins can run targeting rules.")
        return redirect("targets:rules")
    added = rules.targeting_rules_run(rule_id=rule.pk)
    messages.success(request, f"Rule “{rule.name}” ran: {added} accounts became targets.")
    return redirect("targets:rules")


urlpatterns = [
    path("", index, name="index"),
    path("select/", select, name="select"),
    path("prospects/", prospects, name="prospects"),
    path("recommendations/", recommendation_list, name="recommendations"),
    path(
        "recommendations/<int:pk>/dismiss/", recommendation_dismiss, name="recommendation_dismiss"
    ),
    path("rules/", rule_list, name="rules"),
    path("rules/preview/", rule_preview, name="rule_preview"),
    path("rules/<int:pk>/edit/", rule_edit, name="rule_edit"),
    path("rules/<int:pk>/delete/", rule_delete, name="rule_delete"),
    path("rules/<int:pk>/run/", rule_run, name="rule_run"),
    path("<int:pk>/", overview, name="overview"),
    path("<int:pk>/mark/", mark_one, name="mark"),
    path("<int:pk>/remove/", remove, name="remove"),
]
