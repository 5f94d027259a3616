"""Template context of every page: the user's permissions and the navigation they may open."""

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from abm import permissions

# (label, url name, the path prefix that marks it active, the predicate that lets the user
# open it or None for every signed-in user). An entry whose URL does not resolve yet (its
# app has not landed) is left out.
NAV_ITEMS = [
    (_("Target accounts"), "targets:index", "/target-accounts/", None),
    (_("Accounts"), "accounts:account_list", "/accounts/", None),
    (_("Contacts"), "accounts:contact_list", "/contacts/", None),
    (_("Leads"), "accounts:lead_list", "/leads/", None),
    (_("Lead scoring"), "scoring:list", "/scoring/", permissions.may_manage_marketing),
    (_("Opportunities"), "accounts:opportunity_list", "/opportunities/", None),
    (_("Buying groups"), "buying_groups:list", "/buying-groups/", None),
    (_("Emails"), "sales_actions:template_list", "/emails/", None),
    (_("Tasks"), "tasks:task_list", "/tasks/", None),
    (_("Best bets"), "bestbets:list", "/best-bets/", None),
    (_("Cadences"), "cadences:list", "/cadences/", None),
    (_("Calls"), "calls:call_list", "/calls/", None),
    (_("Analytics"), "analytics:index", "/analytics/", None),
    (_("Events"), "events:list", "/events/", None),
    (_("Forms"), "webforms:list", "/forms/", permissions.may_manage_webforms),
    (
        _("Subscription lists"),
        "subscriptions:list",
        "/subscription-lists/",
        permissions.may_manage_subscription_lists,
    ),
    (_("Import"), "accounts:import", "/import/", permissions.may_import),
    (_("Webhooks"), "webhooks:list", "/webhooks/", permissions.may_manage_webhooks),
]


# Counts shown beside an entry (url name -> fn(user) -> int), registered by the app that
# owns the entry from its AppConfig.ready(): abm imports no app.
NAV_BADGES: dict = {}


def nav_badge_register(url_name: str, count) -> None:
    """Show ``count(user)`` beside the navigation entry ``url_name`` when it is not 0."""
    NAV_BADGES[url_name] = count


def navigation(request):
    """``nav_items`` the user may open, and ``perms_hub.<predicate>`` for the templates
    (e.g. ``{% if perms_hub.may_import %}``)."""
    user = getattr(request, "user", None)
    context = {"perms_hub": permissions.UserPermissions(user), "nav_items": []}
    if not permissions.is_signed_in(user):
        return context
    for label, name, prefix, predicate in NAV_ITEMS:
        if predicate is not None and not predicate(user):
            continue
        try:
            url = reverse(name)
        except NoReverseMatch:
            continue
        badge = NAV_BADGES.get(name)
        context["nav_items"].append(
            {
                "label": label,
                "url": url,
                "active": request.path.startswith(prefix),
                "badge": (lambda fn=badge: fn(user)) if badge else None,
            }
        )
    return context
