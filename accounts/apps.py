from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "accounts"

    def ready(self):
        from accounts.services.changes import changes_register
        from accounts.services.rollups import rollups_changes_listener
        from accounts.services.rules import targeting_rules_changes_listener

        changes_register(rollups_changes_listener)
        changes_register(targeting_rules_changes_listener)
        self._scoring_ready()
        self._subscriptions_ready()
        self._events_ready()
        self._webhooks_ready()

    def _webhooks_ready(self):
        """Webhooks: the hub event consumer that queues deliveries, their sender task and
        the navigation's count of subscriptions the automatic disable switched off."""
        import accounts.webhooks.tasks  # noqa: F401 - registers the Celery task
        from abm.context_processors import nav_badge_register
        from accounts.services.hub_events import hub_events_consumer_register
        from accounts.webhooks.services import webhooks_disabled_count, webhooks_handle_events

        hub_events_consumer_register("webhooks", webhooks_handle_events)
        nav_badge_register("webhooks:list", webhooks_disabled_count)

    def _events_ready(self):
        """Events: the contact page's "Event information" and "Events attended" sections."""
        from abm.panels import panel_register

        panel_register(
            record="contact",
            key="event_information",
            title=_("Event information"),
            url_name="events:contact_info",
            order=60,
        )
        panel_register(
            record="contact",
            key="events_attended",
            title=_("Events attended"),
            url_name="events:contact_attended",
            order=61,
        )

    def _subscriptions_ready(self):
        """Subscription lists: the contact page's "Subscription lists" section."""
        from abm.panels import panel_register

        panel_register(
            record="contact",
            key="subscriptions",
            title=_("Subscription lists"),
            url_name="subscriptions:contact_panel",
            order=8,
        )

    def _scoring_ready(self):
        """Lead scoring: the listener that marks leads dirty after each activity or
        record change, its Celery tasks, and the lead page's score panel."""
        import accounts.scoring.tasks  # noqa: F401 - registers the Celery tasks
        from abm.panels import panel_register
        from accounts.scoring.services import lead_scores_changes_listener
        from accounts.services.changes import changes_register

        changes_register(lead_scores_changes_listener)
        panel_register(
            record="lead",
            key="score",
            title=_("Score"),
            url_name="scoring:lead_score_panel",
            order=5,
            refresh_on=("leadScoreChanged",),
        )
