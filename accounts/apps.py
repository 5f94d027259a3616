from django.apps import AppConfig


class AccountsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "accounts"

    def ready(self):
        from accounts.services.changes import changes_register
        from accounts.services.rollups import rollups_changes_listener
        from accounts.services.rules import targeting_rules_changes_listener

        changes_register(rollups_changes_listener)
        changes_register(targeting_rules_changes_listener)
