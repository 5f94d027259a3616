from django.apps import AppConfig


class BuyingGroupsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "buying_groups"
