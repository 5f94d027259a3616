from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SalesActionsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "sales_actions"
    verbose_name = _("Sales actions")

    def ready(self):
        from abm.panels import panel_register

        # The record pages of accounts show what sales did, without accounts naming us.
        for record in ("contact", "account"):
            panel_register(
                record=record,
                key="emails",
                title=_("Emails"),
                url_name=f"sales_actions:{record}_emails",
                order=20,
                page_label=_("All emails"),
            )
