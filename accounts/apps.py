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
