"""``/best-bets/``: the people most worth contacting now, ranked by the worker."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import BadRequest
from django.db.models import prefetch_related_objects
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from abm.exceptions import ApplicationError, ForbiddenError
from abm.pages import url_with_query
from abm.paging import paginate_request_or_first
from sales_actions.bestbets import scoring, selectors
from sales_actions.services.sending import MAX_SELECTED


@login_required
@require_GET
def bestbet_list(request):
    user = request.user
    scope = request.GET.get("scope") or selectors.bestbet_default_scope(user=user)
    try:
        rows = selectors.bestbet_list(user=user, scope=scope)
    except ForbiddenError:
        raise  # the styled 403
    except ApplicationError as exc:
        raise BadRequest(f"{exc.field}: {exc.message}") from exc
    page, cursor_error = paginate_request_or_first(request, rows, ordering=selectors.ORDERING)
    prefetch_related_objects(page.items, *selectors.ROW_RELATED)
    now = timezone.now()
    for bet in page.items:
        bet.reason = selectors.bestbet_reason(bet, now=now)
        bet.components = selectors.bestbet_components(bet)
    context = {
        "scope": scope,
        "scopes": [
            {
                "key": key,
                "label": label,
                "url": url_with_query(request, scope=key, cursor=None),
                "active": key == scope,
            }
            for key, label in selectors.bestbet_scopes(user=user).items()
        ],
        "rows": page.items,
        "page": page,
        "formula": scoring.formula_text(),
        "max_selected": MAX_SELECTED,
        "next_url": request.get_full_path(),
    }
    if cursor_error:
        messages.error(request, cursor_error)
    return render(
        request,
        "sales_actions/bestbets/list.html",
        context,
        status=400 if cursor_error else 200,
    )
