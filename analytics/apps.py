from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "analytics"

    def ready(self) -> None:
        from accounts.services.changes import changes_register
        from analytics.engine import data_version_bump

        # Any write the hub announces (activities, deals, leads, targets) makes cached
        # analysis results stale: the data version they are keyed by moves on.
        changes_register(data_version_bump)
