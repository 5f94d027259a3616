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

        # Lifecycle firsts (a flow anchored at MQL, a deal, a stage reads its paths there):
        # the accounts a commit touched are marked and recomputed by a worker.
        from analytics.firsts.refresh import firsts_changes_listener

        changes_register(firsts_changes_listener)

        # Account health: what a commit touched is recomputed by the insights worker.
        import analytics.insights.tasks  # noqa: F401  (registers the insights tasks)
        from analytics.insights.health import health_changes_listener
        from analytics.insights.impact import credits_changes_listener

        changes_register(health_changes_listener)
        # Marketing impact: a deal created or won gets its attribution shares.
        changes_register(credits_changes_listener)

        # Marketing insights: KPIs of people's marketing interactions on record pages.
        from django.utils.translation import gettext_lazy as _

        from abm.panels import panel_register

        for record in ("contact", "account", "lead"):
            panel_register(
                record=record,
                key="marketing_insights",
                title=_("Marketing insights"),
                url_name=f"marketing_insights:{record}_panel",
                order=6,
            )
