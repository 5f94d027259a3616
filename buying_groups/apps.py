from django.apps import AppConfig


class BuyingGroupsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "buying_groups"
    verbose_name = "Buying groups"

    def ready(self):
        from accounts.services.changes import changes_register
        from buying_groups.services.scores import on_changes

        # Activities and contact changes mark scores dirty for the debounced worker.
        changes_register(on_changes)
