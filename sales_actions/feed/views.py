"""The live feed's page (``/feed/``); the docked panel on every page is
``templates/sales_actions/feed/_dock.html``, filled by ``static/js/feed.js``."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET


@login_required
@require_GET
def feed_page(request):
    """The feed as a whole page (the navigation icon's link without JavaScript, and the
    place to read further back)."""
    return render(request, "sales_actions/feed/page.html")
