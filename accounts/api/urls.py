"""API routes of the accounts app, gathered from each area's module."""

from accounts.api import imports, money, records, targets
from accounts.events import api as events
from accounts.gdpr import api as gdpr
from accounts.lifecycle import api as lifecycle
from accounts.scoring import api as scoring
from accounts.subscriptions import api as subscriptions
from accounts.webforms import api as webforms
from accounts.webhooks import api as webhooks

urlpatterns = (
    records.urlpatterns
    + imports.urlpatterns
    + targets.urlpatterns
    + money.urlpatterns
    + scoring.urlpatterns
    + events.urlpatterns
    + lifecycle.urlpatterns
    + webhooks.urlpatterns
    + webforms.urlpatterns
    + subscriptions.urlpatterns
    + gdpr.urlpatterns
)
