from django.apps import AppConfig


class SalesActionsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "sales_actions"
