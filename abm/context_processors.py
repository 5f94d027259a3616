"""Navigation for the base layout: only areas that are built are shown."""

from django.urls import NoReverseMatch, reverse

# (label, url name, the path prefix that marks it active). An entry whose URL
# does not resolve yet (its app has not landed) is left out.
NAV_ITEMS = [
    ("Target accounts", "targets:index", "/target-accounts/"),
    ("Accounts", "accounts:account_list", "/accounts/"),
    ("Contacts", "accounts:contact_list", "/contacts/"),
    ("Leads", "accounts:lead_list", "/leads/"),
    ("Opportunities", "accounts:opportunity_list", "/opportunities/"),
    ("Buying groups", "buying_groups:list", "/buying-groups/"),
    ("Emails", "sales_actions:template_list", "/emails/"),
    ("Import", "accounts:import", "/import/"),
]


def navigation(request):
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {"nav_items": []}
    items = []
    for label, name, prefix in NAV_ITEMS:
        try:
            url = reverse(name)
        except NoReverseMatch:
            continue
        items.append({"label": label, "url": url, "active": request.path.startswith(prefix)})
    return {"nav_items": items}
