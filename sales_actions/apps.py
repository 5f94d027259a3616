from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SalesActionsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "sales_actions"
    verbose_name = _("Sales actions")

    def ready(self):
        from abm.panels import panel_register

        # The record pages of accounts show what sales did, without accounts naming us.
        for record in ("contact", "account", "opportunity"):
            panel_register(
                record=record,
                key="emails",
                title=_("Emails"),
                url_name=f"sales_actions:{record}_emails",
                order=20,
                page_label=_("All emails"),
            )
            panel_register(
                record=record,
                key="tasks",
                title=_("Tasks"),
                url_name=f"tasks:{record}_tasks",
                order=15,
                refresh_on=("taskCreated", "taskChanged", "callLogged"),
            )

        panel_register(
            record="lead",
            key="tasks",
            title=_("Tasks"),
            url_name="tasks:lead_tasks",
            order=15,
            refresh_on=("taskCreated", "taskChanged", "callLogged"),
        )

        # Insights: engagement velocity, upcoming cadences and tasks, at the top.
        for record in ("contact", "account", "opportunity"):
            panel_register(
                record=record,
                key="insights",
                title=_("Insights"),
                url_name=f"insights:{record}_panel",
                order=5,
                refresh_on=("taskCreated", "taskChanged", "cadenceChanged", "callLogged"),
            )

        from abm.context_processors import nav_badge_register
        from sales_actions.worklist.selectors import tasks_overdue_count

        # The navigation's Tasks entry counts my overdue tasks.
        nav_badge_register("tasks:task_list", lambda user: tasks_overdue_count(user=user))

        # Cadences: their Celery tasks, the "Cadences" panels, and the next cadence email
        # as a source of the target accounts' "next scheduled" rollup.
        from accounts.services.rollups import next_scheduled_source_register
        from sales_actions.cadences import tasks as cadence_tasks  # noqa: F401 - registers them
        from sales_actions.cadences.selectors import next_cadence_emails

        next_scheduled_source_register(next_cadence_emails)
        for record in ("contact", "account", "opportunity", "lead"):
            panel_register(
                record=record,
                key="cadences",
                title=_("Cadences"),
                url_name=f"cadences:{record}_panel",
                order=25,
                refresh_on=("cadenceChanged",),
            )

        # Calls: the "Calls" panels, every phone number opening the call-log dialog, the
        # Django admin of the call log and its outcome list.
        from abm.templatetags.hub import phone_dialog_register
        from sales_actions.calls import admin as calls_admin  # noqa: F401 - registers it

        phone_dialog_register(url_name="calls:call_log_dialog")
        for record in ("contact", "account", "opportunity"):
            panel_register(
                record=record,
                key="calls",
                title=_("Calls"),
                url_name=f"calls:{record}_calls",
                order=18,
                refresh_on=("callLogged",),
            )

        # Best bets: a commit that touched people marks them for the ranking's worker.
        from accounts.services.changes import changes_register
        from sales_actions.bestbets import tasks as bestbets_tasks  # noqa: F401 - registers them
        from sales_actions.bestbets.services import bestbets_changes_listener

        changes_register(bestbets_changes_listener)

        # The live feed: every new hub event wakes its owner's open feeds after commit.
        from accounts.services.hub_events import hub_events_consumer_register
        from sales_actions.feed.publish import feed_events_handle

        hub_events_consumer_register("feed", feed_events_handle)
